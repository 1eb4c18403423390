package dev.otaclient.internal.update;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.boot.BootController;
import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.internal.image.v1.V1ImageBuilder;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.SampleRootfs;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.TreeSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A boot controller vets an OTA image v1 from its own files before the standby exists, as it does a
 * legacy image ({@link VerifyBeforeStandbyTest}): the Jetson BSP check reads {@code /etc/nv_tegra_release}
 * this way. In v1 a file's content may be inline in the file table, bundled with others, zstd-compressed
 * or sliced (here: small files, a 96 KiB text and 64 KiB of random bytes, slices of 32 KiB); each must
 * come back exactly as the rootfs had it, a missing path as none, and a refusal
 * must leave both slots as they were.
 */
class V1VetImageTest {
  @TempDir Path tmp;

  @Test
  void aControllerReadsFilesOfAV1ImageWhateverTheirResourceAndRefusesBeforeTheStandby() throws Exception {
    SignedImageFixture fixture = SignedImageFixture.create("v1-vet", tmp.resolve("fixture"));
    Path rootfs = SampleRootfs.create(tmp.resolve("rootfs"));
    Path image = tmp.resolve("image");
    V1ImageBuilder.into(image)
        .payload(new V1ImageBuilder.PayloadSpec("main", "dev", rootfs, List.of()))
        .sliceSize(32 * 1024)
        .signWith(fixture.ca().signingKey(), List.of(fixture.ca().signingCert(), fixture.ca().intermediateCert()))
        .build();
    Path state = tmp.resolve("state");
    Path work = tmp.resolve("work");

    List<String> paths = List.of(SampleRootfs.HOSTNAME, SampleRootfs.PASSWD, SampleRootfs.COMPRESSIBLE,
        SampleRootfs.RANDOM, "/no/such/file");
    List<Optional<byte[]>> seen = new CopyOnWriteArrayList<>();
    BootController refusing = new VerifyBeforeStandbyTest.VettingController(new DirectorySlotController(state),
        files -> {
          for (String p : paths) {
            seen.add(files.read(p, 1 << 20));
          }
          throw new OtaException(ErrorCode.INVALID_UPDATE_REQUEST, ErrorModule.BOOT_CONTROL, "not for this device");
        });
    UpdateEngine engine = new UpdateEngine("main", refusing,
        UpdateSettings.defaults(fixture.caStore()).withWorkDir(work));
    engine.start();
    List<TreeSnapshot> started = slots(state);

    EcuStatus s = engine.update(UpdateRequest.of("2.0", image.toString(), "{}"));

    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.failureReason()).contains("-" + ErrorCode.INVALID_UPDATE_REQUEST.number() + ":")
        .contains("not for this device");
    assertThat(seen).hasSize(paths.size());
    for (int i = 0; i < paths.size() - 1; i++) {
      byte[] expected = Files.readAllBytes(SampleRootfs.at(rootfs, paths.get(i)));
      assertThat(seen.get(i)).as(paths.get(i)).isPresent();
      assertThat(Arrays.equals(seen.get(i).get(), expected)).as(paths.get(i) + " as the rootfs has it").isTrue();
    }
    assertThat(seen.get(paths.size() - 1)).as("a path the image does not have").isEmpty();
    assertThat(slots(state)).as("both slots as the start left them").isEqualTo(started);
    assertThat(work).as("the private work area is cleaned").isEmptyDirectory();
  }

  private static List<TreeSnapshot> slots(Path state) throws java.io.IOException {
    return List.of(TreeSnapshot.of(Files.createDirectories(state.resolve(DirectorySlotController.SLOT_A))),
        TreeSnapshot.of(Files.createDirectories(state.resolve(DirectorySlotController.SLOT_B))));
  }
}
