package dev.otaclient.cli;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's side of systemd's {@code Type=notify}: READY once it serves, STATUS lines an operator
 * sees in {@code systemctl status}, STOPPING on shutdown, and WATCHDOG pings while the daemon is
 * healthy when the unit sets {@code WatchdogSec}. Sent with libsystemd's {@code sd_notify(3)}; without
 * {@code NOTIFY_SOCKET} (not started by systemd) every call does nothing.
 */
final class SystemdNotify implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SystemdNotify.class);

  /** The one function of libsystemd used here. */
  interface LibSystemd extends Library {
    int sd_notify(int unsetEnvironment, String state);
  }

  private final LibSystemd lib;
  private final Optional<Duration> watchdog;
  private ScheduledExecutorService pinger;
  private String lastStatus = "";

  private SystemdNotify(LibSystemd lib, Optional<Duration> watchdog) {
    this.lib = lib;
    this.watchdog = watchdog;
  }

  /** Connected to systemd when it started this process with a notification socket; inert otherwise. */
  static SystemdNotify fromEnvironment(Map<String, String> env) {
    if (env.get("NOTIFY_SOCKET") == null) {
      return new SystemdNotify(null, Optional.empty());
    }
    LibSystemd lib;
    try {
      lib = Native.load("systemd", LibSystemd.class);
    } catch (UnsatisfiedLinkError e) {
      LOG.warn("NOTIFY_SOCKET is set but libsystemd cannot be loaded ({}): no readiness notification", e.getMessage());
      return new SystemdNotify(null, Optional.empty());
    }
    return new SystemdNotify(lib, watchdogInterval(env));
  }

  /** {@code WATCHDOG_USEC}, when it is meant for this process ({@code WATCHDOG_PID} absent or ours). */
  static Optional<Duration> watchdogInterval(Map<String, String> env) {
    String usec = env.get("WATCHDOG_USEC");
    String pid = env.get("WATCHDOG_PID");
    if (usec == null || pid != null && !pid.equals(String.valueOf(ProcessHandle.current().pid()))) {
      return Optional.empty();
    }
    try {
      long us = Long.parseLong(usec.strip());
      return us > 0 ? Optional.of(Duration.ofNanos(us * 1000)) : Optional.empty();
    } catch (NumberFormatException e) {
      LOG.warn("WATCHDOG_USEC={} is not a number: no watchdog pings", usec);
      return Optional.empty();
    }
  }

  /** The daemon serves: READY, and watchdog pings at half the interval while {@code healthy} says so. */
  synchronized void ready(String status, BooleanSupplier healthy) {
    send("READY=1\nSTATUS=" + status);
    lastStatus = status;
    if (lib != null && watchdog.isPresent() && pinger == null) {
      long every = Math.max(1, watchdog.get().toMillis() / 2);
      pinger = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "otaclient-watchdog");
        t.setDaemon(true);
        return t;
      });
      pinger.scheduleAtFixedRate(() -> {
        if (healthy.getAsBoolean()) {
          send("WATCHDOG=1");
        }
      }, 0, every, TimeUnit.MILLISECONDS);
      LOG.info("systemd watchdog: pinging every {} ms", every);
    }
  }

  /** A new STATUS line, sent only when it changed. */
  synchronized void status(String status) {
    if (!status.equals(lastStatus)) {
      lastStatus = status;
      send("STATUS=" + status);
    }
  }

  @Override
  public synchronized void close() {
    if (pinger != null) {
      pinger.shutdownNow();
      pinger = null;
    }
    send("STOPPING=1");
  }

  private void send(String state) {
    if (lib == null) {
      return;
    }
    int r = lib.sd_notify(0, state);
    if (r < 0) {
      LOG.debug("sd_notify({}) failed: {}", state.replace('\n', ' '), r);
    }
  }
}
