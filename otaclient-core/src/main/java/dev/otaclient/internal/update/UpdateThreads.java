package dev.otaclient.internal.update;

/**
 * The threads an update runs on. A background update (the daemon's, started by
 * {@link UpdateEngine#startUpdate}) gets a thread of its own at {@link Thread#MIN_PRIORITY}, because
 * building the standby is background work: while it runs, the ECU's own software and this client's
 * answers to Status (on the transport's threads, at normal priority) come first. Android's
 * update_engine does the same with a cgroup of minimal CPU shares while it applies a payload. The
 * update's workers and the delta's thread ({@code DaemonThreads} in {@link UpdatePipeline}) are
 * created by the update's thread or by each other and inherit its priority, so an
 * update run on the caller's thread ({@link UpdateEngine#update}, the CLI's {@code apply}) keeps the
 * caller's priority throughout.
 *
 * <p>Java priorities are only hints: HotSpot on Linux maps them to nice values only with
 * {@code -XX:ThreadPriorityPolicy=1}. The launcher and the sample systemd unit pass that, with the
 * lowest priority mapped to nice 19 and every other priority to nice 0 (docs/benchmarks.md, round
 * sixteen). An embedding application that does not pass them runs the update at its own priority.
 */
final class UpdateThreads {
  private UpdateThreads() {}

  /** Starts a background update's {@code task} on a daemon thread of its own at the lowest priority. */
  static Thread start(String name, Runnable task) {
    Thread t = new Thread(task, name);
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    t.start();
    return t;
  }
}
