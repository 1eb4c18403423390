package dev.otaclient.internal.ecu;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads for the tree's pools ({@link DeadlineCalls}, the gRPC service's calls): daemons, so an
 * embedding application can exit without closing them, and numbered under one name, so a thread dump
 * says whose they are.
 */
public final class DaemonThreads {
  private DaemonThreads() {}

  /** Threads named {@code prefix-1}, {@code prefix-2}, ... */
  public static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
