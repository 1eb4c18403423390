package dev.otaclient.update;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.image.ImageSources;
import dev.otaclient.image.OtaImage;
import dev.otaclient.image.TrustPolicy;
import dev.otaclient.image.VerifiedLists;
import dev.otaclient.image.CaStore;
import dev.otaclient.testing.SampleRootfs;
import dev.otaclient.testing.SignedImageFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeltaEstimateTest {
  @TempDir Path tmp;

  VerifiedLists lists(Path image, Path cas, String name) {
    try (OtaImage img = OtaImage.open(ImageSources.open(image.toString(), null, null), CaStore.load(cas),
        TrustPolicy.REQUIRE_CA)) {
      return img.fetchLists(tmp.resolve("lists-" + name));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void v1ToV2DownloadsExactlyTheChangedContents() throws Exception {
    SignedImageFixture images = SignedImageFixture.create("est", tmp);
    images.sampleV1("v1");
    images.sampleV2("v1", "v2");
    Path v2 = images.rootfs("v2");
    Path cas = images.cas();
    DeltaEstimate d = DeltaEstimate.between(lists(images.image("v1"), cas, "1"), lists(images.image("v2"), cas, "2"));

    long expectedDownloadBytes = 0;
    for (String p : SampleRootfs.V2_MODIFIED) {
      expectedDownloadBytes += Files.size(SampleRootfs.at(v2, p));
    }
    for (String p : SampleRootfs.V2_ADDED) {
      expectedDownloadBytes += Files.size(SampleRootfs.at(v2, p));
    }
    assertThat(d.downloadFiles()).isEqualTo(SampleRootfs.V2_MODIFIED.size() + SampleRootfs.V2_ADDED.size());
    assertThat(d.downloadBytes()).isEqualTo(expectedDownloadBytes);
    assertThat(d.downloadCompressedFiles()).isEqualTo(1); // the modified big text file
    assertThat(d.removedFiles()).isEqualTo(2);             // moved-away path and the deleted file
    // one link per extra member: pair (1) + triple (2)
    assertThat(d.linkFiles()).isEqualTo(3);
    assertThat(d.copyFiles() + d.linkFiles() + d.downloadFiles()).isEqualTo(d.totalFiles());

    DeltaEstimate same = DeltaEstimate.between(lists(images.image("v2"), cas, "3"), lists(images.image("v2"), cas, "4"));
    assertThat(same.downloadFiles()).isZero();
    assertThat(same.removedFiles()).isZero();
  }
}
