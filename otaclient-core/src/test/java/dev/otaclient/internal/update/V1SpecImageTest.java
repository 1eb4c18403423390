package dev.otaclient.internal.update;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.internal.fs.PosixCalls;
import dev.otaclient.internal.image.sign.TestCa;
import dev.otaclient.internal.slot.FileAttributes;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.SpecImage;
import dev.otaclient.testing.TreeSnapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An image laid out by hand from the spec ({@link SpecImage}) installs exactly; hostile variants of it,
 * all validly signed, each end with one clear line and leave the active slot untouched and nothing
 * outside the standby.
 */
class V1SpecImageTest {
  @TempDir static Path shared;
  static SignedImageFixture fixture;
  static TestCa ca;

  @BeforeAll
  static void ca() {
    fixture = SignedImageFixture.create("spec", shared);
    ca = fixture.ca();
  }

  static EcuStatus install(Path image, Path tmp, String ecu) {
    TestSlots slots = new TestSlots(tmp.resolve("a"), tmp.resolve("b"));
    UpdateEngine c = new UpdateEngine(ecu, slots, UpdateSettings.defaults(fixture.caStore()));
    c.start();
    return c.update(UpdateRequest.of("1.0", image.toString(), "{}"));
  }

  static Path image(Path tmp, Consumer<SpecImage> change) throws Exception {
    SpecImage s = new SpecImage();
    change.accept(s);
    Path dir = tmp.resolve("image");
    s.write(dir, ca);
    return dir;
  }

  @Test
  void anImageLaidOutByTheSpecInstallsExactly(@TempDir Path tmp) throws Exception {
    EcuStatus s = install(image(tmp, x -> {}), tmp, "main");
    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    Path expected = tmp.resolve("expected");
    SpecImage.expectedTree(expected);
    PosixCalls.setXattr(expected.resolve("etc/a"), "user.k", "v".getBytes(StandardCharsets.US_ASCII));
    assertThat(TreeSnapshot.of(tmp.resolve("b"), List.of("/opt", "/data/wo")).diff(TreeSnapshot.of(expected))).isEmpty();
    assertThat(PosixCalls.listXattrs(tmp.resolve("b/etc/a2"))).containsOnlyKeys("user.k");
    if (FileAttributes.canChown()) {
      Map<String, Object> st = Files.readAttributes(tmp.resolve("b/data/wo"), "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS);
      assertThat((Integer) st.get("mode")).isEqualTo(0020000);
    }
  }

  /** Installs a hostile variant; returns the failure reason after checking nothing leaked. */
  static String refused(Path tmp, Consumer<SpecImage> change) throws Exception {
    Path image = image(tmp, change);
    Files.createDirectories(tmp.resolve("a"));
    Files.writeString(tmp.resolve("a/keep"), "active");
    EcuStatus s = install(image, tmp, "main");
    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(Files.readString(tmp.resolve("a/keep"))).isEqualTo("active");
    assertThat(tmp.resolve("x")).doesNotExist();
    assertThat(s.failureReason()).doesNotContain("\n");
    return s.failureReason();
  }

  @Test
  void aPathWithDotDotIsRefused(@TempDir Path tmp) throws Exception {
    assertThat(refused(tmp, s -> s.fileTableHook = c -> SpecImage.reg(c, "/etc/../../x", 4, 1)))
        .contains("-205").contains("ft_regular").contains("'..'");
  }

  @Test
  void aRelativePathIsRefused(@TempDir Path tmp) throws Exception {
    assertThat(refused(tmp, s -> s.fileTableHook = c -> SpecImage.reg(c, "x", 4, 1)))
        .contains("ft_regular").contains("not absolute");
  }

  @Test
  void aFileBelowASymlinkIsNotWrittenThroughIt(@TempDir Path tmp) throws Exception {
    assertThat(refused(tmp, s -> s.fileTableHook = c -> {
      c.createStatement().execute("INSERT INTO ft_inode VALUES (50, 0, 0, " + 0120777 + ", 1, NULL)");
      c.createStatement().execute("INSERT INTO ft_non_regular VALUES ('/out', 50, CAST('" + tmp.resolve("x") + "' AS BLOB))");
      SpecImage.reg(c, "/out/evil", 4, 2);
    })).contains("/out/evil");
  }

  @Test
  void aBundleRangePastTheEndIsRefused(@TempDir Path tmp) throws Exception {
    assertThat(refused(tmp, s -> s.resourceTableHook = c -> c.createStatement().execute(
        "UPDATE rs_manifest SET filter_applied = X'623A93016400' || X'' WHERE resource_id = 4")))
        .contains("bundle");
  }

  @Test
  void aSliceCycleIsRefused(@TempDir Path tmp) throws Exception {
    assertThat(refused(tmp, s -> s.resourceTableHook = c -> c.createStatement().execute(
        "UPDATE rs_manifest SET filter_applied = X'733A910A' WHERE resource_id = 10")))
        .contains("made of itself");
  }

  @Test
  void aCompressedBlobThatInflatesPastItsSizeIsRefused(@TempDir Path tmp) throws Exception {
    assertThat(refused(tmp, s -> {
      s.resourceTableHook = c -> c.createStatement().execute("UPDATE rs_manifest SET size = 1000 WHERE resource_id = 6");
      s.fileTableHook = c -> c.createStatement().execute("UPDATE ft_resource SET size = 1000 WHERE resource_id = 4");
    })).contains("longer than the listed size 1000");
  }

  @Test
  void aFileTableThatIsNotSqliteIsRefused(@TempDir Path tmp) throws Exception {
    assertThat(refused(tmp, s -> s.fileTableOverride = "not a database at all".repeat(100).getBytes()))
        .contains("-205").contains("file table");
  }

  @Test
  void aDuplicatePathIsRefused(@TempDir Path tmp) throws Exception {
    assertThat(refused(tmp, s -> s.fileTableHook = c -> c.createStatement().execute(
        "INSERT INTO ft_dir VALUES ('/etc/a', 2)"))).contains("listed more than once");
  }

  @Test
  void aMissingBlobIsRefused(@TempDir Path tmp) throws Exception {
    assertThat(refused(tmp, s -> s.blobsHook = blobs -> {
      try {
        Files.delete(blobs.resolve(java.util.HexFormat.of().formatHex(SpecImage.sha(
            java.util.Arrays.copyOfRange(SpecImage.S, 0, 1000)))));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    })).contains("not found");
  }

  @Test
  void anImageWithoutAPayloadForThisEcuIsRefused(@TempDir Path tmp) throws Exception {
    Path image = image(tmp, s -> {});
    EcuStatus s = install(image, tmp, "sub1");
    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.failureReason()).contains("no payload for ECU \"sub1\"").contains("main/dev");
    assertThat(tmp.resolve("b")).isEmptyDirectory();
  }

  @Test
  void aTamperedIndexIsRefusedBeforeAnythingElse(@TempDir Path tmp) throws Exception {
    Path image = image(tmp, s -> {});
    Files.writeString(image.resolve("index.json"), Files.readString(image.resolve("index.json")).replace("dev", "prd"));
    EcuStatus s = install(image, tmp, "main");
    assertThat(s.failureReason()).contains("index.json").contains("sha256 mismatch");
    assertThat(tmp.resolve("b")).isEmptyDirectory();
  }

  @Test
  void theLegacyCompatPlaceholderWithFourEmptyListsIsRefused(@TempDir Path tmp) throws Exception {
    // what a v1 image's legacy-compat metadata.jwt looks like once its oci-layout is out of reach
    Files.createDirectories(fixture.rootfs("placeholder"));
    Path image = fixture.build("placeholder");
    assertThat(Files.size(image.resolve("regulars.txt")) + Files.size(image.resolve("dirs.txt"))).isZero();
    EcuStatus s = install(image, tmp, "main");
    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.failureReason()).contains("-205").contains("legacy-compat placeholder").contains("four empty lists");
    assertThat(tmp.resolve("b")).isEmptyDirectory();
  }

