package dev.otaclient.internal.fetch;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Shared by all fetches of one fetcher: remembers when a fetch last succeeded (or when the first one
 * started) so retries stop once nothing has worked for the configured time, whatever the per-file
 * attempt count says. Thread-safe.
 */
public final class DownloadBudget {
  private static final long UNSET = Long.MIN_VALUE;

  private final long budgetNanos;
  private final LongSupplier nanoClock;
  private final AtomicLong lastProgress = new AtomicLong(UNSET);

  public DownloadBudget(Duration noSuccessBudget) {
    this(noSuccessBudget, System::nanoTime);
  }

  DownloadBudget(Duration noSuccessBudget, LongSupplier nanoClock) {
    this.budgetNanos = saturatedNanos(noSuccessBudget);
    this.nanoClock = nanoClock;
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /**
   * Called before each fetch. The clock starts at the first fetch, not at construction, because the
   * engine may spend a long time scanning the device before it downloads anything.
   */
  public void started() {
    lastProgress.compareAndSet(UNSET, nanoClock.getAsLong());
  }

  /** A fetch completed: the network works, so the whole budget is available again. */
  public void succeeded() {
    lastProgress.set(nanoClock.getAsLong());
  }

  /** Time left before retries stop; zero when exhausted. */
  public Duration remaining() {
    long since = lastProgress.get();
    if (since == UNSET) {
      return Duration.ofNanos(budgetNanos);
    }
    long elapsed = nanoClock.getAsLong() - since;
    long left = budgetNanos - elapsed;
    return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
  }

  public boolean exhausted() {
    return remaining().isZero();
  }
}
