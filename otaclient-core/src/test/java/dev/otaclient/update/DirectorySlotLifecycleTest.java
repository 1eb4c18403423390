package dev.otaclient.update;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.boot.BootState;
import dev.otaclient.boot.DirectorySlotController;
import dev.otaclient.error.FailureType;
import dev.otaclient.image.CaStore;
import dev.otaclient.image.build.ImageBuilder;
import dev.otaclient.image.sign.TestCa;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.SampleRootfs;
import dev.otaclient.testing.TreeSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine on the embedded default backend, end to end: a fresh directory-slot device updated to
 * v1 and v2 with simulated reboots, rolled back to v1, and a failed boot detected — all from local
 * image directories, no server.
 */
class DirectorySlotLifecycleTest {
  static final List<String> META = List.of("/opt/ota");
  @TempDir static Path shared;
  static Path cas;
  static Path v1;
  static Path v2;

  @BeforeAll
  static void images() throws Exception {
    TestCa ca = TestCa.create("life", Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(1)));
    cas = shared.resolve("cas");
    ca.installInto(cas, "1");
    Path cert = shared.resolve("sign.pem");
    ca.writeSigningMaterial(shared.resolve("sign.key"), cert);
    v1 = SampleRootfs.create(shared.resolve("v1"));
    v2 = shared.resolve("v2");
    SampleRootfs.v2From(v1, v2);
    for (String v : List.of("v1", "v2")) {
      ImageBuilder.fromRootfs(shared.resolve(v)).outputDir(shared.resolve("img-" + v))
          .signWith(ca.signingKey(), cert).compress(true).build();
    }
  }

  static OtaClient device(Path state) {
    OtaClient c = new OtaClient("main", new DirectorySlotController(state), UpdateSettings.defaults(CaStore.load(cas)));
    c.start();
    return c;
  }

  static String image(String v) {
    return shared.resolve("img-" + v).toString();
  }

  @Test
  void updateRebootRollbackOnDirectorySlots(@TempDir Path state) throws Exception {
    OtaClient c = device(state);
    assertThat(c.status().status()).isEqualTo(OtaStatus.INITIALIZED);

    EcuStatus s1 = c.update(UpdateRequest.of("1.0", image("v1"), "{}"));
    assertThat(s1.status()).as(s1.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(s1.version()).isEqualTo("1.0");
    DirectorySlotController boot = (DirectorySlotController) c.bootController();
    assertThat(boot.activeSlotId()).isEqualTo(DirectorySlotController.SLOT_B);
    assertThat(TreeSnapshot.of(boot.activeRoot(), META)).isEqualTo(TreeSnapshot.of(v1));

    EcuStatus s2 = c.update(UpdateRequest.of("2.0", image("v2"), "{}"));
    assertThat(s2.status()).as(s2.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(s2.version()).isEqualTo("2.0");
    assertThat(boot.activeSlotId()).isEqualTo(DirectorySlotController.SLOT_A);
    assertThat(TreeSnapshot.of(boot.activeRoot(), META)).isEqualTo(TreeSnapshot.of(v2));

    // a restarted daemon sees the same state
    assertThat(device(state).status().version()).isEqualTo("2.0");

    c.startRollback(BeforeReboot.NONE).await();
    assertThat(c.status().status()).as(c.status().failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(c.status().version()).isEqualTo("1.0");
    assertThat(TreeSnapshot.of(boot.activeRoot(), META)).isEqualTo(TreeSnapshot.of(v1));
  }

  @Test
  void aNewSlotThatDoesNotBootIsReportedAsFailureOnTheOldSlot(@TempDir Path state) throws Exception {
    OtaClient c = device(state);
    assertThat(c.update(UpdateRequest.of("1.0", image("v1"), "{}")).status()).isEqualTo(OtaStatus.SUCCESS);

    // v2 is built and armed, but the machine "crashes" before the reboot and the new slot never comes up
    DirectorySlotController boot = new DirectorySlotController(state,
        DirectorySlotController.Options.defaults().withExitProcess(() -> { }));
    OtaClient c2 = new OtaClient("main", boot, UpdateSettings.defaults(CaStore.load(cas)));
    c2.start();
    c2.update(UpdateRequest.of("2.0", image("v2"), "{}"));
    assertThat(boot.armedSlotId()).isPresent();

    BootState after = new DirectorySlotController(state).simulateFailedBoot();
    assertThat(after.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(after.version()).isEqualTo("1.0");
    assertThat(after.failureReason()).isNotEmpty();
    assertThat(device(state).status().status()).isEqualTo(OtaStatus.FAILURE);
  }

  @Test
  void aFailedUpdateLeavesTheRunningSlotAloneAndIsReportedAfterRestart(@TempDir Path state) throws Exception {
    OtaClient c = device(state);
    assertThat(c.update(UpdateRequest.of("1.0", image("v1"), "{}")).status()).isEqualTo(OtaStatus.SUCCESS);
    DirectorySlotController boot = (DirectorySlotController) c.bootController();
    TreeSnapshot running = TreeSnapshot.of(boot.activeRoot());

    EcuStatus failed = c.update(UpdateRequest.of("2.0", shared.resolve("no-such-image").toString(), "{}"));
    assertThat(failed.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(failed.failure()).isEqualTo(FailureType.RECOVERABLE);
    assertThat(TreeSnapshot.of(boot.activeRoot())).isEqualTo(running);

    EcuStatus restarted = device(state).status();
    assertThat(restarted.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(restarted.failureReason()).isEqualTo(failed.failureReason());
    assertThat(restarted.version()).isEqualTo("1.0");
    // and the next update succeeds
    assertThat(device(state).update(UpdateRequest.of("2.0", image("v2"), "{}")).status()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(Files.exists(boot.activeRoot().resolve("opt/README"))).isTrue();
  }
}
