package dev.otaclient.update;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.image.ImageLocation;
import dev.otaclient.image.ImageSources;
import dev.otaclient.image.OtaImage;
import dev.otaclient.image.TrustPolicy;
import dev.otaclient.image.VerifiedLists;
import dev.otaclient.image.build.ImageBuilder;
import dev.otaclient.image.sign.TestCa;
import dev.otaclient.image.CaStore;
import dev.otaclient.testing.SampleRootfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeltaEstimateTest {
  @TempDir Path tmp;

  VerifiedLists lists(Path image, Path cas, String name) {
    try (OtaImage img = OtaImage.open(ImageSources.open(ImageLocation.parse(image.toString()), null), CaStore.load(cas),
        TrustPolicy.REQUIRE_CA)) {
      return img.fetchLists(tmp.resolve("lists-" + name));
    }
  }

  @Test
  void v1ToV2DownloadsExactlyTheChangedContents() throws Exception {
    TestCa ca = TestCa.create("est", Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(1)));
    Path cas = tmp.resolve("cas");
    ca.installInto(cas, "1");
    Path v1 = SampleRootfs.create(tmp.resolve("v1"));
    Path v2 = tmp.resolve("v2");
    SampleRootfs.v2From(v1, v2);
    for (String v : new String[] {"v1", "v2"}) {
      ImageBuilder.fromRootfs(tmp.resolve(v)).outputDir(tmp.resolve("img-" + v))
          .signWith(ca.signingKey(), writeCert(ca)).compress(true).build();
    }
    DeltaEstimate d = DeltaEstimate.between(lists(tmp.resolve("img-v1"), cas, "1"), lists(tmp.resolve("img-v2"), cas, "2"));

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

    DeltaEstimate same = DeltaEstimate.between(lists(tmp.resolve("img-v2"), cas, "3"), lists(tmp.resolve("img-v2"), cas, "4"));
    assertThat(same.downloadFiles()).isZero();
    assertThat(same.removedFiles()).isZero();
  }

  private Path writeCert(TestCa ca) throws Exception {
    Path key = tmp.resolve("k.pem");
    Path cert = tmp.resolve("c.pem");
    if (!Files.exists(cert)) {
      ca.writeSigningMaterial(key, cert);
    }
    return cert;
  }
}
