package dev.otaclient.internal.fetch;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A download bandwidth cap shared by every connection of one update: bytes are admitted at
 * {@code bytesPerSecond} on average, with at most {@link #burst()} of credit saved up while the
 * network was idle (a tenth of a second at the cap, at least {@link #BURST}), so the rate over any
 * few seconds stays within a few percent of the cap. The credit also covers the short pauses between
 * one file's download and the next: with 64 KiB alone, an update of many small files at 15 MiB/s
 * reached only 94-95 % of the cap (bench/run.sh, s7-cap).
 *
 * <p>Each read reserves its bytes on one timeline (the time at which the cap has room for them) and
 * waits until then; readers on several threads therefore share the cap instead of each getting it.
 * The wait is interruptible, so a cancelled update does not sit out its reservation.
 */
public final class RateLimit {
  /** The least credit saved while idle: small against one second of any useful cap. */
  static final long BURST = 64 * 1024;

  /** Sleeps for a number of nanoseconds; replaceable so the arithmetic is tested without a clock. */
  interface Sleeper {
    void sleep(long nanos) throws InterruptedException;
  }

  private final long bytesPerSecond;
  private final long burst;
  private final LongSupplier clock;
  private final Sleeper sleeper;
  /** Bytes that may pass without waiting; negative while readers are booked ahead of the cap. */
  private double credit;
  private long lastNanos;

  public RateLimit(long bytesPerSecond) {
    this(bytesPerSecond, System::nanoTime, TimeUnit.NANOSECONDS::sleep);
  }

  RateLimit(long bytesPerSecond, LongSupplier clock, Sleeper sleeper) {
    if (bytesPerSecond < 1) {
      throw new IllegalArgumentException("bytesPerSecond must be >= 1: " + bytesPerSecond);
    }
    this.bytesPerSecond = bytesPerSecond;
    this.burst = Math.max(BURST, bytesPerSecond / 10);
    this.clock = clock;
    this.sleeper = sleeper;
    this.lastNanos = clock.getAsLong();
    this.credit = BURST; // a small head start; pauses later may save up to the full burst
  }

  public long bytesPerSecond() {
    return bytesPerSecond;
  }

  /** The most credit saved up while idle: 100 ms at the cap, at least {@link #BURST}. */
  public long burst() {
    return burst;
  }

  /** Waits until {@code bytes} more bytes fit under the cap. */
  public void admit(long bytes) throws InterruptedIOException {
    long wait = reserve(bytes);
    if (wait > 0) {
      try {
        sleeper.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for the bandwidth cap");
      }
    }
  }

  /**
   * Books {@code bytes}: the credit earned since the last call (at the cap's rate, never above
   * {@link #burst()}) pays first, the rest is debt that this caller waits out. Later callers find the
   * debt and wait behind it, which is how concurrent readers share one cap.
   */
  synchronized long reserve(long bytes) {
    long now = clock.getAsLong();
    credit = Math.min(burst, credit + (now - lastNanos) * (double) bytesPerSecond / 1e9);
    lastNanos = now;
    credit -= bytes;
    return credit >= 0 ? 0 : (long) Math.ceil(-credit * 1e9 / bytesPerSecond);
  }

  /** {@code in}, its reads admitted through this cap. */
  public InputStream throttle(InputStream in) {
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
          admit(1);
        }
        return b;
      }

      @Override
      public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (n > 0) {
          admit(n);
        }
        return n;
      }
    };
  }
}
