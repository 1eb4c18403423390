package dev.otaclient.internal.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Golden vectors of reference §1.5–§1.8 (re-typed) and the round-trip property of the line codec. */
class ListLinesTest {
  static final String SHA_A = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  static final String SHA_HELLO = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
  static final String SHA_EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  static final String SHA_B = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  /** The test image's hostile file name (reference §7.1). */
  static final String HOSTILE = "/path;adf.ae?qu.er\\y=str#fragファイルement";

  // ------------------------------------------------------------ dirs.txt

  @Test
  void directoryVectors() {
    assertThat(ListLines.parseDirectory("0755,0,0,'/etc'"))
        .isEqualTo(new DirectoryEntry("/etc", 0755, 0, 0));
    assertThat(ListLines.parseDirectory("0755,0,0,'/usr/lib/python3/dist-packages'"))
        .isEqualTo(new DirectoryEntry("/usr/lib/python3/dist-packages", 0755, 0, 0));
    assertThat(ListLines.parseDirectory("1777,0,0,'/var/tmp'"))
        .isEqualTo(new DirectoryEntry("/var/tmp", 01777, 0, 0));
    assertThat(ListLines.parseDirectory("0750,1000,1000,'/home/autoware/it'\\''s here'"))
        .isEqualTo(new DirectoryEntry("/home/autoware/it's here", 0750, 1000, 1000));
  }

  @Test
  void directoryFormatIsTheGeneratorsText() {
    assertThat(ListLines.format(new DirectoryEntry("/etc", 0755, 0, 0))).isEqualTo("0755,0,0,'/etc'");
    assertThat(ListLines.format(new DirectoryEntry("/var/tmp", 01777, 0, 0))).isEqualTo("1777,0,0,'/var/tmp'");
    assertThat(ListLines.format(new DirectoryEntry("/home/autoware/it's here", 0750, 1000, 1000)))
        .isEqualTo("0750,1000,1000,'/home/autoware/it'\\''s here'");
    // four octal digits even for tiny modes, as the generator slices the last four of oct(st_mode)
    assertThat(ListLines.format(new DirectoryEntry("/x", 07, 4294967295L, 1))).isEqualTo("0007,4294967295,1,'/x'");
  }

  @Test
  void shortModeIsAccepted() {
    assertThat(ListLines.parseDirectory("755,0,0,'/etc'").mode()).isEqualTo(0755);
    assertThat(ListLines.parseDirectory("0000,0,0,'/etc'").mode()).isZero();
  }

  // ------------------------------------------------------------ symlinks.txt

  @Test
  void symlinkVectors() {
    assertThat(ListLines.parseSymlink("0777,0,0,'/bin','usr/bin'"))
        .isEqualTo(new SymlinkEntry("/bin", "usr/bin", 0777, 0, 0));
    assertThat(ListLines.parseSymlink("0777,0,0,'/etc/localtime','/usr/share/zoneinfo/Etc/UTC'"))
        .isEqualTo(new SymlinkEntry("/etc/localtime", "/usr/share/zoneinfo/Etc/UTC", 0777, 0, 0));
    assertThat(ListLines.parseSymlink("0777,0,0,'/var/lib/ieee-data/iab.csv','../../ieee-data/'\\'','\\''iab.csv'"))
        .isEqualTo(new SymlinkEntry("/var/lib/ieee-data/iab.csv", "../../ieee-data/','iab.csv", 0777, 0, 0));
  }

  @Test
  void symlinkFormatIsTheGeneratorsText() {
    assertThat(ListLines.format(new SymlinkEntry("/bin", "usr/bin", 0777, 0, 0))).isEqualTo("0777,0,0,'/bin','usr/bin'");
    assertThat(ListLines.format(new SymlinkEntry("/var/lib/ieee-data/iab.csv", "../../ieee-data/','iab.csv", 0777, 0, 0)))
        .isEqualTo("0777,0,0,'/var/lib/ieee-data/iab.csv','../../ieee-data/'\\'','\\''iab.csv'");
  }

  @Test
  void separatorInsideLinkPathIsNotTheFieldSeparator() {
    // link name contains ',' : its escaped form has ',' preceded by a quote, so it is not a separator
    assertThat(ListLines.parseSymlink("0777,0,0,'/a'\\'','\\''b','c'"))
        .isEqualTo(new SymlinkEntry("/a','b", "c", 0777, 0, 0));
  }

