package dev.otaclient.internal.update;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/** Joins the parallel work of one step: the first failure wins, the rest is cancelled. */
final class Steps {
  private Steps() {}

  static void awaitAll(List<? extends Future<?>> futures) {
    RuntimeException first = null;
    for (Future<?> f : futures) {
      if (first != null) {
        f.cancel(true);
        continue;
      }
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        first = interrupted(e);
      } catch (CancellationException e) {
        first = cancelled(e);
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        first = c instanceof RuntimeException re ? re
            : new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.STANDBY_SLOT, String.valueOf(c), c);
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /**
   * Runs {@code action} for every item on the pool, one task each, and waits for all as {@link #awaitAll}.
   * A pool already stopped (a cancel shuts the update's workers down) ends it as {@link #cancelled},
   * with the tasks submitted so far cancelled.
   */
  static <T> void runAll(ExecutorService pool, Collection<T> items, Consumer<? super T> action) {
    List<Future<?>> futures = new ArrayList<>(items.size());
    try {
      for (T item : items) {
        futures.add(pool.submit(() -> action.accept(item)));
      }
    } catch (RejectedExecutionException stopped) {
      futures.forEach(f -> f.cancel(true));
      throw cancelled(stopped);
    }
    awaitAll(futures);
  }

  /** The end of a step whose workers were stopped by a cancel. */
  static OtaException cancelled(Throwable cause) {
    return new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.STANDBY_SLOT, "update cancelled", cause);
  }

  /** The end of a step whose waiting thread was interrupted (the update is being stopped). */
  static OtaException interrupted(Throwable cause) {
    return new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.STANDBY_SLOT, "update interrupted", cause);
  }
}
