package dev.otaclient.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.error.FailureType;
import dev.otaclient.internal.fs.TempNames;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.Tmpfs;
import dev.otaclient.testing.TreeSnapshot;
import dev.otaclient.internal.update.UpdateEngine;
import dev.otaclient.internal.update.UpdateRequest;
import dev.otaclient.internal.update.UpdateSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Suite 5, disk full: the standby slot of a directory-slot device is a 2 MiB tmpfs mounted on its slot
 * directory (the state root's slot directories are mount points, as partitions would be). An image of
 * about 6 MiB must end UNRECOVERABLE with code 306 ({@code E2-0102-306}), leave the running slot intact
 * and the status FAILURE across a restart; then an image that fits must succeed on the same, partly
 * filled standby (the in-place clean frees what the failed image left behind).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DiskFullTest {
  @TempDir static Path shared;
  static SignedImageFixture images;
  static TreeSnapshot small;

  @TempDir Path tmp;
  Path mountPoint;
  Tmpfs standby;

  @BeforeAll
  static void images() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs and the sample rootfs need root");
    images = SignedImageFixture.create("reliability", shared);
    images.sampleV1("small");
    Path big = images.rootfs("big");
    new ProcessBuilder("cp", "-a", images.rootfs("small").toString(), big.toString()).inheritIO().start().waitFor();
    // incompressible content only, so the blobs are as big as the files
    for (int i = 0; i < 24; i++) {
      Path f = big.resolve("usr/share/blob-" + i + ".bin");
      Files.write(f, dev.otaclient.testing.SampleRootfs.randomBytes(256 * 1024, Suite.seed() + i));
      Files.setAttribute(f, "unix:mode", 0644);
    }
    images.build("big");
    small = TreeSnapshot.of(images.rootfs("small"));
  }

  @AfterEach
  void unmount() throws Exception {
    if (standby != null) {
      standby.close();
    }
  }

  @Test
  void aStandbyTooSmallEndsUnrecoverableWith306AndASmallerImageThenFits() throws Exception {
    Path state = tmp.resolve("state");
    DirectorySlotController boot = new DirectorySlotController(state);
    Path running = boot.slotRoot(DirectorySlotController.SLOT_A);
    Files.createDirectories(running.resolve("etc"));
    Files.writeString(running.resolve("etc/hostname"), "ecu\n");
    TreeSnapshot runningBefore = TreeSnapshot.of(running);
    mountPoint = boot.slotRoot(DirectorySlotController.SLOT_B);
    standby = Tmpfs.mount(mountPoint, "size=2m,mode=0755");

    EcuStatus failed = client(state).update(UpdateRequest.of("big", images.image("big").toString(), "{}"));
    assertThat(failed.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(failed.failure()).isEqualTo(FailureType.UNRECOVERABLE);
    assertThat(failed.failureReason()).startsWith("E2-0102-306: ").contains("no space left on the standby slot");
    assertThat(TreeSnapshot.of(running).diff(runningBefore)).isEmpty();
    assertThat(boot.activeSlotId()).isEqualTo(DirectorySlotController.SLOT_A);
    assertThat(boot.armedSlotId()).isEmpty();
    try (var s = Files.walk(mountPoint)) {
      assertThat(s.map(p -> p.getFileName().toString())).as("no half-written temp file left")
          .noneMatch(TempNames::isTemp);
    }

    EcuStatus restarted = client(state).status();
    assertThat(restarted.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(restarted.failure()).isEqualTo(FailureType.UNRECOVERABLE);
    assertThat(restarted.failureReason()).isEqualTo(failed.failureReason());

    EcuStatus ok = client(state).update(UpdateRequest.of("small", images.image("small").toString(), "{}"));
    assertThat(ok.status()).as(ok.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(ok.version()).isEqualTo("small");
    assertThat(TreeSnapshot.of(mountPoint, SignedImageFixture.ENGINE_META).diff(small)).isEmpty();
    assertThat(new DirectorySlotController(state).activeSlotId()).isEqualTo(DirectorySlotController.SLOT_B);
    assertThat(TreeSnapshot.of(running).diff(runningBefore)).isEmpty();
  }

  static UpdateEngine client(Path state) {
    UpdateEngine c = new UpdateEngine("main", new DirectorySlotController(state), UpdateSettings.defaults(images.caStore()));
    c.start();
    return c;
  }
}
