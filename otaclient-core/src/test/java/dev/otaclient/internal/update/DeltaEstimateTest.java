package dev.otaclient.internal.update;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.error.OtaException;
import dev.otaclient.internal.image.ImageLocation;
import dev.otaclient.internal.image.ImageSources;
import dev.otaclient.internal.image.OtaImage;
import dev.otaclient.internal.image.TrustPolicy;
import dev.otaclient.internal.image.VerifiedLists;
import dev.otaclient.internal.image.CaStore;
import dev.otaclient.testing.SampleRootfs;
import dev.otaclient.testing.SignedImageFixture;
import java.nio.file.Files;
import java.nio.file.Path;
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

  /** Hand-written lists (no signature needed: the estimate reads lists that were verified before). */
  private VerifiedLists handmade(String name, String... regulars) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("handmade-" + name));
    Files.writeString(dir.resolve("dirs.txt"), "");
    Files.writeString(dir.resolve("symlinks.txt"), "");
    Files.writeString(dir.resolve("regulars.txt"), String.join("\n", regulars) + "\n");
    Files.writeString(dir.resolve("persistents.txt"), "");
    return new VerifiedLists(dir.resolve("dirs.txt"), dir.resolve("symlinks.txt"), dir.resolve("regulars.txt"),
        dir.resolve("persistents.txt"));
  }

  private static String sha(char c) {
    return String.valueOf(c).repeat(64);
  }

  @Test
  void contentOfUnknownSizeIsStillDownloaded() throws Exception {
    // rev1 lists carry no sizes. The estimate used to restate the rule as "new content with size > 0",
    // so such content counted as a copy; the update's planner downloads it, and so does the estimate now.
    VerifiedLists old = handmade("rev1-old", "0644,0,0,1," + sha('a') + ",'/kept'");
    VerifiedLists next = handmade("rev1-new", "0644,0,0,1," + sha('a') + ",'/kept'",
        "0644,0,0,1," + sha('b') + ",'/new'", "0644,0,0,1," + sha('b') + ",'/new-copy'");
    DeltaEstimate d = DeltaEstimate.between(old, next);
    assertThat(d.downloadFiles()).isEqualTo(1);
    assertThat(d.downloadBytes()).isZero(); // unknown
    assertThat(d.copyFiles()).isEqualTo(2); // /kept from the old slot, /new-copy from /new
    assertThat(d.totalFiles()).isEqualTo(3);
  }

  @Test
  void listsTheUpdateWouldRefuseAreRefused() throws Exception {
    // two members of one hard-link group with different contents: the planner refuses the image, so
    // the estimate does not pretend it could be applied
    VerifiedLists old = handmade("bad-old", "0644,0,0,1," + sha('a') + ",'/a',1");
    VerifiedLists next = handmade("bad-new", "0644,0,0,2," + sha('a') + ",'/x',1,77",
        "0644,0,0,2," + sha('b') + ",'/y',1,77");
    assertThatThrownBy(() -> DeltaEstimate.between(old, next)).isInstanceOf(OtaException.class)
        .hasMessageContaining("hard-link group");
  }

}
