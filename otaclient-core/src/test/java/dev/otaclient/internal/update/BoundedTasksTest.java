package dev.otaclient.internal.update;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.error.OtaException;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Bounded dispatch of the REGULAR step: the limit holds, every task runs, the first failure wins. */
class BoundedTasksTest {
  final ExecutorService pool = Executors.newFixedThreadPool(4);

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void runsEveryTaskWithAtMostLimitInFlight() {
    BoundedTasks tasks = new BoundedTasks(pool, 3);
    AtomicInteger running = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    AtomicInteger ran = new AtomicInteger();
    for (int i = 0; i < 500; i++) {
      assertThat(tasks.submit(() -> {
        peak.accumulateAndGet(running.incrementAndGet(), Math::max);
        Thread.sleep(0, 100_000);
        running.decrementAndGet();
        ran.incrementAndGet();
      })).isTrue();
    }
    tasks.finish();
    assertThat(ran).hasValue(500);
    assertThat(peak.get()).isBetween(1, 3);
  }

  @Test
  void theFirstFailureStopsDispatchCancelsTheRestAndIsThrown() throws Exception {
    BoundedTasks tasks = new BoundedTasks(pool, 2);
    CountDownLatch sleeping = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    assertThat(tasks.submit(() -> {
      sleeping.countDown();
      try {
        never.await();
      } catch (InterruptedException e) {
        interrupted.countDown();
      }
    })).isTrue();
    // The failure is thrown only once the other task runs: a task cancelled before it started would
    // never be interrupted, and that is not what this test is about.
    assertThat(tasks.submit(() -> {
      assertThat(sleeping.await(30, TimeUnit.SECONDS)).as("the first task started").isTrue();
      throw new IOException("disk on fire");
    })).isTrue();
    boolean refused = false;
    for (int i = 0; i < 100 && !refused; i++) {
      refused = !tasks.submit(() -> { });
    }
    assertThat(refused).as("submissions are refused after the failure").isTrue();
    assertThatThrownBy(tasks::finish).isInstanceOf(OtaException.class).hasMessageContaining("disk on fire");
    // the running task was cancelled with an interrupt rather than waited for (it would wait forever)
    assertThat(interrupted.await(30, TimeUnit.SECONDS)).as("the running task was interrupted").isTrue();
  }

  /**
   * A task told to stop may still be finishing its file: the batch ends (and so the update reports
   * its end) only once it has returned. The interrupted task gives the finisher a second to return
   * early, which is what the permits of cancelled futures allowed.
   */
  @Test
  void aFailedBatchEndsOnlyWhenItsInterruptedTasksHaveReturned() throws Exception {
    BoundedTasks tasks = new BoundedTasks(pool, 2);
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch finished = new CountDownLatch(1);
    AtomicBoolean endedBeforeTheTask = new AtomicBoolean();
    CountDownLatch never = new CountDownLatch(1);
    assertThat(tasks.submit(() -> {
      started.countDown();
      try {
        never.await();
      } catch (InterruptedException e) {
        // still writing: the batch must not have ended
        endedBeforeTheTask.set(finished.await(1, TimeUnit.SECONDS));
      }
    })).isTrue();
    assertThat(tasks.submit(() -> {
      assertThat(started.await(30, TimeUnit.SECONDS)).as("the first task started").isTrue();
      throw new IOException("disk on fire");
    })).isTrue();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread finisher = new Thread(() -> {
      try {
        tasks.finish();
      } catch (Throwable t) {
        thrown.set(t);
      }
      finished.countDown();
    });
    finisher.start();
    finisher.join();
    assertThat(endedBeforeTheTask).as("the batch ended while a task still ran").isFalse();
    assertThat(thrown.get()).isInstanceOf(OtaException.class).hasMessageContaining("disk on fire");
  }

  @Test
  void aRuntimeFailureIsRethrownAsIs() {
    BoundedTasks tasks = new BoundedTasks(pool, 2);
    IllegalStateException boom = new IllegalStateException("boom");
    tasks.submit(() -> {
      throw boom;
    });
    assertThatThrownBy(tasks::finish).isSameAs(boom);
  }
}