  @Test
  void linkPathEndingInQuoteParses() {
    // The Python look-behind rule cannot split this line (the real separator follows a quote);
    // the tokenizer can, so names ending in ' round-trip.
    assertThat(ListLines.parseSymlink("0777,0,0,'/a'\\''','b'"))
        .isEqualTo(new SymlinkEntry("/a'", "b", 0777, 0, 0));
  }

  @Test
  void symlinkTargetKeptVerbatim() {
    assertThat(ListLines.parseSymlink("0777,0,0,'/x','../../../../etc/shadow'").target())
        .isEqualTo("../../../../etc/shadow");
    assertThat(ListLines.parseSymlink("0777,0,0,'/x','a//b/./c/'").target()).isEqualTo("a//b/./c/");
  }

  // ------------------------------------------------------------ regulars.txt

  @Test
  void regularVectorsFromTheGenerator() {
    assertThat(ListLines.parseRegular("0644,0,0,1," + SHA_HELLO + ",'/etc/motd.tail',6,,"))
        .isEqualTo(new RegularEntry("/etc/motd.tail", 0644, 0, 0, 1, SHA_HELLO, 6, null, null));
    assertThat(ListLines.parseRegular("0755,0,0,1," + SHA_A + ",'/usr/bin/bash',1183448,,zst"))
        .isEqualTo(new RegularEntry("/usr/bin/bash", 0755, 0, 0, 1, SHA_A, 1183448, null, "zst"));
    RegularEntry a = ListLines.parseRegular("0644,0,0,2," + SHA_B + ",'/usr/share/doc/pkg/a',20480,1234567,zst");
    RegularEntry b = ListLines.parseRegular("0644,0,0,2," + SHA_B + ",'/usr/share/doc/pkg/b',20480,1234567,zst");
    assertThat(a).isEqualTo(new RegularEntry("/usr/share/doc/pkg/a", 0644, 0, 0, 2, SHA_B, 20480, "1234567", "zst"));
    assertThat(b.path()).isEqualTo("/usr/share/doc/pkg/b");
    assertThat(a.isHardLinked()).isTrue();
    assertThat(a.linkGroupKey()).isEqualTo("i:1234567").isEqualTo(b.linkGroupKey());
    assertThat(ListLines.parseRegular("0644,0,0,1," + SHA_EMPTY + ",'/etc/empty',0,,"))
        .isEqualTo(new RegularEntry("/etc/empty", 0644, 0, 0, 1, SHA_EMPTY, 0, null, null));
  }

