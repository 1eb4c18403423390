package dev.otaclient.internal.update;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.Zstd;
import dev.otaclient.internal.fs.TempNames;
import dev.otaclient.internal.image.CaStore;
import dev.otaclient.internal.image.sign.TestCa;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.HandmadeImage;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.TreeSnapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Correctly signed but malicious images: each must end in FAILURE with a clear reason, leave the
 * active slot as it was, and write nothing outside the standby (a canary directory next to it
 * proves that).
 */
class HostileImageTest {
  static TestCa ca;
  @TempDir static Path shared;
  static Path cas;

  @TempDir Path tmp;
  Path active;
  Path standby;
  Path canary;
  TreeSnapshot activeBefore;

  @BeforeAll
  static void ca() {
    SignedImageFixture images = SignedImageFixture.create("hostile", shared);
    ca = images.ca();
    cas = images.cas();
  }

  @BeforeEach
  void slots() throws Exception {
    active = tmp.resolve("active");
    standby = tmp.resolve("slot");
    canary = tmp.resolve("canary");
    Files.createDirectories(active.resolve("etc"));
    Files.writeString(active.resolve("etc/hostname"), "ecu\n");
    Files.createDirectories(canary);
    Files.writeString(canary.resolve("keep"), "untouched");
    activeBefore = TreeSnapshot.of(active);
  }

  EcuStatus apply(HandmadeImage image) {
    Path dir = image.writeTo(tmp.resolve("image"), ca, true);
    UpdateEngine c = new UpdateEngine("main", new TestSlots(active, standby), UpdateSettings.defaults(CaStore.load(cas)));
    c.start();
    return c.update(UpdateRequest.of("evil", dir.toString(), "{}"));
  }

  void assertContained(EcuStatus s) throws Exception {
    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.failureReason()).matches("E[12]-\\d{4}-\\d{3}: .*");
    assertThat(TreeSnapshot.of(active)).isEqualTo(activeBefore);
    try (var files = Files.list(canary)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("keep");
    }
    assertThat(Files.readString(canary.resolve("keep"))).isEqualTo("untouched");
  }

  @Test
  void fileThroughARelativeSymlinkOutOfTheSlotIsRefused() throws Exception {
    byte[] x = "pwned".getBytes(StandardCharsets.UTF_8);
    EcuStatus s = apply(new HandmadeImage()
        .symlinks("0777,0,0,'/a','../canary'")
        .regulars(HandmadeImage.regularLine("/a/pwned", x))
        .file("data/a/pwned", x));
    assertContained(s);
    assertThat(s.failureReason()).contains("/a/pwned").contains("symlink");
  }

  @Test
  void fileThroughAnAbsoluteSymlinkToRootIsRefused() throws Exception {
    byte[] x = "pwned".getBytes(StandardCharsets.UTF_8);
    String target = canary.toString();
    EcuStatus s = apply(new HandmadeImage()
        .symlinks("0777,0,0,'/evil','" + target + "'")
        .regulars(HandmadeImage.regularLine("/evil/pwned", x))
        .file("data/evil/pwned", x));
    assertContained(s);
    assertThat(s.failureReason()).contains("symlink");
  }

  @Test
  void directoryThroughASymlinkIsRefused() throws Exception {
    EcuStatus s = apply(new HandmadeImage()
        .symlinks("0777,0,0,'/a','../canary'")
        .dirs("0755,0,0,'/a'", "0755,0,0,'/a/sub'"));
    assertContained(s);
  }

  @Test
  void dotDotPathIsRefusedWithFileAndLine() throws Exception {
    byte[] x = "pwned".getBytes(StandardCharsets.UTF_8);
    EcuStatus s = apply(new HandmadeImage()
        .regulars(HandmadeImage.regularLine("/ok", x), HandmadeImage.regularLine("/../canary/pwned", x))
        .file("data/ok", x));
    assertContained(s);
    assertThat(s.failureReason()).contains("regulars.txt:2");
  }

  @Test
  void samePathAsDirectoryAndFileIsRefused() throws Exception {
    byte[] x = "x".getBytes(StandardCharsets.UTF_8);
    EcuStatus s = apply(new HandmadeImage()
        .dirs("0755,0,0,'/x'")
        .regulars(HandmadeImage.regularLine("/x", x))
        .file("data/x", x));
    assertContained(s);
    assertThat(s.failureReason()).contains("regulars.txt:1").contains("more than once");
  }

  @Test
  void hardLinkGroupWithDifferentContentsIsRefused() throws Exception {
    byte[] a = "aaa".getBytes(StandardCharsets.UTF_8);
    byte[] b = "bbb".getBytes(StandardCharsets.UTF_8);
    EcuStatus s = apply(new HandmadeImage()
        .regulars("0644,0,0,2," + HandmadeImage.sha256(a) + ",'/a',3,77,",
            "0644,0,0,2," + HandmadeImage.sha256(b) + ",'/b',3,77,")
        .file("data/a", a).file("data/b", b));
    assertContained(s);
    assertThat(s.failureReason()).contains("regulars.txt:2").contains("hard-link group");
  }

  @Test
  void blobLongerThanListedIsRefused() throws Exception {
    byte[] listed = "short".getBytes(StandardCharsets.UTF_8);
    EcuStatus s = apply(new HandmadeImage()
        .regulars(HandmadeImage.regularLine("/f", listed))
        .file("data/f", "much longer than listed".getBytes(StandardCharsets.UTF_8)));
    assertContained(s);
    try (var files = Files.walk(standby)) {
      assertThat(files.map(Path::getFileName).map(Path::toString)).noneMatch(TempNames::isTemp);
    }
  }

  @Test
  void zstdBombIsStoppedAtTheListedSize() throws Exception {
    byte[] listed = new byte[100];
    byte[] bomb = Zstd.compress(new byte[64 << 20], 19);
    String sha = HandmadeImage.sha256(listed);
    EcuStatus s = apply(new HandmadeImage()
        .regulars("0644,0,0,1," + sha + ",'/bomb',100,,zst")
        .file("data.zst/" + sha + ".zst", bomb));
    assertContained(s);
    assertThat(Files.exists(standby.resolve("bomb"))).isFalse();
  }
}
