package dev.otaclient.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.internal.image.CaStore;
import dev.otaclient.internal.image.sign.TestCa;
import dev.otaclient.internal.update.UpdateEngine;
import dev.otaclient.internal.update.UpdateRequest;
import dev.otaclient.internal.update.UpdateSettings;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.JavaChild;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.SpecImage;
import dev.otaclient.testing.TreeSnapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Suite 4 for OTA image v1, on a whole directory-slot device: images laid out by the spec's rules
 * ({@link SpecImage}), validly signed, whose content is evil. Each must end in FAILURE with one coded
 * line that a restart still reports, and leave the running slot, the boot pointers and two canary
 * directories (one next to the slots, where {@code ..} leads, one elsewhere, where absolute paths
 * lead) untouched. The legacy counterpart is {@link HostileImageCorpusTest}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HostileV1ImageCorpusTest {
  @TempDir static Path shared;
  static TestCa ca;
  static Path cas;

  @TempDir Path tmp;
  Path state;
  Path nearCanary;
  Path farCanary;
  TreeSnapshot runningBefore;
  TreeSnapshot nearBefore;
  TreeSnapshot farBefore;
  int images;

  @BeforeAll
  static void cas() {
    SignedImageFixture f = SignedImageFixture.create("hostile-v1", shared);
    ca = f.ca();
    cas = f.cas();
  }

  @BeforeEach
  void device() throws Exception {
    state = tmp.resolve("state");
    DirectorySlotController boot = new DirectorySlotController(state);
    Path running = boot.slotRoot(DirectorySlotController.SLOT_A);
    Files.createDirectories(running.resolve("etc"));
    Files.writeString(running.resolve("etc/hostname"), "ecu\n");
    Files.createDirectories(boot.slotRoot(DirectorySlotController.SLOT_B));
    nearCanary = Files.createDirectories(state.resolve("canary"));
    Files.writeString(nearCanary.resolve("keep"), "untouched");
    farCanary = Files.createDirectories(tmp.resolve("far-canary"));
    Files.writeString(farCanary.resolve("keep"), "untouched");
    runningBefore = TreeSnapshot.of(running);
    nearBefore = TreeSnapshot.of(nearCanary);
    farBefore = TreeSnapshot.of(farCanary);
  }

  UpdateEngine client() {
    UpdateEngine c = new UpdateEngine("main", new DirectorySlotController(state), UpdateSettings.defaults(CaStore.load(cas)));
    c.start();
    return c;
  }

  Path image(Consumer<SpecImage> evil) throws Exception {
    SpecImage s = new SpecImage();
    evil.accept(s);
    Path dir = tmp.resolve("image-" + images++);
    s.write(dir, ca);
    return dir;
  }

  EcuStatus apply(Consumer<SpecImage> evil) throws Exception {
    return client().update(UpdateRequest.of("evil", image(evil).toString(), "{}"));
  }

  /** FAILURE with one coded line that a restart still reports; nothing outside the standby changed. */
  void assertRefused(EcuStatus s, String... reasonParts) {
    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.failureReason()).matches("E[12]-\\d{4}-\\d{3}: [^\\n]+");
    for (String part : reasonParts) {
      assertThat(s.failureReason()).contains(part);
    }
    DirectorySlotController boot = new DirectorySlotController(state);
    assertThat(boot.activeSlotId()).isEqualTo(DirectorySlotController.SLOT_A);
    assertThat(boot.defaultSlotId()).isEqualTo(DirectorySlotController.SLOT_A);
    assertThat(boot.armedSlotId()).isEmpty();
    assertThat(TreeSnapshot.of(boot.slotRoot(DirectorySlotController.SLOT_A)).diff(runningBefore)).isEmpty();
    assertThat(TreeSnapshot.of(nearCanary).diff(nearBefore)).isEmpty();
    assertThat(TreeSnapshot.of(farCanary).diff(farBefore)).isEmpty();
    EcuStatus restarted = client().status();
    assertThat(restarted.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(restarted.failureReason()).isEqualTo(s.failureReason());
  }

  static void symlink(Connection c, long inode, String path, String target) throws SQLException {
    c.createStatement().execute("INSERT INTO ft_inode VALUES (" + inode + ", 0, 0, " + 0120777 + ", 1, NULL)");
    try (PreparedStatement p = c.prepareStatement("INSERT INTO ft_non_regular VALUES (?, ?, ?)")) {
      p.setString(1, path);
      p.setLong(2, inode);
      p.setBytes(3, target.getBytes(StandardCharsets.UTF_8));
      p.executeUpdate();
    }
  }

  static void dir(Connection c, String path) throws SQLException {
    try (PreparedStatement p = c.prepareStatement("INSERT INTO ft_dir VALUES (?, 2)")) {
      p.setString(1, path);
      p.executeUpdate();
    }
  }

  // ---------------------------------------------------------------- paths that leave the slot

  @Test
  void dotDotRelativeAndDoubleSlashPathsAreRefusedByRow() throws Exception {
    assertRefused(apply(s -> s.fileTableHook = c -> SpecImage.reg(c, "/etc/../../canary/pwned", 4, 1)),
        "ft_regular", "'..'");
    assertRefused(apply(s -> s.fileTableHook = c -> dir(c, "relative/x")), "ft_dir", "not absolute");
    assertRefused(apply(s -> s.fileTableHook = c -> dir(c, "/" + farCanary)), "ft_dir", "'//'");
  }

  @Test
  void aFileThroughASymlinkToTheRootIsRefused() throws Exception {
    assertRefused(apply(s -> s.fileTableHook = c -> {
      symlink(c, 50, "/evil", "/");
      SpecImage.reg(c, "/evil" + farCanary + "/pwned", 4, 1);
    }), "symlink");
  }

  @Test
  void aDirectoryThroughASymlinkToDotDotIsRefused() throws Exception {
    // directories come first, so /up is made a directory in the standby and the link cannot replace it
    assertRefused(apply(s -> s.fileTableHook = c -> {
      symlink(c, 50, "/up", "..");
      dir(c, "/up/canary/newdir");
    }), "ft_non_regular", "'/up' is a directory in the slot");
  }

  // ---------------------------------------------------------------- resources that lie

  @Test
  void aBundleRangePastTheEndIsRefused() throws Exception {
    // resource 4 (C, 150 bytes) claims bytes 100+150 of the 450-byte bundle... at offset 400
    assertRefused(apply(s -> s.resourceTableHook = c -> c.createStatement().execute(
        "UPDATE rs_manifest SET filter_applied = X'623A9301CD0190CC96' WHERE resource_id = 4")), "bundle 1");
  }

  @Test
  void aSliceCycleIsRefused() throws Exception {
    assertRefused(apply(s -> s.resourceTableHook = c -> c.createStatement().execute(
        "UPDATE rs_manifest SET filter_applied = X'733A910A' WHERE resource_id = 10")), "made of itself");
  }

  @Test
  void aCompressedBlobThatInflatesPastItsSizeIsRefused() throws Exception {
    assertRefused(apply(s -> {
      s.resourceTableHook = c -> c.createStatement().execute("UPDATE rs_manifest SET size = 1000 WHERE resource_id = 6");
      s.fileTableHook = c -> c.createStatement().execute("UPDATE ft_resource SET size = 1000 WHERE resource_id = 4");
    }), "longer than the listed size 1000");
  }

  @Test
  void aFileClaimingABundlesDigestWithAnotherSizeIsRefused() throws Exception {
    byte[] bundle = SpecImage.concat(SpecImage.A, SpecImage.B, SpecImage.C);
    assertRefused(apply(s -> s.fileTableHook = c -> {
      try (PreparedStatement p = c.prepareStatement("INSERT INTO ft_resource VALUES (8, ?, ?, NULL)")) {
        p.setBytes(1, SpecImage.sha(bundle));
        p.setLong(2, bundle.length + 1);
        p.executeUpdate();
      }
      SpecImage.reg(c, "/data/abc", 8, 8);
    }), "size 450 in the resource table but 451 in the file table");
  }

  @Test
  void aMissingBlobIsRefused() throws Exception {
    byte[] slice = java.util.Arrays.copyOfRange(SpecImage.S, 0, 1000);
    assertRefused(apply(s -> s.blobsHook = blobs -> {
      try {
        Files.delete(blobs.resolve(java.util.HexFormat.of().formatHex(SpecImage.sha(slice))));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }), "not found");
  }

  // ---------------------------------------------------------------- tables that lie

  @Test
  void aFileTableThatIsNotSqliteIsRefused() throws Exception {
    assertRefused(apply(s -> s.fileTableOverride = "SQLite format 3\0 but no pages".repeat(200)
        .getBytes(StandardCharsets.US_ASCII)), "E1-0103-205", "file table");
  }

  @Test
  void theSamePathTwiceIsRefused() throws Exception {
    assertRefused(apply(s -> s.fileTableHook = c -> dir(c, "/etc/a")), "listed more than once");
    assertRefused(apply(s -> s.fileTableHook = c -> symlink(c, 50, "/data/c", "x")), "listed more than once");
  }

  /**
   * Ten million signed rows: the engine, in a JVM with the launcher's heap cap, refuses the table by
   * its row count before planning a single row (an OutOfMemoryError would fail the child).
   */
  @Test
  @Timeout(value = 300, unit = TimeUnit.SECONDS)
  void aTableOfTenMillionRowsIsRefusedWithinTheLaunchersHeap() throws Exception {
    Path image = image(s -> s.fileTableHook = c -> c.createStatement().execute(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10000000) "
            + "INSERT INTO ft_regular SELECT printf('/bulk/f%08d', x), 4, 1 FROM n"));
    Process p = JavaChild.start(V1UpdateProbe.class, List.of("-Xmx160m", "-XX:+UseSerialGC"),
        List.of(state.toString(), image.toString(), cas.toString()));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(240, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).doesNotContain("OutOfMemoryError").contains("STATUS FAILURE");
    assertRefused(client().status(), "E1-0103-205", "10000013 entries", "with its heap of");
  }

  /** Child JVM: one update of a directory-slot device, then its status on one line. */
  public static final class V1UpdateProbe {
    public static void main(String[] args) {
      UpdateEngine c = new UpdateEngine("main", new DirectorySlotController(Path.of(args[0])),
          UpdateSettings.defaults(CaStore.load(Path.of(args[2]))));
      c.start();
      EcuStatus s = c.update(UpdateRequest.of("evil", args[1], "{}"));
      System.out.println("STATUS " + s.status() + " " + s.failureReason());
    }
  }
}
