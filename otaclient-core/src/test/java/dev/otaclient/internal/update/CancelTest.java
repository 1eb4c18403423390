package dev.otaclient.internal.update;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.internal.boot.BootController;
import dev.otaclient.internal.boot.BootState;
import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.internal.boot.RollbackCheck;
import dev.otaclient.internal.boot.Standby;
import dev.otaclient.internal.fetch.HttpSettings;
import dev.otaclient.internal.image.CaStore;
import dev.otaclient.internal.image.sign.TestCa;
import dev.otaclient.status.CancelOutcome;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.UpdateEvent;
import dev.otaclient.testing.FaultyHttpServer;
import dev.otaclient.testing.FaultyHttpServer.Fault;
import dev.otaclient.testing.HandmadeImage;
import dev.otaclient.testing.TreeSnapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cancelling an update at each point: idle, while the standby is prepared (queued), while
 * downloading (stops at once, even from a server that never answers), and in the final phase
 * (refused). The active slot is never touched; a cancelled update is ABORTED, persisted, and the
 * next update resumes in the kept standby. Waits are latches; timeouts are only upper bounds.
 */
class CancelTest {
  static final int FILES = 12;
  @TempDir static Path shared;
  static TestCa ca;
  static Path cas;

  @TempDir Path tmp;
  Path image;
  FaultyHttpServer server;