  /** Resource 1 of the spec image: the bundle of A, B and C. */
  static byte[] bundle() {
    return SpecImage.concat(SpecImage.A, SpecImage.B, SpecImage.C);
  }

  static void fileWithTheBundlesDigest(java.sql.Connection c, long size) throws java.sql.SQLException {
    try (java.sql.PreparedStatement p = c.prepareStatement("INSERT INTO ft_resource VALUES (8, ?, ?, NULL)")) {
      p.setBytes(1, SpecImage.sha(bundle()));
      p.setLong(2, size);
      p.executeUpdate();
    }
    SpecImage.reg(c, "/data/abc", 8, 8);
  }

  @Test
  void aFileWithTheBytesOfABundleIsThatBlobAndTheMembersStillInstall(@TempDir Path tmp) throws Exception {
    EcuStatus s = install(image(tmp, x -> x.fileTableHook = c -> fileWithTheBundlesDigest(c, bundle().length)), tmp,
        "main");
    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(Files.readAllBytes(tmp.resolve("b/data/abc"))).isEqualTo(bundle());
    assertThat(Files.readAllBytes(tmp.resolve("b/etc/a"))).isEqualTo(SpecImage.A);
    assertThat(Files.readAllBytes(tmp.resolve("b/data/b"))).isEqualTo(SpecImage.B);
    assertThat(Files.readAllBytes(tmp.resolve("b/data/c"))).isEqualTo(SpecImage.C);
  }

  @Test
  void aFileClaimingABundlesDigestWithAnotherSizeIsRefused(@TempDir Path tmp) throws Exception {
    assertThat(refused(tmp, x -> x.fileTableHook = c -> fileWithTheBundlesDigest(c, bundle().length + 1)))
        .contains("size 450 in the resource table but 451 in the file table").contains("/data/abc");
  }

  @Test
  void aSymlinkLeadingOutIsMadeAsALinkAndNothingIsWrittenThroughIt(@TempDir Path tmp) throws Exception {
    // a rootfs may hold absolute or climbing links; they are links in the standby, never followed
    EcuStatus s = install(image(tmp, x -> x.fileTableHook = c -> {
      c.createStatement().execute("INSERT INTO ft_inode VALUES (51, 0, 0, " + 0120777 + ", 1, NULL)");
      c.createStatement().execute("INSERT INTO ft_inode VALUES (52, 0, 0, " + 0120777 + ", 1, NULL)");
      c.createStatement().execute("INSERT INTO ft_non_regular VALUES ('/etc/up', 51, CAST('../../../../x' AS BLOB))");
      c.createStatement().execute("INSERT INTO ft_non_regular VALUES ('/etc/abs', 52, CAST('" + tmp.resolve("x")
          + "' AS BLOB))");
    }), tmp, "main");
    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(Files.readSymbolicLink(tmp.resolve("b/etc/up"))).isEqualTo(Path.of("../../../../x"));
    assertThat(Files.readSymbolicLink(tmp.resolve("b/etc/abs"))).isEqualTo(tmp.resolve("x"));
    assertThat(tmp.resolve("x")).doesNotExist();
  }
}
