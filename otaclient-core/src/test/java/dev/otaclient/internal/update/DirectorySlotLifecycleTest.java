package dev.otaclient.internal.update;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.internal.boot.BootState;
import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.error.FailureType;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.TreeSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
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
  static final List<String> META = SignedImageFixture.ENGINE_META;
  @TempDir static Path shared;
  static SignedImageFixture images;
  static Path v1;
  static Path v2;

  @BeforeAll
  static void images() {
    images = SignedImageFixture.create("life", shared);
    images.sampleV1("v1");
    images.sampleV2("v1", "v2");
    v1 = images.rootfs("v1");
    v2 = images.rootfs("v2");
  }

  static UpdateEngine device(Path state) {
    UpdateEngine c = new UpdateEngine("main", new DirectorySlotController(state), UpdateSettings.defaults(images.caStore()));
    c.start();
    return c;
  }

  static String image(String v) {
    return images.image(v).toString();
  }

  @Test
  void updateRebootRollbackOnDirectorySlots(@TempDir Path state) throws Exception {
    UpdateEngine c = device(state);
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
    UpdateEngine c = device(state);
    assertThat(c.update(UpdateRequest.of("1.0", image("v1"), "{}")).status()).isEqualTo(OtaStatus.SUCCESS);

    // v2 is built and armed, but the machine "crashes" before the reboot and the new slot never comes up
    DirectorySlotController boot = new DirectorySlotController(state,
        DirectorySlotController.Options.defaults().withExitProcess(() -> { }));
    UpdateEngine c2 = new UpdateEngine("main", boot, UpdateSettings.defaults(images.caStore()));
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
    UpdateEngine c = device(state);
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
