package dev.otaclient.internal.image.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdInputStream;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fetch.Cookies;
import dev.otaclient.internal.fetch.HttpSettings;
import dev.otaclient.internal.image.CaStore;
import dev.otaclient.internal.image.DirectoryEntry;
import dev.otaclient.internal.image.ImageMetadata;
import dev.otaclient.internal.image.ImageLocation;
import dev.otaclient.internal.image.ImageSources;
import dev.otaclient.internal.image.ImageUrls;
import dev.otaclient.internal.image.ListReader;
import dev.otaclient.internal.image.MetadataJwt;
import dev.otaclient.internal.image.OtaImage;
import dev.otaclient.internal.image.PersistentEntry;
import dev.otaclient.internal.image.RegularEntry;
import dev.otaclient.internal.image.SymlinkEntry;
import dev.otaclient.internal.image.TrustPolicy;
import dev.otaclient.internal.image.VerifiedLists;
import dev.otaclient.internal.image.sign.TestCa;
import dev.otaclient.testing.Nginx;
import dev.otaclient.testing.SampleRootfs;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.TreeSnapshot;
import dev.otaclient.testing.TreeSnapshot.Node;
import dev.otaclient.testing.TreeSnapshot.Type;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageBuilderTest {
  private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  @TempDir
  static Path shared;
  static SignedImageFixture images;
  static TestCa ca;
  static Path certPem;
  static Path caStore;

  @TempDir
  Path tmp;

  @BeforeAll
  static void signingMaterial() {
    images = SignedImageFixture.create("builder-test", shared);
    ca = images.ca();
    certPem = images.cert();
    caStore = images.cas();
  }

  private ImageBuilder builder(Path rootfs, Path out) {
    return images.builder(rootfs, out);
  }

  // ------------------------------------------------------------------ round trip

  @Test
  void roundTripWithCompression() throws Exception {
    Path rootfs = SampleRootfs.create(tmp.resolve("rootfs"));
    Path out = tmp.resolve("image");
    BuildResult result = builder(rootfs, out).compress(true)
        .persistents(List.of("/etc/hostname", "/home/autoware/it's, odd")).build();

    assertThat(result.outputDir()).isEqualTo(out.toAbsolutePath());
    assertThat(out.resolve("data.zst")).isDirectory();
    Image image = readBack(out, tmp.resolve("lists"));
    assertThat(image.metadata.rootfsDirectory()).isEqualTo("data");
    assertThat(image.metadata.compressedRootfsDirectory()).contains("data.zst");
    assertMatchesTree(rootfs, out, image, result);

    assertThat(image.persistents).containsExactly("/etc/hostname", "/home/autoware/it's, odd");

    RegularEntry big = image.regulars.get(SampleRootfs.COMPRESSIBLE);
    assertThat(big.compressAlg()).isEqualTo("zst");
    assertThat(image.regulars.get(SampleRootfs.RANDOM).compressAlg()).isNull();
    for (RegularEntry e : image.regulars.values()) {
      if (e.size() < 16 * 1024) {
        assertThat(e.compressAlg()).as(e.path()).isNull();
      }
      if (e.compressAlg() != null) {
        assertThat(out.resolve("data.zst/" + e.sha256() + ".zst")).isRegularFile();
      }
    }
    // every blob decompresses to the content its name promises, and it is worth keeping
    long blobs = 0;
    long blobBytes = 0;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(out.resolve("data.zst"))) {
      for (Path blob : ds) {
        String name = blob.getFileName().toString();
        assertThat(name).matches("[0-9a-f]{64}\\.zst");
        long[] size = new long[1];
        String sha;
        try (InputStream in = new ZstdInputStream(Files.newInputStream(blob))) {
          sha = sha256(in, size);
        }
        assertThat(sha + ".zst").isEqualTo(name);
        assertThat(size[0] * 100).isGreaterThanOrEqualTo(Files.size(blob) * 125);
        blobs++;
        blobBytes += Files.size(blob);
      }
    }
    assertThat(blobs).isEqualTo(1); // only big.txt is large and compressible
    assertThat(result.compressedBlobs()).isEqualTo(blobs);
    assertThat(result.compressedBytes()).isEqualTo(blobBytes);
  }

  @Test
  void roundTripWithoutCompression() throws Exception {
    Path rootfs = SampleRootfs.create(tmp.resolve("rootfs"));
    Path out = tmp.resolve("image");
    BuildResult result = builder(rootfs, out).build();

    assertThat(out.resolve("data.zst")).doesNotExist();
    Image image = readBack(out, tmp.resolve("lists"));
    assertThat(image.metadata.compressedRootfsDirectory()).isEmpty();
    assertThat(image.regulars.values()).allSatisfy(e -> assertThat(e.compressAlg()).isNull());
    assertThat(image.persistents).isEmpty();
    assertThat(Files.size(out.resolve("persistents.txt"))).isZero();
    assertThat(result.compressedBlobs()).isZero();
    assertMatchesTree(rootfs, out, image, result);
  }

  @Test
  void layoutAndPayloadAreWhatThePythonSignerWrites() throws Exception {
    Path rootfs = SampleRootfs.create(tmp.resolve("rootfs"));
    Path out = tmp.resolve("image");
    BuildResult result = builder(rootfs, out).compress(true).build();

    try (var names = Files.list(out)) {
      assertThat(names.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
          "metadata.jwt", "dirs.txt", "symlinks.txt", "regulars.txt", "persistents.txt",
          "total_regular_size.txt", "sign.pem", "data", "data.zst");
    }
    assertThat(Files.readAllBytes(out.resolve("sign.pem"))).isEqualTo(Files.readAllBytes(certPem));
    assertThat(Files.readString(out.resolve("total_regular_size.txt")))
        .isEqualTo(Long.toString(result.totalRegularSize()));
    for (String list : List.of("dirs.txt", "symlinks.txt", "regulars.txt")) {
      String text = Files.readString(out.resolve(list));
      assertThat(text).as(list).doesNotEndWith("\n").doesNotContain("\n\n");
    }

    String jwt = Files.readString(out.resolve("metadata.jwt"));
    String[] parts = jwt.split("\\.");
    assertThat(parts).hasSize(3);
    assertThat(parts[0]).isEqualTo("eyJhbGciOiAiRVMyNTYifQ==");
    String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    String expected = "[{\"version\": 1}, "
        + "{\"directory\": \"dirs.txt\", \"hash\": \"" + sha256(out.resolve("dirs.txt")) + "\"}, "
        + "{\"symboliclink\": \"symlinks.txt\", \"hash\": \"" + sha256(out.resolve("symlinks.txt")) + "\"}, "
        + "{\"regular\": \"regulars.txt\", \"hash\": \"" + sha256(out.resolve("regulars.txt")) + "\"}, "
        + "{\"persistent\": \"persistents.txt\", \"hash\": \"" + sha256(out.resolve("persistents.txt")) + "\"}, "
        + "{\"rootfs_directory\": \"data\"}, "
        + "{\"certificate\": \"sign.pem\", \"hash\": \"" + sha256(certPem) + "\"}, "
        + "{\"total_regular_size\": \"" + result.totalRegularSize() + "\"}, "
        + "{\"compressed_rootfs_directory\": \"data.zst\"}]";
    assertThat(payload).isEqualTo(expected);
    // the generator's exact line for a known file
    assertThat(Files.readString(out.resolve("regulars.txt"))).contains(
        "0644,0,0,1," + sha256("sample-ecu\n") + ",'/etc/hostname',11,,");
    assertThat(Files.readString(out.resolve("dirs.txt"))).contains("1777,0,0,'/tmp'")
        .contains("0755,0,0,'/odd/dir it'\\''s,here'");
    assertThat(Files.readString(out.resolve("symlinks.txt")))
        .contains("0777,0,0,'/var/lib/ieee-data/iab.csv','../../ieee-data/'\\'','\\''iab.csv'");
  }

  @Test
  void nginxServesEveryFileOfTheBuiltImageByItsClientUrl() throws Exception {
    Assumptions.assumeTrue(Nginx.available(), "nginx not installed");
    Path rootfs = SampleRootfs.create(tmp.resolve("rootfs"));
    Path out = tmp.resolve("image");
    builder(rootfs, out).compress(true).build();
    TreeSnapshot tree = TreeSnapshot.of(rootfs);
    int fetched = 0;
    try (Nginx nginx = Nginx.serve(out);
         OtaImage image = OtaImage.open(
             ImageSources.open(ImageLocation.parse(nginx.baseUri().toString()), Cookies.none()),
             CaStore.load(caStore), TrustPolicy.REQUIRE_CA)) {
      VerifiedLists lists = image.fetchLists(tmp.resolve("lists"));
      ImageMetadata md = image.metadata();
      List<RegularEntry> regs = readAll(ListReader.regulars(Files.newInputStream(lists.regulars()), "regulars.txt"));
      for (RegularEntry e : regs) {
        // plain file by path (URL-quoted like the Python client), and the blob when there is one
        try (InputStream in = new java.io.ByteArrayInputStream(image.source().readMetadata(
            ImageUrls.rootfsRelative(md.rootfsDirectory(), e.path()), 1 << 28))) {
          assertThat(sha256(in, new long[1])).as(e.path()).isEqualTo(tree.get(e.path()).sha256());
        }
        if (e.compressAlg() != null) {
          String blob = ImageUrls.compressedRelative(md.compressedRootfsDirectory().orElseThrow(), e.sha256(),
              e.compressAlg());
          try (InputStream in = new ZstdInputStream(new java.io.ByteArrayInputStream(image.source().readMetadata(blob, 1 << 28)))) {
            assertThat(sha256(in, new long[1])).as(blob).isEqualTo(e.sha256());
          }
        }
        fetched++;
      }
      assertThat(nginx.accessLog()).anyMatch(l -> l.startsWith(
          "/data/path%3Badf.ae%3Fqu.er%5Cy%3Dstr%23frag%E3%83%95%E3%82%A1%E3%82%A4%E3%83%ABement 200 57"));
    }
    assertThat(fetched).isEqualTo(tree.nodes().values().stream().filter(n -> n.type() == Type.REGULAR).count());
  }

  // ------------------------------------------------------------------ determinism

  @Test
  void buildingTheSameTreeTwiceGivesIdenticalLists() throws Exception {
    Path rootfs = SampleRootfs.create(tmp.resolve("rootfs"));
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    builder(rootfs, a).compress(true).threads(1).build();
    builder(rootfs, b).compress(true).threads(4).build();
    assertSameImageFiles(a, b);
    assertThat(listNames(b.resolve("data.zst"))).isEqualTo(listNames(a.resolve("data.zst")));

    // hard-linked data/ gives the same lists as copies
    Path c = tmp.resolve("c");
    builder(rootfs, c).compress(true).hardLinkData(true).build();
    assertSameImageFiles(a, c);
    assertThat(Files.isSameFile(c.resolve("data/etc/passwd"), rootfs.resolve("etc/passwd"))).isTrue();
    assertThat(Files.isSameFile(a.resolve("data/etc/passwd"), rootfs.resolve("etc/passwd"))).isFalse();

    // documented caveat: while c's hard links exist, every rootfs file has st_nlink >= 2
    Path d = tmp.resolve("d");
    builder(rootfs, d).build();
    assertThat(Files.readString(d.resolve("regulars.txt")).lines())
        .isNotEmpty()
        .allSatisfy(l -> assertThat(l.split(",", 5)[3]).as(l).isNotEqualTo("1"))
        .allSatisfy(l -> assertThat(l).doesNotEndWith(",,"));

    // a second tree with the same contents differs only in inode numbers
    Path other = SampleRootfs.create(tmp.resolve("rootfs2"));
    Path e = tmp.resolve("e");
    builder(other, e).compress(true).hardLinkData(true).build();
    assertThat(Files.readString(e.resolve("dirs.txt"))).isEqualTo(Files.readString(a.resolve("dirs.txt")));
    assertThat(Files.readString(e.resolve("symlinks.txt"))).isEqualTo(Files.readString(a.resolve("symlinks.txt")));
    assertThat(withoutInodes(Files.readString(e.resolve("regulars.txt"))))
        .isEqualTo(withoutInodes(Files.readString(a.resolve("regulars.txt"))));
    assertThat(Files.readString(e.resolve("regulars.txt"))).isNotEqualTo(Files.readString(a.resolve("regulars.txt")));
  }

  private static void assertSameImageFiles(Path a, Path b) throws IOException {
    for (String f : List.of("dirs.txt", "symlinks.txt", "regulars.txt", "persistents.txt",
        "total_regular_size.txt", "sign.pem")) {
      assertThat(Files.readAllBytes(b.resolve(f))).as(f).isEqualTo(Files.readAllBytes(a.resolve(f)));
    }
  }

  @Test
  void walkOrderIsParentsFirstThenNamesInCodePointOrder() throws Exception {
    Path rootfs = Files.createDirectories(tmp.resolve("rootfs"));
    for (String p : List.of("b/z", "b/a/x", "a", "B", "é", "ファ", "a b", "a-b", "\uD83D\uDE00", "\uFF21")) {
      Path f = rootfs.resolve(p);
      Files.createDirectories(f.getParent());
      Files.writeString(f, p);
    }
    Files.setAttribute(rootfs.resolve("b"), "unix:mode", 0755);
    Files.setAttribute(rootfs.resolve("b/a"), "unix:mode", 0755);
    Path out = tmp.resolve("image");
    builder(rootfs, out).build();
    List<String> regulars = new ArrayList<>();
    try (ListReader<RegularEntry> r = ListReader.regulars(Files.newInputStream(out.resolve("regulars.txt")),
        "regulars.txt")) {
      r.forEachRemaining(e -> regulars.add(e.path()));
    }
    // U+FF21 sorts before U+1F600 by code point although its UTF-16 unit is larger
    assertThat(regulars).containsExactly("/B", "/a", "/a b", "/a-b", "/b/a/x", "/b/z", "/é", "/ファ",
        "/\uFF21", "/\uD83D\uDE00");
    assertThat(Files.readString(out.resolve("dirs.txt"))).isEqualTo("0755,0,0,'/b'\n0755,0,0,'/b/a'");
  }

  // ------------------------------------------------------------------ ignore, special files

  @Test
  void ignoreFileAndSpecialFilesAreLeftOut() throws Exception {
    Path rootfs = SampleRootfs.create(tmp.resolve("rootfs"));
    Process mkfifo = new ProcessBuilder("mkfifo", rootfs.resolve("tmp/fifo").toString()).start();
    assertThat(mkfifo.waitFor()).isZero();
    Path ignore = tmp.resolve("ignore.txt");
    Files.writeString(ignore, "# test rules\n/odd/\n*.bin\n/boot/initrd*\n!/boot/initrd.img-1.0\n/usr/share/doc/\n/srv/triple-two\n");
    Path out = tmp.resolve("image");
    BuildResult result = builder(rootfs, out).ignoreFile(ignore).build();

    Image image = readBack(out, tmp.resolve("lists"));
    assertThat(result.skippedSpecial()).isEqualTo(1);
    // /odd, /usr/share/doc, /usr/share/random.bin, /srv/triple-two
    assertThat(result.ignored()).isEqualTo(4);
    assertThat(image.regulars).doesNotContainKey("/tmp/fifo");
    assertThat(image.directories).doesNotContainKeys("/odd", "/usr/share/doc", SampleRootfs.ODD_DIR);
    assertThat(image.regulars.keySet()).noneMatch(p -> p.startsWith("/odd/") || p.startsWith("/usr/share/doc/"));
    assertThat(image.regulars).doesNotContainKey(SampleRootfs.RANDOM);
    assertThat(image.regulars).containsKeys(SampleRootfs.INITRD, SampleRootfs.KERNEL, SampleRootfs.HOSTILE);
    assertThat(out.resolve("data/odd")).doesNotExist();
    assertThat(out.resolve("data/tmp/fifo")).doesNotExist();
    assertThat(out.resolve("data/usr/share/random.bin")).doesNotExist();
    // hard links into ignored paths still count in nlink, as on the build host
    assertThat(image.regulars).doesNotContainKey("/srv/triple-two");
    assertThat(image.regulars.get("/opt/triple/one").nlink()).isEqualTo(3);
  }

  // ------------------------------------------------------------------ refusals

  @Test
  void refusesOutputInsideRootfs() throws Exception {
    Path rootfs = SampleRootfs.create(tmp.resolve("rootfs"));
    assertThatThrownBy(() -> builder(rootfs, rootfs.resolve("srv/out/image")).build())
        .isInstanceOf(OtaException.class).hasMessageContaining("inside the rootfs");
    assertThat(rootfs.resolve("srv/out")).doesNotExist();

    // also when reached through a symlink
    Path link = Files.createSymbolicLink(tmp.resolve("via-link"), rootfs.resolve("srv"));
    assertThatThrownBy(() -> builder(rootfs, link.resolve("image")).build())
        .isInstanceOf(OtaException.class).hasMessageContaining("inside the rootfs");
    assertThatThrownBy(() -> builder(rootfs, rootfs).build())
        .isInstanceOf(OtaException.class).hasMessageContaining("inside the rootfs");
    assertThat(rootfs.resolve("srv/image")).doesNotExist();
  }

  @Test
  void refusesNonEmptyOutputDirectory() throws Exception {
    Path rootfs = SampleRootfs.create(tmp.resolve("rootfs"));
    Path out = Files.createDirectories(tmp.resolve("image"));
    Files.writeString(out.resolve("keep.txt"), "mine");
    assertThatThrownBy(() -> builder(rootfs, out).build())
        .isInstanceOf(OtaException.class).hasMessageContaining("not empty");
    assertThat(listNames(out)).containsExactly("keep.txt");
    assertThat(Files.readString(out.resolve("keep.txt"))).isEqualTo("mine");
  }

  @Test
  void refusesNameWithNewlineAndCleansUp() throws Exception {
    Path rootfs = SampleRootfs.create(tmp.resolve("rootfs"));
    Files.writeString(rootfs.resolve("srv/bad\nname"), "x");
    Path out = tmp.resolve("image");
    assertThatThrownBy(() -> builder(rootfs, out).compress(true).build())
        .isInstanceOf(OtaException.class)
        .hasMessageContaining("/srv/bad\\nname")
        .hasMessageContaining("line break");
    assertThat(out).doesNotExist();
    // the rootfs is untouched by the cleanup (data/ held hard links to it)
    assertThat(TreeSnapshot.of(rootfs, Set.of("/srv/bad\nname")))
        .isEqualTo(TreeSnapshot.of(SampleRootfs.create(tmp.resolve("fresh"))));

    Path emptyOut = Files.createDirectories(tmp.resolve("existing-empty"));
    assertThatThrownBy(() -> builder(rootfs, emptyOut).build()).isInstanceOf(OtaException.class);
    assertThat(emptyOut).isEmptyDirectory(); // a given empty directory is kept, emptied again
  }

  @Test
  void refusesNameThatIsNotUtf8AndSymlinkTargetWithNewline() throws Exception {
    Path rootfs = Files.createDirectories(tmp.resolve("rootfs"));
    Process touch = new ProcessBuilder("sh", "-c", "touch \"$1/bad-$(printf '\\377')-name\"", "sh",
        rootfs.toString()).start();
    assertThat(touch.waitFor()).isZero();
    assertThatThrownBy(() -> builder(rootfs, tmp.resolve("image")).build())
        .isInstanceOf(OtaException.class)
        .hasMessageContaining("/bad-")
        .hasMessageContaining("not valid UTF-8");

    Path rootfs2 = Files.createDirectories(tmp.resolve("rootfs2"));
    Files.createSymbolicLink(rootfs2.resolve("link"), rootfs2.getFileSystem().getPath("a\nb"));
    assertThatThrownBy(() -> builder(rootfs2, tmp.resolve("image2")).build())
        .isInstanceOf(OtaException.class)
        .hasMessageContaining("/link")
        .hasMessageContaining("symlink target");
    assertThat(tmp.resolve("image2")).doesNotExist();
  }

  @Test
  void refusesBadPersistentsAndMissingOptions() throws Exception {
    Path rootfs = SampleRootfs.create(tmp.resolve("rootfs"));
    assertThatThrownBy(() -> builder(rootfs, tmp.resolve("i1")).persistents(List.of("etc/hosts")).build())
        .isInstanceOf(OtaException.class).hasMessageContaining("etc/hosts");
    assertThatThrownBy(() -> builder(rootfs, tmp.resolve("i2")).persistents(List.of("/etc/a\nb")).build())
        .isInstanceOf(OtaException.class).hasMessageContaining("line break");
    assertThatThrownBy(() -> ImageBuilder.fromRootfs(rootfs).outputDir(tmp.resolve("i3")).build())
        .isInstanceOf(OtaException.class).hasMessageContaining("signing key");
    Path notCert = Files.writeString(tmp.resolve("not-a-cert.pem"), "hello");
    assertThatThrownBy(() -> ImageBuilder.fromRootfs(rootfs).outputDir(tmp.resolve("i4"))
        .signWith(ca.signingKey(), notCert).build())
        .isInstanceOf(OtaException.class).hasMessageContaining("not-a-cert.pem");
    assertThatThrownBy(() -> builder(tmp.resolve("missing"), tmp.resolve("i5")).build())
        .isInstanceOf(OtaException.class).hasMessageContaining("missing");
    for (String i : List.of("i1", "i2", "i3", "i4", "i5")) {
      assertThat(tmp.resolve(i)).doesNotExist();
    }
  }

  // ------------------------------------------------------------------ helpers

  /** Lists read back through the verifying reader, keyed by path in file order. */
  private record Image(ImageMetadata metadata, List<String> directoryOrder, Map<String, DirectoryEntry> directories,
                       Map<String, SymlinkEntry> symlinks, Map<String, RegularEntry> regulars,
                       List<String> persistents) {}

  private static Image readBack(Path out, Path listDir) throws IOException {
    ImageMetadata metadata;
    VerifiedLists lists;
    try (OtaImage image = OtaImage.open(
        ImageSources.open(ImageLocation.parse(out.toString()), Cookies.none()),
        CaStore.load(caStore), TrustPolicy.REQUIRE_CA)) {
      metadata = image.metadata();
      lists = image.fetchLists(listDir);
    }
    List<DirectoryEntry> dirs = readAll(ListReader.directories(Files.newInputStream(lists.directories()), "dirs.txt"));
    List<SymlinkEntry> links = readAll(ListReader.symlinks(Files.newInputStream(lists.symlinks()), "symlinks.txt"));
    List<RegularEntry> regs = readAll(ListReader.regulars(Files.newInputStream(lists.regulars()), "regulars.txt"));
    List<PersistentEntry> pers =
        readAll(ListReader.persistents(Files.newInputStream(lists.persistents()), "persistents.txt"));
    return new Image(metadata, dirs.stream().map(DirectoryEntry::path).toList(),
        byPath(dirs, DirectoryEntry::path), byPath(links, SymlinkEntry::path), byPath(regs, RegularEntry::path),
        pers.stream().map(PersistentEntry::path).toList());
  }

  private static <T> List<T> readAll(ListReader<T> reader) {
    List<T> all = new ArrayList<>();
    try (reader) {
      reader.forEachRemaining(all::add);
    }
    return all;
  }

  private static <T> Map<String, T> byPath(List<T> entries, Function<T, String> path) {
    Map<String, T> m = new LinkedHashMap<>();
    for (T e : entries) {
      assertThat(m.put(path.apply(e), e)).as("duplicate " + path.apply(e)).isNull();
    }
    return m;
  }

  /** Every entry of the lists matches the rootfs, and the rootfs has nothing the lists lack. */
  private static void assertMatchesTree(Path rootfs, Path out, Image image, BuildResult result) throws Exception {
    TreeSnapshot tree = TreeSnapshot.of(rootfs);
    Map<Type, Long> byType = tree.nodes().values().stream()
        .collect(Collectors.groupingBy(Node::type, Collectors.counting()));
    assertThat(image.directories).hasSize(byType.get(Type.DIRECTORY).intValue());
    assertThat(image.symlinks).hasSize(byType.get(Type.SYMLINK).intValue());
    assertThat(image.regulars).hasSize(byType.get(Type.REGULAR).intValue());
    assertThat(result.directories()).isEqualTo(image.directories.size());
    assertThat(result.symlinks()).isEqualTo(image.symlinks.size());
    assertThat(result.regulars()).isEqualTo(image.regulars.size());

    // parents before children
    for (int i = 0; i < image.directoryOrder.size(); i++) {
      String p = image.directoryOrder.get(i);
      String parent = p.substring(0, p.lastIndexOf('/'));
      if (!parent.isEmpty()) {
        assertThat(image.directoryOrder.subList(0, i)).as("parent of " + p).contains(parent);
      }
    }

    Map<String, Integer> linkCount = new LinkedHashMap<>();
    for (List<String> group : tree.linkGroups()) {
      group.forEach(p -> linkCount.put(p, group.size()));
    }
    assertThat(linkCount).containsEntry("/usr/lib/triple-three", 3).containsEntry("/usr/share/doc/pair-b", 2);
    Map<String, String> inodeByPath = new LinkedHashMap<>();
    long total = 0;
    for (Node n : tree.nodes().values()) {
      switch (n.type()) {
        case DIRECTORY -> {
          DirectoryEntry d = image.directories.get(n.path());
          assertThat(d).as(n.path()).isNotNull();
          assertThat(d).isEqualTo(new DirectoryEntry(n.path(), n.mode(), n.uid(), n.gid()));
          assertThat(out.resolve("data" + n.path())).isDirectory();
        }
        case SYMLINK -> {
          SymlinkEntry s = image.symlinks.get(n.path());
          assertThat(s).as(n.path()).isEqualTo(new SymlinkEntry(n.path(), n.target(), 0777, n.uid(), n.gid()));
          Path data = out.resolve("data" + n.path());
          assertThat(Files.isSymbolicLink(data)).as(n.path()).isTrue();
          assertThat(Files.readSymbolicLink(data).toString()).isEqualTo(n.target());
        }
        case REGULAR -> {
          RegularEntry r = image.regulars.get(n.path());
          assertThat(r).as(n.path()).isNotNull();
          assertThat(r.mode()).as(n.path()).isEqualTo(n.mode());
          assertThat(r.uid()).isEqualTo(n.uid());
          assertThat(r.gid()).isEqualTo(n.gid());
          assertThat(r.sha256()).as(n.path()).isEqualTo(n.sha256());
          assertThat(r.size()).as(n.path()).isEqualTo(n.size());
          // links inside the tree only: data/ hard links made by the build must not count
          Path src = rootfs.resolve(n.path().substring(1));
          int nlink = linkCount.getOrDefault(n.path(), 1);
          assertThat(r.nlink()).as(n.path()).isEqualTo(nlink);
          if (nlink > 1) {
            assertThat(r.inode()).as(n.path())
                .isEqualTo(Files.getAttribute(src, "unix:ino", LinkOption.NOFOLLOW_LINKS).toString());
            inodeByPath.put(n.path(), r.inode());
          } else {
            assertThat(r.inode()).as(n.path()).isNull();
          }
          Path data = out.resolve("data" + n.path());
          assertThat(data).as(n.path()).isRegularFile();
          assertThat(sha256(data)).as(n.path()).isEqualTo(n.sha256());
          total += n.size();
        }
        default -> throw new AssertionError("unexpected " + n);
      }
    }
    // hard-link groups: same inode value in the list, nlink = group size
    for (List<String> group : tree.linkGroups()) {
      Set<String> inodes = group.stream().map(inodeByPath::get).collect(Collectors.toSet());
      assertThat(inodes).as(group.toString()).hasSize(1).doesNotContainNull();
      for (String p : group) {
        assertThat(image.regulars.get(p).nlink()).isEqualTo(group.size());
      }
    }
    assertThat(inodeByPath).containsKeys("/usr/share/doc/pair-a", "/opt/triple/one");

    // the specific nasty entries
    assertThat(image.regulars.get(SampleRootfs.SETUID).mode()).isEqualTo(04755);
    assertThat(image.directories.get("/tmp").mode()).isEqualTo(01777);
    assertThat(image.directories.get("/root").mode()).isEqualTo(0700);
    assertThat(image.regulars.get(SampleRootfs.USER_FILE)).extracting(RegularEntry::uid, RegularEntry::gid)
        .containsExactly(1000L, 1000L);
    assertThat(image.symlinks.get(SampleRootfs.SYMLINK_OWNED).uid()).isEqualTo(1000L);
    assertThat(image.symlinks.get(SampleRootfs.SYMLINK_DANGLING).target()).isEqualTo("../does/not/exist");
    assertThat(image.symlinks.get(SampleRootfs.SYMLINK_QUOTED).target()).isEqualTo(SampleRootfs.SYMLINK_QUOTED_TARGET);
    assertThat(image.symlinks.get(SampleRootfs.SYMLINK_ABSOLUTE).target()).isEqualTo("/usr/share/zoneinfo/Etc/UTC");
    for (String empty : SampleRootfs.EMPTY_FILES) {
      assertThat(image.regulars.get(empty)).extracting(RegularEntry::size, RegularEntry::sha256)
          .containsExactly(0L, EMPTY_SHA256);
    }
    assertThat(image.regulars).containsKeys(SampleRootfs.ODD_NAMES.toArray(String[]::new));
    assertThat(image.regulars.get(SampleRootfs.HOSTILE).sha256())
        .isEqualTo(sha256("odd name: " + SampleRootfs.HOSTILE + "\n"));
    assertThat(image.regulars.get(SampleRootfs.DUPLICATES.get(0)).sha256())
        .isEqualTo(image.regulars.get(SampleRootfs.DUPLICATES.get(1)).sha256());

    assertThat(result.totalRegularSize()).isEqualTo(total);
    assertThat(image.metadata.totalRegularSize()).hasValue(total);
    assertThat(Files.readString(out.resolve("total_regular_size.txt"))).isEqualTo(Long.toString(total));
  }

  private static List<String> listNames(Path dir) throws IOException {
    try (var s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** regulars.txt with the inode field blanked (it is the only host-specific value). */
  private static String withoutInodes(String regulars) {
    return regulars.lines()
        .map(l -> l.replaceFirst(",(\\d+),(\\d*),(\\w*)$", ",$1,,$3"))
        .collect(Collectors.joining("\n"));
  }

  private static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return sha256(in, new long[1]);
    }
  }

  private static String sha256(String content) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(content.getBytes(StandardCharsets.UTF_8)));
  }

  private static String sha256(InputStream in, long[] size) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[65536];
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        md.update(buf, 0, n);
        size[0] += n;
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
