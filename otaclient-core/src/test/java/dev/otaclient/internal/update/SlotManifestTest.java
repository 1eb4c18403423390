package dev.otaclient.internal.update;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.internal.fs.ContentHash;
import dev.otaclient.internal.slot.SlotLayout;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.FileClock;
import dev.otaclient.testing.SampleRootfs;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.TreeSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The slot manifest on real files: after a completed build the standby keeps its placement records,
 * and the next in-place update of any image trusts a file only while {@code lstat} (size, mtime,
 * ctime, inode) still matches and the sha256 is the one the new image wants. Hashing is observed
 * through {@link ContentHash#filesHashed()}; the active slot is empty so nothing else is hashed.
 */
class SlotManifestTest {
  static final List<String> META = SignedImageFixture.ENGINE_META;
  @TempDir static Path shared;
  static SignedImageFixture images;
  static Path v1;
  static Path v2;

  @BeforeAll
  static void images() {
    images = SignedImageFixture.create("manifest", shared);
    images.sampleV1("v1", b -> b.compress(false));
    images.sampleV2("v1", "v2", b -> b.compress(false));
    v1 = images.rootfs("v1");
    v2 = images.rootfs("v2");
  }

  /** Updates {@code standby} in place to {@code version}; returns the number of files hashed. */
  static long apply(Path standby, String version) {
    TestSlots slots = new TestSlots(standby.resolveSibling(standby.getFileName() + "-active"), standby);
    UpdateEngine c = new UpdateEngine("main", slots, UpdateSettings.defaults(images.caStore()));
    c.start();
    long before = ContentHash.filesHashed();
    EcuStatus s = c.update(UpdateRequest.of(version, images.image(version).toString(), "{}"));
    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    return ContentHash.filesHashed() - before;
  }

  static Path manifest(Path slot) {
    return SlotLayout.in(slot, SlotLayout.STANDARD.manifest());
  }

  @Test
  void reapplyingTheImageIsAStatWalkThatHashesAndChangesNothing(@TempDir Path tmp) throws Exception {
    Path b = tmp.resolve("b");
    apply(b, "v1");
    assertThat(manifest(b)).isRegularFile();
    assertThat(b.resolve(".ota-work")).doesNotExist();
    Map<String, List<Object>> before = stats(b);

    assertThat(apply(b, "v1")).as("files hashed").isZero();

    // same inode and same ctime: no file was rewritten, relinked, chmod'ed or chown'ed
    Map<String, List<Object>> after = stats(b);
    before.keySet().removeIf(k -> k.startsWith("/opt/ota/image-meta"));
    assertThat(after).containsAllEntriesOf(before);
    assertThat(TreeSnapshot.of(b, META)).isEqualTo(TreeSnapshot.of(v1));
    // and the manifest written by the no-op serves the next no-op as well
    assertThat(apply(b, "v1")).as("files hashed the second time").isZero();
  }

  @Test
  void anEditThatKeepsSizeAndMtimeIsCaughtByCtimeAndReplaced(@TempDir Path tmp) throws Exception {
    Path b = tmp.resolve("b");
    apply(b, "v1");
    Path secret = b.resolve(SampleRootfs.ROOT_SECRET.substring(1));
    Object inode = Files.getAttribute(secret, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    FileTime mtime = Files.getLastModifiedTime(secret, LinkOption.NOFOLLOW_LINKS);
    String original = Files.readString(secret);
    FileClock.tickPast(secret); // a later ctime, however coarse the file system's clock
    Files.writeString(secret, original.toUpperCase());
    Files.setLastModifiedTime(secret, mtime);
    assertThat(Files.size(secret)).isEqualTo(original.length());
    assertThat(Files.getLastModifiedTime(secret, LinkOption.NOFOLLOW_LINKS)).isEqualTo(mtime);
    assertThat(Files.getAttribute(secret, "unix:ino", LinkOption.NOFOLLOW_LINKS)).isEqualTo(inode);

    assertThat(apply(b, "v1")).as("only the edited file is hashed").isEqualTo(1);

    assertThat(Files.readString(secret)).isEqualTo(original);
    assertThat(TreeSnapshot.of(b, META)).isEqualTo(TreeSnapshot.of(v1));
  }

  @Test
  void aChmodAloneVoidsTheRecordAndTheModeIsRestored(@TempDir Path tmp) throws Exception {
    Path b = tmp.resolve("b");
    apply(b, "v1");
    Path su = b.resolve(SampleRootfs.SETUID.substring(1));
    FileClock.tickPast(su);
    Files.setAttribute(su, "unix:mode", 0755, LinkOption.NOFOLLOW_LINKS);

    assertThat(apply(b, "v1")).as("the chmod'ed file is hashed again").isEqualTo(1);
    assertThat(((Integer) Files.getAttribute(su, "unix:mode")) & 07777).isEqualTo(04755);
    assertThat(TreeSnapshot.of(b, META)).isEqualTo(TreeSnapshot.of(v1));
  }

  @Test
  void corruptAndTornManifestLinesAreIgnoredAndThoseFilesHashed(@TempDir Path tmp) throws Exception {
    Path b = tmp.resolve("b");
    apply(b, "v1");
    List<String> lines = new ArrayList<>(Files.readAllLines(manifest(b), StandardCharsets.UTF_8));
    int victim = indexOf(lines, "\t" + SampleRootfs.RANDOM);
    // one digit of the recorded sha256 flipped: the line's CRC no longer matches
    String l = lines.remove(victim);
    int at = l.indexOf('\t') + 1;
    // records are in completion order (worker threads), so the victim moves right after the header:
    // the torn last line below must be another file
    lines.add(1, l.substring(0, at) + (l.charAt(at) == '0' ? '1' : '0') + l.substring(at + 1));
    // the last line torn in the middle
    String last = lines.remove(lines.size() - 1);
    assertThat(indexOf(List.of(last), SampleRootfs.RANDOM)).isNegative();
    String text = String.join("\n", lines) + "\n" + last.substring(0, last.length() / 2);
    Files.writeString(manifest(b), text, StandardCharsets.UTF_8);

    assertThat(apply(b, "v1")).as("files hashed").isEqualTo(2);
    assertThat(TreeSnapshot.of(b, META)).isEqualTo(TreeSnapshot.of(v1));
  }

  @Test
  void withoutAUsableManifestEveryFileIsHashedAsBefore(@TempDir Path tmp) throws Exception {
    Path b = tmp.resolve("b");
    apply(b, "v1");
    Files.writeString(manifest(b), "not a manifest\n");
    long regulars = Files.readAllLines(images.image("v1").resolve("regulars.txt")).stream().filter(s -> !s.isBlank()).count();

    assertThat(apply(b, "v1")).as("files hashed").isEqualTo(regulars);
    assertThat(TreeSnapshot.of(b, META)).isEqualTo(TreeSnapshot.of(v1));
    assertThat(apply(b, "v1")).as("files hashed once the manifest is rewritten").isZero();
  }

  @Test
  void inPlaceV1ToV2HashesOnlyFilesWhoseContentChanged(@TempDir Path tmp) throws Exception {
    Path b = tmp.resolve("b");
    apply(b, "v1");
    Object randomInode = Files.getAttribute(b.resolve(SampleRootfs.RANDOM.substring(1)), "unix:ino");

    // a modified file of the same size must be read to know; one of another size is refused by lstat;
    // new, moved and mode-changed files are never hashed
    long sameSizeModified = SampleRootfs.V2_MODIFIED.stream()
        .filter(p -> size(v1, p) == size(v2, p)).count();
    assertThat(apply(b, "v2")).as("files hashed").isEqualTo(sameSizeModified);

    assertThat(TreeSnapshot.of(b, META)).isEqualTo(TreeSnapshot.of(v2));
    assertThat(Files.getAttribute(b.resolve(SampleRootfs.RANDOM.substring(1)), "unix:ino")).isEqualTo(randomInode);
    // the v2 build's manifest covers every file, the mode-changed and added ones included
    assertThat(apply(b, "v2")).as("files hashed re-applying v2").isZero();
  }

  private static long size(Path root, String imagePath) {
    try {
      return Files.size(root.resolve(imagePath.substring(1)));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static int indexOf(List<String> lines, String suffix) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).endsWith(suffix)) {
        return i;
      }
    }
    return -1;
  }

  /** Inode and ctime of every regular file. */
  static Map<String, List<Object>> stats(Path root) throws IOException {
    Map<String, List<Object>> m = new HashMap<>();
    try (var s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          Map<String, Object> a = Files.readAttributes(p, "unix:ino,ctime", LinkOption.NOFOLLOW_LINKS);
          m.put("/" + root.relativize(p), List.of(a.get("ino"), a.get("ctime")));
        }
      }
    }
    return m;
  }
}