  @BeforeAll
  static void trust() {
    ca = TestCa.create("cancel", Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(1)));
    cas = shared.resolve("cas");
    ca.installInto(cas, "1");
  }

  @BeforeEach
  void image() throws Exception {
    List<String> regulars = new ArrayList<>();
    HandmadeImage img = new HandmadeImage();
    for (int i = 0; i < FILES; i++) {
      byte[] content = ("file " + i + "\n").repeat(1000 + i).getBytes(StandardCharsets.UTF_8);
      regulars.add(HandmadeImage.regularLine("/srv/f" + i, content));
      img.file("data/srv/f" + i, content);
    }
    image = img.dirs("0755,0,0,'/srv'").regulars(regulars.toArray(String[]::new)).writeTo(tmp.resolve("www/img"), ca, false);
    server = FaultyHttpServer.serving(tmp.resolve("www"));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** One worker and one connection, so files arrive one after the other; reads never time out. */
  static UpdateSettings sequential() {
    return UpdateSettings.defaults(CaStore.load(cas)).withThreads(1, 1)
        .withHttp(HttpSettings.defaults().withTimeouts(Duration.ofSeconds(5), Duration.ofMinutes(10)));
  }

  String url() {
    return server.baseUri().resolve("img/").toString();
  }

  @Test
  void cancelWhenIdleIsNotRunning(@TempDir Path t) {
    UpdateEngine c = new UpdateEngine("main", new TestSlots(t.resolve("a"), t.resolve("b")), sequential());
    c.start();
    assertThat(c.cancel()).isEqualTo(CancelOutcome.NOT_RUNNING);
    assertThat(c.status().status()).isEqualTo(OtaStatus.SUCCESS);
  }

  @Test
  @Timeout(120)
  void cancelWhileDownloadingStopsAtOnceKeepsTheStandbyAndTheNextUpdateResumes() throws Exception {
    Path state = tmp.resolve("state");
    UpdateEngine c = new UpdateEngine("main", new DirectorySlotController(state), sequential().withWorkDir(tmp.resolve("work")));
    c.start();
    TreeSnapshot activeBefore = TreeSnapshot.of(state.resolve(DirectorySlotController.SLOT_A));
    String stalled = "img/data/srv/f" + (FILES / 2);
    CountDownLatch stuck = new CountDownLatch(1);
    server.script(stalled, attempt -> {
      if (attempt > 1) {
        return Fault.none();
      }
      stuck.countDown();
      return Fault.stallAfter(100, Duration.ofHours(1));
    });
    List<UpdateEvent> events = new CopyOnWriteArrayList<>();
    c.events().subscribe(UpdateEvent.class, events::add);

    UpdateOperation op = c.startUpdate(UpdateRequest.of("v2", url(), "{}"), BeforeReboot.NONE);
    assertThat(stuck.await(60, TimeUnit.SECONDS)).isTrue();
    assertThat(op.cancel()).isEqualTo(CancelOutcome.ACCEPTED);
    assertThat(op.cancel()).isEqualTo(CancelOutcome.ALREADY_IN_PROGRESS);
    EcuStatus end = op.await(Duration.ofSeconds(60)).orElseThrow();

    assertThat(end.status()).isEqualTo(OtaStatus.ABORTED);
    assertThat(end.failureReason()).isEmpty();
    assertThat(c.status().status()).isEqualTo(OtaStatus.ABORTED);
    assertThat(c.cancel()).isEqualTo(CancelOutcome.NOT_RUNNING);
    assertThat(events).filteredOn(e -> e instanceof UpdateEvent.StatusChanged s && s.status().status() == OtaStatus.ABORTING)
        .isNotEmpty();
    assertThat(events.get(events.size() - 1)).isInstanceOf(UpdateEvent.Cancelled.class);
    assertThat(TreeSnapshot.of(state.resolve(DirectorySlotController.SLOT_A))).isEqualTo(activeBefore);
    assertThat(Files.list(tmp.resolve("work")).toList()).isEmpty();

    // persisted: a restarted client reads ABORTED, and the next update resumes in the kept standby
    List<String> fetchedBefore = server.requests().stream().map(FaultyHttpServer.Recorded::path)
        .filter(p -> p.startsWith("img/data/") && !p.equals(stalled)).toList();
    assertThat(fetchedBefore).isNotEmpty();
    UpdateEngine restarted = new UpdateEngine("main", new DirectorySlotController(state), sequential());
    assertThat(restarted.start().status()).isEqualTo(OtaStatus.ABORTED);
    EcuStatus again = restarted.update(UpdateRequest.of("v2", url(), "{}"));
    assertThat(again.status()).as(again.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(again.version()).isEqualTo("v2");
    for (String p : fetchedBefore) {
      assertThat(server.requests(p)).as(p + " was placed before the cancel: not downloaded again").hasSize(1);
    }
    assertThat(server.requests(stalled)).hasSize(2);
  }

  @Test
  @Timeout(120)
  void cancelWhileTheStandbyIsPreparedIsQueuedAndCarriedOutAfterwards(@TempDir Path t) throws Exception {
    TestSlots slots = new TestSlots(t.resolve("a"), t.resolve("b"));
    CountDownLatch preparing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    BootController slow = new Delegating(slots) {
      @Override
      public Standby prepareStandby(String newVersion, boolean reuseInPlace) {
        preparing.countDown();
        awaitQuietly(release);
        return super.prepareStandby(newVersion, reuseInPlace);
      }
    };
    UpdateEngine c = new UpdateEngine("main", slow, sequential());
    c.start();
    UpdateOperation op = c.startUpdate(UpdateRequest.of("v2", url(), "{}"), BeforeReboot.NONE);
    assertThat(preparing.await(60, TimeUnit.SECONDS)).isTrue();
    assertThat(op.cancel()).isEqualTo(CancelOutcome.QUEUED);
    assertThat(c.cancel()).isEqualTo(CancelOutcome.ALREADY_IN_PROGRESS);
    assertThat(c.status().status()).isEqualTo(OtaStatus.UPDATING);
    release.countDown();

    EcuStatus end = op.await(Duration.ofSeconds(60)).orElseThrow();
    assertThat(end.status()).isEqualTo(OtaStatus.ABORTED);
    assertThat(slots.calls).containsSubsequence("prepare v2", "abort").doesNotContain("commit");
    assertThat(server.requests().stream().map(FaultyHttpServer.Recorded::path)).noneMatch(p -> p.startsWith("img/data/"));
  }

  @Test
  @Timeout(120)
  void cancelInTheFinalPhaseIsRefusedAndTheUpdateCompletes(@TempDir Path t) throws Exception {
    TestSlots slots = new TestSlots(t.resolve("a"), t.resolve("b"));
    UpdateEngine c = new UpdateEngine("main", slots, sequential());
    c.start();
    CountDownLatch waiting = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    UpdateOperation op = c.startUpdate(UpdateRequest.of("v2", url(), "{}"), () -> {
      waiting.countDown();
      release.await();
    });
    assertThat(waiting.await(60, TimeUnit.SECONDS)).isTrue();
    assertThat(op.cancel()).isEqualTo(CancelOutcome.FINAL_PHASE);
    release.countDown();
    EcuStatus end = op.await(Duration.ofSeconds(60)).orElseThrow();
    assertThat(slots.calls).containsSubsequence("commit", "reboot").doesNotContain("abort");
    assertThat(end.status()).isNotEqualTo(OtaStatus.ABORTED);
  }

  static void awaitQuietly(CountDownLatch l) {
    try {
      if (!l.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("test latch never released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A boot controller that forwards everything, for tests that override one step. */
  static class Delegating implements BootController {
    private final BootController d;

    Delegating(BootController d) {
      this.d = d;
    }

    @Override public String activeSlotId() { return d.activeSlotId(); }
    @Override public String standbySlotId() { return d.standbySlotId(); }
    @Override public BootState finalizeAtStartup() { return d.finalizeAtStartup(); }
    @Override public BootState currentState() { return d.currentState(); }
    @Override public Path activeRoot() { return d.activeRoot(); }
    @Override public Standby prepareStandby(String v, boolean reuse) { return d.prepareStandby(v, reuse); }
    @Override public void commitSwitch(Standby standby) { d.commitSwitch(standby); }
    @Override public void reboot() { d.reboot(); }
    @Override public void onFailure(String failureReason) { d.onFailure(failureReason); }
    @Override public void onAbort() { d.onAbort(); }
    @Override public RollbackCheck checkRollback() { return d.checkRollback(); }
    @Override public void prepareRollback() { d.prepareRollback(); }
  }
}
