package dev.otaclient.internal.update;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.internal.ecu.DaemonThreads;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * A background update's thread runs at the lowest priority (the launcher maps it to nice 19), and the
 * update's pool threads take the priority of the update that makes them: a background update's
 * workers are background work too, the workers of an update on the caller's thread are not.
 */
class UpdateThreadsTest {
  @Test
  void aBackgroundUpdatesThreadIsADaemonAtTheLowestPriority() throws Exception {
    CompletableFuture<Thread> ran = new CompletableFuture<>();
    Thread t = UpdateThreads.start("ota-update", () -> ran.complete(Thread.currentThread()));
    assertThat(ran.get()).isSameAs(t);
    assertThat(t.getName()).isEqualTo("ota-update");
    assertThat(t.isDaemon()).isTrue();
    assertThat(t.getPriority()).isEqualTo(Thread.MIN_PRIORITY);
    t.join();
  }

  @Test
  void poolThreadsAreNumberedDaemonsAtThePriorityOfTheUpdateThatMakesThem() throws Exception {
    CompletableFuture<Thread> backgroundWorker = new CompletableFuture<>();
    UpdateThreads.start("ota-update", () -> backgroundWorker.complete(firstWorker())).join();
    assertThat(backgroundWorker.get().getName()).isEqualTo("ota-worker-1");
    assertThat(backgroundWorker.get().isDaemon()).isTrue();
    assertThat(backgroundWorker.get().getPriority()).isEqualTo(Thread.MIN_PRIORITY);

    assertThat(Thread.currentThread().getPriority()).isEqualTo(Thread.NORM_PRIORITY);
    assertThat(firstWorker().getPriority()).isEqualTo(Thread.NORM_PRIORITY);
  }

  /** The thread that runs the first task of a new pool of update workers, made as the pipeline makes them. */
  private static Thread firstWorker() {
    ExecutorService pool = Executors.newFixedThreadPool(2, DaemonThreads.named("ota-worker"));
    try {
      return pool.submit(Thread::currentThread).get();
    } catch (Exception e) {
      throw new AssertionError(e);
    } finally {
      pool.shutdownNow();
    }
  }
}
