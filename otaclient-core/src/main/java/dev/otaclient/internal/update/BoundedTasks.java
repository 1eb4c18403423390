package dev.otaclient.internal.update;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs many tasks on a pool with at most {@code limit} queued or running at a time, and keeps
 * nothing of the finished ones (a future per task for tens of thousands of tasks is memory the
 * low-memory setting does not have). The first failure wins: further submissions are refused, the
 * tasks running are interrupted and the queued ones skipped.
 *
 * <p>A task's permit is given back by the task itself when it has returned, never when it is merely
 * told to stop: {@link #finish()} (and an interrupted {@link #submit}) return only once no task of
 * this batch runs any more, so nothing is still writing to the standby when the update reports its
 * end. (Cancelling futures released their permits at once, and a stopped update was reported while
 * an interrupted worker still finished its file.)
 */
final class BoundedTasks {
  interface Task {
    void run() throws Exception;
  }

  private final ExecutorService pool;
  private final int limit;
  private final Semaphore permits;
  private final Set<Thread> running = ConcurrentHashMap.newKeySet();
  /** Submitted, not yet taken by a worker: a stopped pool drops them, so their permits are taken back here. */
  private final Set<Queued> queued = ConcurrentHashMap.newKeySet();
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
      throw stopped(e);
    }
    if (failure.get() != null) {
      permits.release();
      return false;
    }
    Queued q = new Queued(task);
    queued.add(q);
    try {
      pool.execute(q);
    } catch (RejectedExecutionException e) {
      // the pool was stopped (the update is being cancelled): this task and those it dropped are
      // taken back, and the batch ends once the ones running have returned
      OtaException stop = Steps.cancelled(e);
      failure.compareAndSet(null, stop);
      stopAndWait();
      throw stop;
    }
    return true;
  }

  /** A submitted task: run by a worker, or taken back by {@link #stopAndWait()}, whichever comes first. */
  private final class Queued implements Runnable {
    private final Task task;
    private final AtomicBoolean claimed = new AtomicBoolean();

    Queued(Task task) {
      this.task = task;
    }

    boolean claim() {
      if (!claimed.compareAndSet(false, true)) {
        return false;
      }
      queued.remove(this);
      return true;
    }

    @Override
    public void run() {
      if (claim()) {
        runOne(task);
      }
    }
  }

  private void runOne(Task task) {
    Thread self = Thread.currentThread();
    running.add(self);
    try {
      if (failure.get() == null) {
        task.run();
      }
    } catch (Throwable t) {
      if (failure.compareAndSet(null, t)) {
        interruptAllBut(self);
      }
    } finally {
      running.remove(self);
      // the pool clears a stray interrupt before the thread's next task
      permits.release();
    }
  }

  /** Waits until every submitted task has ended, then throws the first failure, if any. */
  void finish() {
    try {
      permits.acquire(limit);
      permits.release(limit);
    } catch (InterruptedException e) {
      throw stopped(e);
    }
    Throwable t = failure.get();
    if (t instanceof RuntimeException re) {
      throw re;
    }
    if (t != null) {
      throw new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.STANDBY_SLOT, String.valueOf(t), t);
    }
  }

  /**
   * The submitting thread was interrupted (the update is being stopped): the running tasks are
   * interrupted, the queued ones skipped, and their end is waited for before the update goes on to
   * report it. The interrupt is kept for the caller.
   */
  private OtaException stopped(InterruptedException e) {
    OtaException stop = Steps.interrupted(e);
    failure.compareAndSet(null, stop);
    stopAndWait();
    Thread.currentThread().interrupt();
    return stop;
  }

  /** With the failure set: interrupts the running tasks, takes back the queued ones, waits for the rest. */
  private void stopAndWait() {
    interruptAllBut(null);
    for (Queued q : queued) {
      if (q.claim()) {
        permits.release();
      }
    }
    permits.acquireUninterruptibly(limit);
    permits.release(limit);
  }

  private void interruptAllBut(Thread self) {
    for (Thread t : running) {
      if (t != self) {
        t.interrupt();
      }
    }
  }
}
