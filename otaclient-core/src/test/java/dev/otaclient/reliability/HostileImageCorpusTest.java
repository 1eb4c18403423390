package dev.otaclient.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.Zstd;
import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.internal.fs.TempNames;
import dev.otaclient.internal.image.CaStore;
import dev.otaclient.internal.image.FileRef;
import dev.otaclient.internal.image.ImageMetadata;
import dev.otaclient.internal.image.MetadataJwt;
import dev.otaclient.internal.image.sign.TestCa;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.HandmadeImage;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.TreeSnapshot;
import dev.otaclient.internal.update.UpdateEngine;
import dev.otaclient.internal.update.UpdateRequest;
import dev.otaclient.internal.update.UpdateSettings;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Suite 4, hostile images, on a whole directory-slot device (not a stub controller): correctly signed
 * but malicious images, and unsigned or tampered ones. Each must end in FAILURE with a clear reason
 * that survives a restart (or, where the image is harmless once contained, succeed without leaving the
 * slot), and must leave the running slot, the boot pointers and two canary directories untouched: one
 * next to the slots (where {@code ..} and relative symlinks lead) and one elsewhere (where absolute
 * symlinks lead). Complements {@code update/HostileImageTest}, which covers the same attacks against
 * the engine alone.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostileImageCorpusTest {
  static final byte[] PWNED = "pwned".getBytes(StandardCharsets.UTF_8);

  @TempDir static Path shared;
  static TestCa ca;
  static TestCa otherCa;
  static Path cas;

  @TempDir Path tmp;
  Path state;
  Path nearCanary;
  Path farCanary;
  TreeSnapshot runningBefore;
  TreeSnapshot standbyBefore;
  TreeSnapshot nearBefore;
  TreeSnapshot farBefore;
  int images;

  @BeforeAll
  static void cas() {
    SignedImageFixture images = SignedImageFixture.create("hostile", shared);
    ca = images.ca();
    cas = images.cas();
    otherCa = SignedImageFixture.newCa("stranger");
  }

  @BeforeEach
  void device() throws Exception {
    state = tmp.resolve("state");
    DirectorySlotController boot = new DirectorySlotController(state);
    Path running = boot.slotRoot(DirectorySlotController.SLOT_A);
    Files.createDirectories(running.resolve("etc"));
    Files.writeString(running.resolve("etc/hostname"), "ecu\n");
    Path standby = boot.slotRoot(DirectorySlotController.SLOT_B);
    Files.createDirectories(standby.resolve("srv"));
    Files.writeString(standby.resolve("srv/old"), "previous system\n");
    // slot_b/<x> -> ../canary reaches this one; so does '..' from a slot
    nearCanary = Files.createDirectories(state.resolve("canary"));
    Files.writeString(nearCanary.resolve("keep"), "untouched");
    farCanary = Files.createDirectories(tmp.resolve("far-canary"));
    Files.writeString(farCanary.resolve("keep"), "untouched");
    runningBefore = TreeSnapshot.of(running);
    standbyBefore = TreeSnapshot.of(standby);
    nearBefore = TreeSnapshot.of(nearCanary);
    farBefore = TreeSnapshot.of(farCanary);
  }

  UpdateEngine client() {
    UpdateEngine c = new UpdateEngine("main", new DirectorySlotController(state), UpdateSettings.defaults(CaStore.load(cas)));
    c.start();
    return c;
  }

  EcuStatus apply(Path imageDir) {
    return client().update(UpdateRequest.of("evil", imageDir.toString(), "{}"));
  }

  EcuStatus apply(HandmadeImage image) {
    return apply(image.writeTo(tmp.resolve("image-" + images++), ca, true));
  }

  /** FAILURE with a coded reason that a restart still reports; nothing outside the standby changed. */
  void assertRefused(EcuStatus s, String... reasonParts) {
    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.failureReason()).matches("E[12]-\\d{4}-\\d{3}: .+");
    for (String part : reasonParts) {
      assertThat(s.failureReason()).contains(part);
    }
    assertUntouched();
    EcuStatus restarted = client().status();
    assertThat(restarted.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(restarted.failureReason()).isEqualTo(s.failureReason());
  }

  void assertUntouched() {
    DirectorySlotController boot = new DirectorySlotController(state);
    assertThat(boot.activeSlotId()).isEqualTo(DirectorySlotController.SLOT_A);
    assertThat(boot.defaultSlotId()).isEqualTo(DirectorySlotController.SLOT_A);
    assertThat(boot.armedSlotId()).isEmpty();
    assertThat(TreeSnapshot.of(boot.slotRoot(DirectorySlotController.SLOT_A)).diff(runningBefore)).isEmpty();
    assertThat(TreeSnapshot.of(nearCanary).diff(nearBefore)).isEmpty();
    assertThat(TreeSnapshot.of(farCanary).diff(farBefore)).isEmpty();
  }

  /** Verification failures must not even touch the standby's contents. */
  void assertStandbyUntouched() {
    assertThat(TreeSnapshot.of(state.resolve(DirectorySlotController.SLOT_B)).diff(standbyBefore)).isEmpty();
  }

  /** Everything the standby held is still there; additions only in the engine's work area and /boot. */
  void assertStandbyKeptItsContents() {
    TreeSnapshot now = TreeSnapshot.of(state.resolve(DirectorySlotController.SLOT_B));
    standbyBefore.nodes().forEach((path, node) -> assertThat(now.get(path)).as(path).isEqualTo(node));
    assertThat(now.nodes().keySet()).allMatch(p -> standbyBefore.get(p) != null || p.startsWith("/.ota-work")
        || p.equals("/boot"));
  }

  // ---------------------------------------------------------------- paths that leave the slot

  @Test
  void dotDotAndAbsoluteEscapePathsAreRefusedByLine() {
    assertRefused(apply(new HandmadeImage()
        .regulars(HandmadeImage.regularLine("/ok", PWNED), HandmadeImage.regularLine("/srv/../../canary/pwned", PWNED))
        .file("data/ok", PWNED)), "regulars.txt:2", "'..'");
    assertRefused(apply(new HandmadeImage().dirs("0755,0,0,'/x'", "0755,0,0,'" + farCanary + "/../x'")),
        "dirs.txt:2");
    assertRefused(apply(new HandmadeImage().dirs("0755,0,0,'relative/x'")), "dirs.txt:1", "not absolute");
    assertRefused(apply(new HandmadeImage().dirs("0755,0,0,'//" + farCanary + "'")), "dirs.txt:1", "'//'");
  }

  @Test
  void filesThroughASymlinkToTheRootAreRefused() {
    // '/evil' -> '/', then a file whose path continues with the far canary's absolute location
    assertRefused(apply(new HandmadeImage()
        .symlinks("0777,0,0,'/evil','/'")
        .regulars(HandmadeImage.regularLine("/evil" + farCanary + "/pwned", PWNED))
        .file("data/evil" + farCanary + "/pwned", PWNED)), "symlink");
  }

  @Test
  void filesAndDirectoriesThroughASymlinkToDotDotAreRefused() {
    assertRefused(apply(new HandmadeImage()
        .symlinks("0777,0,0,'/up','..'")
        .regulars(HandmadeImage.regularLine("/up/canary/pwned", PWNED))
        .file("data/up/canary/pwned", PWNED)), "symlink");
    assertRefused(apply(new HandmadeImage()
        .symlinks("0777,0,0,'/up','..'")
        .dirs("0755,0,0,'/up/canary/newdir'")), "symlink");
  }

  @Test
  void aSymlinkLoopEndsInAnErrorNotAHang() {
    assertRefused(apply(new HandmadeImage()
        .symlinks("0777,0,0,'/loop1','loop2'", "0777,0,0,'/loop2','loop1'")
        .regulars(HandmadeImage.regularLine("/loop1/x", PWNED))
        .file("data/loop1/x", PWNED)), "symlink");
  }

  @Test
  void aStaleSymlinkInTheStandbyIsNotFollowed() throws Exception {
    // the standby kept from an earlier image has /srv/data -> the far canary; the new image wants a directory there
    Files.createSymbolicLink(state.resolve("slot_b/srv/data"), farCanary);
    EcuStatus s = apply(new HandmadeImage()
        .dirs("0755,0,0,'/srv'", "0755,0,0,'/srv/data'")
        .regulars(HandmadeImage.regularLine("/srv/data/pwned", PWNED))
        .file("data/srv/data/pwned", PWNED));
    System.out.println("stale standby symlink: " + s.status() + " " + s.failureReason());
    // either contained (the link replaced by a real directory) or refused; never written through
    assertThat(TreeSnapshot.of(farCanary).diff(farBefore)).isEmpty();
    assertThat(TreeSnapshot.of(nearCanary).diff(nearBefore)).isEmpty();
    if (s.status() == OtaStatus.SUCCESS) {
      Path slot = state.resolve(DirectorySlotController.SLOT_B);
      assertThat(Files.isSymbolicLink(slot.resolve("srv/data"))).isFalse();
      assertThat(Files.readString(slot.resolve("srv/data/pwned"))).isEqualTo("pwned");
    } else {
      assertRefused(s);
    }
  }

  // ---------------------------------------------------------------- inconsistent lists

  @Test
  void theSamePathTwiceIsRefused() {
    assertRefused(apply(new HandmadeImage()
        .dirs("0755,0,0,'/x'")
        .regulars(HandmadeImage.regularLine("/x", PWNED))
        .file("data/x", PWNED)), "regulars.txt:1", "more than once");
    assertRefused(apply(new HandmadeImage()
        .regulars(HandmadeImage.regularLine("/x", PWNED), HandmadeImage.regularLine("/x", PWNED))
        .file("data/x", PWNED)), "regulars.txt:2", "more than once");
    assertRefused(apply(new HandmadeImage()
        .symlinks("0777,0,0,'/x','y'")
        .regulars(HandmadeImage.regularLine("/x", PWNED))
        .file("data/x", PWNED)), "more than once");
  }

  @Test
  void aRegularFileOverAnExistingDirectoryReplacesItInsideTheSlotOnly() throws Exception {
    // the kept standby has a directory tree where the new image has a regular file
    Path slot = state.resolve(DirectorySlotController.SLOT_B);
    Files.createDirectories(slot.resolve("srv/x/deep"));
    Files.writeString(slot.resolve("srv/x/deep/file"), "old");
    EcuStatus s = apply(new HandmadeImage()
        .dirs("0755,0,0,'/srv'")
        .regulars(HandmadeImage.regularLine("/srv/x", PWNED))
        .file("data/srv/x", PWNED));
    System.out.println("regular file over a directory: " + s.status() + " " + s.failureReason());
    if (s.status() == OtaStatus.SUCCESS) {
      // contained: the in-place clean removed the directory, the file took its place, and the
      // device switched to the new slot (the image is harmless)
      assertThat(Files.readString(slot.resolve("srv/x"))).isEqualTo("pwned");
      assertThat(TreeSnapshot.of(farCanary).diff(farBefore)).isEmpty();
      assertThat(TreeSnapshot.of(nearCanary).diff(nearBefore)).isEmpty();
      assertThat(TreeSnapshot.of(state.resolve(DirectorySlotController.SLOT_A)).diff(runningBefore)).isEmpty();
    } else {
      assertRefused(s, "/srv/x");
    }
  }

  @Test
  void hardLinkGroupWithDifferentContentsIsRefused() {
    byte[] a = "aaa".getBytes(StandardCharsets.UTF_8);
    byte[] b = "bbb".getBytes(StandardCharsets.UTF_8);
    assertRefused(apply(new HandmadeImage()
        .regulars("0644,0,0,2," + HandmadeImage.sha256(a) + ",'/a',3,77,",
            "0644,0,0,2," + HandmadeImage.sha256(b) + ",'/b',3,77,")
        .file("data/a", a).file("data/b", b)), "regulars.txt:2", "hard-link group");
  }

  // ---------------------------------------------------------------- malformed lines

  @Test
  void aGiganticLineIsRefusedWithoutReadingItWhole() {
    String huge = "/" + "a".repeat(200_000);
    assertRefused(apply(new HandmadeImage().regulars(HandmadeImage.regularLine(huge, PWNED))), "regulars.txt:1");
    // a 10 MiB list with no line break at all
    assertRefused(apply(new HandmadeImage().dirs("0755,0,0,'/" + "b".repeat(10 << 20) + "'")), "dirs.txt:1");
  }

  @Test
  void aPathComponentLongerThanTheFilesystemAllowsFailsCleanly() {
    String name = "/srv/" + "n".repeat(300);
    // (no blob: no filesystem here could hold its name either)
    assertRefused(apply(new HandmadeImage().regulars(HandmadeImage.regularLine(name, PWNED))));
  }

  @Test
  void nonUtf8BytesInAListAreRefused() throws Exception {
    Path dir = new HandmadeImage().writeTo(tmp.resolve("image"), ca, true);
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    line.writeBytes("0755,0,0,'/caf".getBytes(StandardCharsets.US_ASCII));
    line.write(0xe9); // Latin-1 'é': not UTF-8
    line.writeBytes("'".getBytes(StandardCharsets.US_ASCII));
    resignWithList(dir, "dirs.txt", line.toByteArray());
    assertRefused(apply(dir), "dirs.txt:1");
    // an overlong encoding of '/' (0xC0 0xAF) must not turn into a path separator either
    Path dir2 = new HandmadeImage().writeTo(tmp.resolve("image2"), ca, true);
    ByteArrayOutputStream l2 = new ByteArrayOutputStream();
    l2.writeBytes("0777,0,0,'/s','..".getBytes(StandardCharsets.US_ASCII));
    l2.write(0xc0);
    l2.write(0xaf);
    l2.writeBytes("canary'".getBytes(StandardCharsets.US_ASCII));
    resignWithList(dir2, "symlinks.txt", l2.toByteArray());
    assertRefused(apply(dir2), "symlinks.txt:1");
  }

  @Test
  void modesWithFileTypeBitsAreRefused() {
    assertRefused(apply(new HandmadeImage().dirs("040755,0,0,'/d'")), "dirs.txt:1");
    assertRefused(apply(new HandmadeImage()
        .regulars("0100644,0,0,1," + HandmadeImage.sha256(PWNED) + ",'/f',5,,").file("data/f", PWNED)),
        "regulars.txt:1");
    // a character device's type bits on a "regular" file must not create a device node
    assertRefused(apply(new HandmadeImage()
        .regulars("020666,0,0,1," + HandmadeImage.sha256(PWNED) + ",'/dev-null',5,,").file("data/dev-null", PWNED)),
        "regulars.txt:1");
  }

  @Test
  void idsBeyondThirtyTwoBitsAreRefused() {
    assertRefused(apply(new HandmadeImage().dirs("0755,4294967296,0,'/d'")), "dirs.txt:1", "uid");
    assertRefused(apply(new HandmadeImage().dirs("0755,0,18446744073709551616,'/d'")), "dirs.txt:1", "gid");
    assertRefused(apply(new HandmadeImage().dirs("0755,-1,0,'/d'")), "dirs.txt:1");
  }

  // ---------------------------------------------------------------- blobs that lie

  @Test
  void blobsShorterOrLongerThanListedAreRefused() throws Exception {
    assertRefused(apply(new HandmadeImage()
        .regulars(HandmadeImage.regularLine("/f", "a much longer listed content".getBytes(StandardCharsets.UTF_8)))
        .file("data/f", PWNED)));
    assertRefused(apply(new HandmadeImage()
        .regulars(HandmadeImage.regularLine("/g", PWNED))
        .file("data/g", "much longer than listed".getBytes(StandardCharsets.UTF_8))));
    try (var files = Files.walk(state.resolve(DirectorySlotController.SLOT_B))) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(TempNames::isTemp)
          .noneMatch(n -> n.equals("f") || n.equals("g"));
    }
  }

  @Test
  void aZstdBombIsStoppedAtTheListedSize() {
    byte[] listed = new byte[100];
    byte[] bomb = Zstd.compress(new byte[64 << 20], 19);
    String sha = HandmadeImage.sha256(listed);
    assertRefused(apply(new HandmadeImage()
        .regulars("0644,0,0,1," + sha + ",'/bomb',100,,zst")
        .file("data.zst/" + sha + ".zst", bomb)));
    assertThat(state.resolve("slot_b/bomb")).doesNotExist();
  }

  // ---------------------------------------------------------------- unsigned and tampered images

  @Test
  void aTamperedListIsRefusedBeforeTheStandbyIsTouched() throws Exception {
    Path dir = new HandmadeImage().dirs("0755,0,0,'/etc'").writeTo(tmp.resolve("image"), ca, true);
    Files.writeString(dir.resolve("dirs.txt"), "0755,0,0,'/etc'\n0777,0,0,'/backdoor'");
    assertRefused(apply(dir), "dirs.txt");
    // lists are verified as they are fetched into the standby's work area, i.e. after the standby
    // was prepared: its contents are kept, only the work area and /boot were added
    assertStandbyKeptItsContents();
  }

  @Test
  void aTamperedPayloadIsRefusedBeforeTheStandbyIsTouched() throws Exception {
    Path dir = new HandmadeImage().writeTo(tmp.resolve("image"), ca, true);
    String[] jwt = Files.readString(dir.resolve("metadata.jwt")).trim().split("\\.");
    String payload = new String(Base64.getUrlDecoder().decode(jwt[1]), StandardCharsets.UTF_8)
        .replace("\"rootfs_directory\": \"data\"", "\"rootfs_directory\": \"data2\"");
    assertThat(payload).contains("data2");
    jwt[1] = Base64.getUrlEncoder().encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    Files.writeString(dir.resolve("metadata.jwt"), String.join(".", jwt));
    assertRefused(apply(dir), "-208: ");
    assertStandbyUntouched();
  }

  @Test
  void aSignatureByAnUnknownCaIsRefusedBeforeTheStandbyIsTouched() {
    Path dir = new HandmadeImage().dirs("0755,0,0,'/etc'").writeTo(tmp.resolve("image"), otherCa, true);
    assertRefused(apply(dir), "-208: ");
    assertStandbyUntouched();
  }

  @Test
  void anUnsignedImageIsRefusedBeforeTheStandbyIsTouched() throws Exception {
    Path dir = new HandmadeImage().writeTo(tmp.resolve("image"), ca, true);
    String[] jwt = Files.readString(dir.resolve("metadata.jwt")).trim().split("\\.");
    Files.writeString(dir.resolve("metadata.jwt"), jwt[0] + "." + jwt[1] + ".");
    assertRefused(apply(dir), "-208: ");
    String none = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\": \"none\"}".getBytes(StandardCharsets.UTF_8));
    Files.writeString(dir.resolve("metadata.jwt"), none + "." + jwt[1] + ".");
    assertRefused(apply(dir), "-208: ");
    Files.delete(dir.resolve("metadata.jwt"));
    assertRefused(apply(dir));
    assertStandbyUntouched();
  }

  @Test
  void aSwappedCertificateIsRefusedBeforeTheStandbyIsTouched() throws Exception {
    Path dir = new HandmadeImage().writeTo(tmp.resolve("image"), ca, true);
    Files.writeString(dir.resolve("sign.pem"), TestCa.certificatePem(otherCa.signingCert()));
    assertRefused(apply(dir), "sign.pem");
    assertStandbyUntouched();
  }

  @Test
  void afterEveryRefusalALegitimateUpdateStillSucceeds() {
    assertRefused(apply(new HandmadeImage().dirs("040755,0,0,'/d'")));
    EcuStatus ok = apply(new HandmadeImage().dirs("0755,0,0,'/etc'")
        .regulars(HandmadeImage.regularLine("/etc/motd", "hello\n".getBytes(StandardCharsets.UTF_8)))
        .file("data/etc/motd", "hello\n".getBytes(StandardCharsets.UTF_8)));
    assertThat(ok.status()).as(ok.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(new DirectorySlotController(state).activeSlotId()).isEqualTo(DirectorySlotController.SLOT_B);
    assertThat(TreeSnapshot.of(nearCanary).diff(nearBefore)).isEmpty();
  }

  // ---------------------------------------------------------------- helpers

  /** Replaces one list with raw bytes and signs the image again, so only the list content is hostile. */
  static void resignWithList(Path dir, String list, byte[] content) throws Exception {
    Files.write(dir.resolve(list), content);
    List<String> names = List.of("dirs.txt", "symlinks.txt", "regulars.txt", "persistents.txt");
    FileRef[] refs = new FileRef[4];
    for (int i = 0; i < 4; i++) {
      refs[i] = new FileRef(names.get(i), HandmadeImage.sha256(Files.readAllBytes(dir.resolve(names.get(i)))));
    }
    FileRef cert = new FileRef("sign.pem", HandmadeImage.sha256(Files.readAllBytes(dir.resolve("sign.pem"))));
    ImageMetadata md = new ImageMetadata(1, refs[0], refs[1], refs[2], refs[3], cert, "data", OptionalLong.empty(),
        Optional.of("data.zst"));
    Files.writeString(dir.resolve("metadata.jwt"), MetadataJwt.sign(md, ca.signingKey()), StandardCharsets.US_ASCII);
  }
}
