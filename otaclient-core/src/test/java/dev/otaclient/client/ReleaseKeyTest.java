package dev.otaclient.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.internal.image.v1.V1ImageBuilder;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.SampleRootfs;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.TreeSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An OTA image v1 with a {@code dev} and a {@code prd} payload for the same ECU: the client installs
 * the one of its release key, {@code dev} unless the embedder chose another.
 */
class ReleaseKeyTest {
  @TempDir static Path shared;
  static SignedImageFixture images;
  static Path devRoot;
  static Path prdRoot;
  static Path image;

  @BeforeAll
  static void build() throws Exception {
    images = SignedImageFixture.create("release-key", shared);
    devRoot = SampleRootfs.create(shared.resolve("dev"));
    prdRoot = SampleRootfs.create(shared.resolve("prd"));
    Files.writeString(SampleRootfs.at(prdRoot, "/etc/release"), "production\n");
    image = shared.resolve("image");
    V1ImageBuilder.into(image)
        .payload(new V1ImageBuilder.PayloadSpec("autoware", "dev", devRoot, List.of()))
        .payload(new V1ImageBuilder.PayloadSpec("autoware", "prd", prdRoot, List.of()))
        .signWith(images.ca().signingKey(), List.of(images.ca().signingCert(), images.ca().intermediateCert()))
        .build();
  }

  static Path install(Path state, OtaClient.Builder b) {
    OtaClient c = b.ecuId("autoware").trustedCertificates(images.cas()).directorySlots(state).build();
    EcuStatus s = c.update(UpdateRequest.of(image.toString()).withVersion("1.0"));
    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    return state.resolve(DirectorySlotController.SLOT_B);
  }

  @Test
  void theDefaultReleaseKeyIsDev(@TempDir Path tmp) {
    Path slot = install(tmp.resolve("state"), OtaClient.builder());
    assertThat(TreeSnapshot.of(slot, SignedImageFixture.ENGINE_META)).isEqualTo(TreeSnapshot.of(devRoot));
  }

  @Test
  void anEcuConfiguredForPrdInstallsThePrdPayload(@TempDir Path tmp) {
    Path slot = install(tmp.resolve("state"), OtaClient.builder().releaseKey("prd"));
    assertThat(TreeSnapshot.of(slot, SignedImageFixture.ENGINE_META)).isEqualTo(TreeSnapshot.of(prdRoot));
  }
}