  @Test
  void vectorDigestsAreTheContentDigests() throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    assertThat(HexFormat.of().formatHex(md.digest("hello\n".getBytes(StandardCharsets.UTF_8)))).isEqualTo(SHA_HELLO);
    assertThat(HexFormat.of().formatHex(md.digest(new byte[0]))).isEqualTo(SHA_EMPTY);
  }

  @Test
  void regularEscapedPathAllRevisions() {
    String prefix = "0644,1000,1000,3," + SHA_A + ",'/aaa\\,'\\'',233/to/file'";
    String path = "/aaa\\,',233/to/file";
    // rev4
    assertThat(ListLines.parseRegular(prefix + ",1234,12345678,zst"))
        .isEqualTo(new RegularEntry(path, 0644, 1000, 1000, 3, SHA_A, 1234, "12345678", "zst"));
    // rev4, inode empty
    assertThat(ListLines.parseRegular(prefix + ",1234,,zst"))
        .isEqualTo(new RegularEntry(path, 0644, 1000, 1000, 3, SHA_A, 1234, null, "zst"));
    // size and inode empty, no alg field: everything absent
    RegularEntry empty = ListLines.parseRegular(prefix + ",,");
    assertThat(empty).isEqualTo(new RegularEntry(path, 0644, 1000, 1000, 3, SHA_A, -1, null, null));
    assertThat(empty.hasSize()).isFalse();
    assertThat(empty.linkGroupKey()).isEqualTo("h:" + SHA_A);
    // rev3
    assertThat(ListLines.parseRegular(prefix + ",1234,12345678"))
        .isEqualTo(new RegularEntry(path, 0644, 1000, 1000, 3, SHA_A, 1234, "12345678", null));
    // rev2
    assertThat(ListLines.parseRegular(prefix + ",1234"))
        .isEqualTo(new RegularEntry(path, 0644, 1000, 1000, 3, SHA_A, 1234, null, null));
    // rev1 (the reference's rev1 vector has no backslash and nlink 1)
    assertThat(ListLines.parseRegular("0644,1000,1000,1," + SHA_A + ",'/aaa,'\\'',233/to/file'"))
        .isEqualTo(new RegularEntry("/aaa,',233/to/file", 0644, 1000, 1000, 1, SHA_A, -1, null, null));
  }

  @Test
  void inodeAndAlgorithmIgnoredWithoutSizeButStillValidated() {
    assertThat(ListLines.parseRegular("0644,0,0,2," + SHA_A + ",'/p',,123,zst"))
        .isEqualTo(new RegularEntry("/p", 0644, 0, 0, 2, SHA_A, -1, null, null));
    assertThatThrownBy(() -> ListLines.parseRegular("0644,0,0,2," + SHA_A + ",'/p',,,gz"))
        .hasMessage("unsupported compression algorithm \"gz\"");
  }

  @Test
  void emptyTrailingFields() {
    assertThat(ListLines.parseRegular("0644,0,0,1," + SHA_A + ",'/p',").size()).isEqualTo(-1);
    assertThat(ListLines.parseRegular("0644,0,0,1," + SHA_A + ",'/p',5,,")).isEqualTo(
        new RegularEntry("/p", 0644, 0, 0, 1, SHA_A, 5, null, null));
    assertThat(ListLines.parseRegular("0644,0,0,1," + SHA_A + ",'/p',5,")).isEqualTo(
        new RegularEntry("/p", 0644, 0, 0, 1, SHA_A, 5, null, null));
    assertThat(ListLines.parseRegular("0644,0,0,1," + SHA_A + ",'/p',5,,zstd").compressAlg()).isEqualTo("zstd");
  }

  @Test
  void sha256IsNormalisedToLowerCase() {
    assertThat(ListLines.parseRegular("0644,0,0,1," + SHA_A.toUpperCase() + ",'/p',1,,").sha256()).isEqualTo(SHA_A);
  }

  @Test
  void regularFormatIsRev4() {
    assertThat(ListLines.format(new RegularEntry("/etc/motd.tail", 0644, 0, 0, 1, SHA_HELLO, 6, null, null)))
        .isEqualTo("0644,0,0,1," + SHA_HELLO + ",'/etc/motd.tail',6,,");
    assertThat(ListLines.format(new RegularEntry("/usr/bin/bash", 0755, 0, 0, 1, SHA_A, 1183448, null, "zst")))
        .isEqualTo("0755,0,0,1," + SHA_A + ",'/usr/bin/bash',1183448,,zst");
    assertThat(ListLines.format(new RegularEntry("/usr/share/doc/pkg/a", 0644, 0, 0, 2, SHA_B, 20480, "1234567", "zst")))
        .isEqualTo("0644,0,0,2," + SHA_B + ",'/usr/share/doc/pkg/a',20480,1234567,zst");
    assertThat(ListLines.format(new RegularEntry("/aaa\\,',233/to/file", 0644, 1000, 1000, 3, SHA_A, 1234, "12345678", "zst")))
        .isEqualTo("0644,1000,1000,3," + SHA_A + ",'/aaa\\,'\\'',233/to/file',1234,12345678,zst");
    assertThat(ListLines.format(new RegularEntry("/p", 04755, 0, 0, 1, SHA_A, -1, null, null)))
        .isEqualTo("4755,0,0,1," + SHA_A + ",'/p',,,");
  }

  @Test
  void regularEntryHelpers() {
    RegularEntry boot = new RegularEntry("/boot", 0644, 0, 0, 1, SHA_A, 1, null, "zstd");
    assertThat(boot.isUnderBoot()).isTrue();
    assertThat(boot.isCompressed()).isTrue();
    assertThat(boot.isHardLinked()).isFalse();
    assertThat(regularAt("/boot/vmlinuz").isUnderBoot()).isTrue();
    assertThat(regularAt("/bootstrap/x").isUnderBoot()).isFalse();   // quirk Q11 fixed
    assertThat(regularAt("/usr/boot/x").isUnderBoot()).isFalse();
    assertThat(new RegularEntry("/p", 0644, 0, 0, 1, SHA_A, 1, null, null).isCompressed()).isFalse();
  }

  private static RegularEntry regularAt(String path) {
    return new RegularEntry(path, 0644, 0, 0, 1, SHA_A, 1, null, null);
  }

  // ------------------------------------------------------------ persistents.txt

  @Test
  void persistentVectors() {
    for (String p : List.of("/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/etc/netplan")) {
      assertThat(ListLines.parsePersistent("'" + p + "'")).isEqualTo(new PersistentEntry(p));
      assertThat(ListLines.format(new PersistentEntry(p))).isEqualTo("'" + p + "'");
    }
  }

  // ------------------------------------------------------------ quoting and round trips

  @Test
  void quotePathUsesTheShellIdiom() {
    assertThat(ListLines.quotePath("/it's")).isEqualTo("'/it'\\''s'");
    assertThat(ListLines.quotePath("/a\\b,c")).isEqualTo("'/a\\b,c'");
    assertThat(ListLines.quotePath("/''")).isEqualTo("'/'\\'''\\'''");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "/it's", "/a,b", "/back\\slash", "/sp ace", "/#hash", "/q?x=1", "/semi;colon", "/ファイル", "/emoji😀",
      "/a','b", "/a'", "/'", "/''", "/x/'\\''/y", "/aaa\\,',233/to/file", "/,", "/a,'1,,zst'",
      "/trail'\\", "/dir/name with ', ' and '\\'' inside", HOSTILE})
  void oddNamesRoundTrip(String name) {
    DirectoryEntry d = new DirectoryEntry(name, 0750, 1000, 1001);
    assertThat(ListLines.parseDirectory(ListLines.format(d))).isEqualTo(d);

    String target = name.substring(1);
    SymlinkEntry s = new SymlinkEntry(name, target, 0777, 0, 0);
    assertThat(ListLines.parseSymlink(ListLines.format(s))).isEqualTo(s);
    SymlinkEntry absolute = new SymlinkEntry(name, name, 0777, 0, 0);
    assertThat(ListLines.parseSymlink(ListLines.format(absolute))).isEqualTo(absolute);

    RegularEntry full = new RegularEntry(name, 04755, 7, 8, 2, SHA_A, 42, "99", "zst");
    assertThat(ListLines.parseRegular(ListLines.format(full))).isEqualTo(full);
    RegularEntry bare = new RegularEntry(name, 0644, 0, 0, 1, SHA_B, 0, null, null);
    assertThat(ListLines.parseRegular(ListLines.format(bare))).isEqualTo(bare);
    RegularEntry noSize = new RegularEntry(name, 0644, 0, 0, 1, SHA_B, -1, null, null);
    assertThat(ListLines.parseRegular(ListLines.format(noSize))).isEqualTo(noSize);

    PersistentEntry p = new PersistentEntry(name);
    assertThat(ListLines.parsePersistent(ListLines.format(p))).isEqualTo(p);
  }

  // ------------------------------------------------------------ format refuses what cannot be read back

  @Test
  void formatRejectsUnrepresentableEntries() {
    assertThatThrownBy(() -> ListLines.format(new DirectoryEntry("/a\nb", 0755, 0, 0)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("path contains a line break");
    assertThatThrownBy(() -> ListLines.format(new SymlinkEntry("/a", "b\rc", 0777, 0, 0)))
        .hasMessageStartingWith("target contains a line break");
    assertThatThrownBy(() -> ListLines.format(new DirectoryEntry("/a", 0100755, 0, 0)))
        .hasMessage("mode 0100755 outside 07777");
    assertThatThrownBy(() -> ListLines.format(new DirectoryEntry("/a/../b", 0755, 0, 0)))
        .hasMessage("path has a '..' component: \"/a/../b\"");
    assertThatThrownBy(() -> ListLines.format(new DirectoryEntry("/a", 0755, -1, 0)))
        .hasMessage("uid -1 outside 0..4294967295");
    assertThatThrownBy(() -> ListLines.format(new RegularEntry("/a", 0644, 0, 0, 0, SHA_A, 1, null, null)))
        .hasMessage("nlink 0 is less than 1");
    assertThatThrownBy(() -> ListLines.format(new RegularEntry("/a", 0644, 0, 0, 1, "abc", 1, null, null)))
        .hasMessage("sha256 \"abc\" is not 64 hex digits");
    assertThatThrownBy(() -> ListLines.format(new RegularEntry("/a", 0644, 0, 0, 1, SHA_A, -1, "5", null)))
        .hasMessage("inode or compression algorithm given without a size");
    assertThatThrownBy(() -> ListLines.format(new RegularEntry("/a", 0644, 0, 0, 1, SHA_A, 1, null, "gz")))
        .hasMessage("unsupported compression algorithm \"gz\"");
    assertThatThrownBy(() -> ListLines.format(new SymlinkEntry("/a", "", 0777, 0, 0)))
        .hasMessage("empty symlink target");
  }

  @Test
  void parseRejectsEmbeddedLineBreaks() {
    assertThatThrownBy(() -> ListLines.parsePersistent("'/a\nb'")).hasMessage("line contains a line break");
    assertThatThrownBy(() -> ListLines.parsePersistent("'/a'\r")).hasMessage("line contains a line break");
  }
}
