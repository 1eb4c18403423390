package dev.otaclient.internal.update;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs many tasks on a pool with at most {@code limit} queued or running at a time, and keeps
 * nothing of the finished ones (a future per task for tens of thousands of tasks is memory the
 * low-memory setting does not have). The first failure wins: further submissions are refused and the
 * tasks in flight are cancelled.
 */
final class BoundedTasks {
  interface Task {
    void run() throws Exception;
  }

  private final ExecutorService pool;
  private final int limit;
  private final Semaphore permits;
  private final Set<FutureTask<Void>> inFlight = ConcurrentHashMap.newKeySet();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();

  BoundedTasks(ExecutorService pool, int limit) {
    this.pool = pool;
    this.limit = limit;
    this.permits = new Semaphore(limit);
  }

  /**
   * Submits {@code task}, blocking while {@code limit} tasks are in flight. False (and nothing
   * submitted) once a task has failed: the caller stops and calls {@link #finish()}.
   */
  boolean submit(Task task) {
    try {
      permits.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cancelAll();
      throw new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.STANDBY_SLOT, "update interrupted", e);
    }
    if (failure.get() != null) {
      permits.release();
      return false;
    }
    AtomicReference<FutureTask<Void>> self = new AtomicReference<>();
    FutureTask<Void> f = new FutureTask<>(() -> {
      try {
        task.run();
      } catch (Throwable t) {
        if (failure.compareAndSet(null, t)) {
          for (FutureTask<Void> other : inFlight) {
            if (other != self.get()) {
              other.cancel(true);
            }
          }
        }
      }
      return null;
    }) {
      @Override
      protected void done() {
        if (inFlight.remove(this)) {
          permits.release();
        }
      }
    };
    self.set(f);
    inFlight.add(f);
    try {
      pool.execute(f);
    } catch (RejectedExecutionException e) {
      f.cancel(false);
      throw new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.STANDBY_SLOT, "update cancelled", e);
    }
    return true;
  }

  /** Waits until every submitted task has ended, then throws the first failure, if any. */
  void finish() {
    try {
      permits.acquire(limit);
      permits.release(limit);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cancelAll();
      throw new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.STANDBY_SLOT, "update interrupted", e);
    }
    Throwable t = failure.get();
    if (t instanceof RuntimeException re) {
      throw re;
    }
    if (t != null) {
      throw new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.STANDBY_SLOT, String.valueOf(t), t);
    }
  }

  private void cancelAll() {
    for (FutureTask<Void> f : inFlight) {
      f.cancel(true);
    }
  }
}
