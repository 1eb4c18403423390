package dev.otaclient.testing;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waiting in tests without sleeping as synchronisation: every wait is for a named condition, a latch
 * or a thread, and {@link #LIMIT} is only an upper bound, far above what a healthy run needs on a
 * loaded machine, that turns a hang into a loud failure. Conditions are re-checked with a short,
 * growing pause; the pause never decides an outcome.
 */
public final class Await {
  /** The upper bound of every wait here unless a test names its own. */
  public static final Duration LIMIT = Duration.ofSeconds(60);

  private Await() {}

  /** Waits until {@code condition} holds; fails with {@code what} after {@link #LIMIT}. */
  public static void until(String what, BooleanSupplier condition) {
    until(what, LIMIT, condition);
  }

  /** Waits until {@code condition} holds; fails with {@code what} after {@code limit}. */
  public static void until(String what, Duration limit, BooleanSupplier condition) {
    value(what, limit, () -> condition.getAsBoolean(), ok -> ok);
  }

  /**
   * Samples {@code sample} until a value satisfies {@code done} and returns that value; fails after
   * {@link #LIMIT} with {@code what} and the last value seen.
   */
  public static <T> T value(String what, Supplier<T> sample, Predicate<? super T> done) {
    return value(what, LIMIT, sample, done);
  }

  /** As {@link #value(String, Supplier, Predicate)} with its own upper bound. */
  public static <T> T value(String what, Duration limit, Supplier<T> sample, Predicate<? super T> done) {
    long deadline = System.nanoTime() + limit.toNanos();
    long pauseMicros = 100;
    T last = null;
    while (true) {
      last = sample.get();
      if (done.test(last)) {
        return last;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + limit + " waiting for " + what + "; last seen: " + last);
      }
      pause(pauseMicros);
      pauseMicros = Math.min(pauseMicros * 2, 20_000);
    }
  }

  /** Waits for {@code latch} to reach zero; fails with {@code what} after {@link #LIMIT}. */
  public static void latch(String what, CountDownLatch latch) {
    try {
      if (!latch.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("timed out after " + LIMIT + " waiting for " + what + " (" + latch.getCount()
            + " count(s) left)");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for " + what, e);
    }
  }

  /** Joins {@code t}; fails with {@code what} and the thread's stack if it is still alive after {@code limit}. */
  public static void join(String what, Thread t, Duration limit) {
    try {
      t.join(limit.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for " + what, e);
    }
    if (t.isAlive()) {
      throw new AssertionError(what + ": thread " + t.getName() + " still running after " + limit + " at "
          + Arrays.toString(t.getStackTrace()));
    }
  }

  /**
   * Waits until {@code t} is parked, waiting or blocked inside a method named {@code method} (a stack
   * frame {@code Class.method} whose method name equals it): the handshake that a thread has really
   * reached a blocking call, rather than having been started and assumed to be there.
   */
  public static void blockedIn(Thread t, String method) {
    until(t.getName() + " blocked in " + method, () -> {
      Thread.State s = t.getState();
      if (s != Thread.State.WAITING && s != Thread.State.TIMED_WAITING && s != Thread.State.BLOCKED) {
        return false;
      }
      for (StackTraceElement f : t.getStackTrace()) {
        if (f.getMethodName().equals(method)) {
          return true;
        }
      }
      return false;
    });
  }

  private static void pause(long micros) {
    try {
      TimeUnit.MICROSECONDS.sleep(micros);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting", e);
    }
  }
}
