package dev.otaclient.internal.ecu;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs calls to children on their own threads and gives up on each at its deadline, whatever the
 * transport does: the returned future then fails with a {@link TimeoutException} and the worker is
 * interrupted. Each call has its own thread, so one hung child never delays another.
 */
final class DeadlineCalls implements AutoCloseable {
  private final ExecutorService workers;
  private final ScheduledExecutorService timer;

  DeadlineCalls(String name) {
    this.workers = Executors.newCachedThreadPool(DaemonThreads.named(name + "-call"));
    this.timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named(name + "-deadline"));
  }

  <T> CompletableFuture<T> call(Callable<T> body, Duration deadline, String what) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Future<?> task;
    try {
      task = workers.submit(() -> {
        try {
          result.complete(body.call());
        } catch (Throwable t) {
          result.completeExceptionally(t);
        }
      });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(e);
      return result;
    }
    ScheduledFuture<?> timeout;
    try {
      timeout = timer.schedule(() -> {
        if (result.completeExceptionally(new TimeoutException(what + ": no answer within " + deadline.toMillis() + " ms"))) {
          task.cancel(true);
        }
      }, deadline.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      task.cancel(true);
      result.completeExceptionally(e);
      return result;
    }
    result.whenComplete((r, e) -> timeout.cancel(false));
    return result;
  }

  @Override
  public void close() {
    workers.shutdownNow();
    timer.shutdownNow();
  }
}
