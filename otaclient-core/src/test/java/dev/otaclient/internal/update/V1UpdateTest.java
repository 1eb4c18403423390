package dev.otaclient.internal.update;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.internal.fetch.CacheControl;
import dev.otaclient.internal.fetch.RetryPolicy;
import dev.otaclient.internal.fs.PosixCalls;
import dev.otaclient.internal.image.v1.V1ImageBuilder;
import dev.otaclient.internal.image.v1.ZipArtifact;
import dev.otaclient.internal.slot.FileAttributes;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.Progress;
import dev.otaclient.testing.FaultyHttpServer;
import dev.otaclient.testing.Nginx;
import dev.otaclient.testing.SampleRootfs;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.TreeSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OTA image v1 through the engine, over nginx and from a directory: full install, delta v1 → v1,
 * delta legacy → v1 and in place, compared bit for bit with the rootfs the images were built from
 * (content, modes, owners, symlinks, hard-link groups, extended attributes, whiteouts). The images are
 * made by our builder with small slices so that every storage filter (inline, bundle, zstd, slices)
 * is exercised.
 */
class V1UpdateTest {
  static final List<String> META = SignedImageFixture.ENGINE_META;
  static final String WHITEOUT = "/var/lib/docker/overlay2/l1/diff/removed";
  static final String CAPS = "/usr/bin/pinger";
  static final String BIG = "/usr/share/big-random.bin";
  /** Shares its first slice with {@link #BIG}. */
  static final String SAME_PREFIX = "/usr/share/big-same-prefix.bin";
  /** Zeros: its slices are one resource, listed again and again. */
  static final String ZEROS = "/usr/share/zeros.img";
  /** Large enough to be stored zstd-compressed rather than bundled. */
  static final String TEXT = "/usr/share/doc/long.txt";

  @TempDir static Path shared;
  static SignedImageFixture images;
  static Path rootV1;
  static Path rootV2;
  static Nginx nginx;

  @BeforeAll
  static void build() throws IOException {
    assumeTrue(Nginx.available(), "nginx not installed");
    images = SignedImageFixture.create("v1img", shared);
    rootV1 = extras(SampleRootfs.create(shared.resolve("root-v1")));
    rootV2 = SampleRootfs.v2From(rootV1, shared.resolve("root-v2"));
    v1Image("v1", rootV1);
    v1Image("v2", rootV2);
    images.sampleV1("legacy");
    ZipArtifact.pack(images.www().resolve("v1"), shared.resolve("v1.zip"));
    nginx = Nginx.serve(images.www());
  }

  /**
   * xattrs in three namespaces, a whiteout, files large enough to be sliced, two of which share a slice,
   * and one whose slices are all the same.
   */
  static Path extras(Path root) throws IOException {
    Path caps = SampleRootfs.at(root, CAPS);
    Files.write(caps, "#!/bin/true\n".repeat(40).getBytes(StandardCharsets.US_ASCII));
    Files.setAttribute(caps, "unix:mode", 0755);
    byte[] big = SampleRootfs.randomBytes(300_000, 7);
    Files.write(SampleRootfs.at(root, BIG), big);
    byte[] prefixed = SampleRootfs.randomBytes(150_000, 8);
    System.arraycopy(big, 0, prefixed, 0, 64 * 1024);
    Files.write(SampleRootfs.at(root, SAME_PREFIX), prefixed);
    Files.write(SampleRootfs.at(root, ZEROS), new byte[200_000]);
    Files.createDirectories(SampleRootfs.at(root, TEXT).getParent());
    Files.writeString(SampleRootfs.at(root, TEXT), "a line of documentation, repeated\n".repeat(1500));
    if (FileAttributes.canChown()) {
      // a file capability: cap_net_raw+ep, version 2 layout
      PosixCalls.setXattr(caps, "security.capability",
          new byte[] {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
      Path wo = SampleRootfs.at(root, WHITEOUT);
      Files.createDirectories(wo.getParent());
      PosixCalls.mknodWhiteout(wo, 0600);
      PosixCalls.setXattr(wo.getParent(), "trusted.overlay.opaque", "y".getBytes(StandardCharsets.US_ASCII));
    }
    PosixCalls.setXattr(caps, "user.origin", "test".getBytes(StandardCharsets.US_ASCII));
    PosixCalls.setXattr(SampleRootfs.at(root, "/etc"), "user.dir", new byte[] {0, 1, 2});
    return root;
  }

  static void v1Image(String name, Path rootfs) {
    V1ImageBuilder.into(images.www().resolve(name))
        .payload(new V1ImageBuilder.PayloadSpec("main", "dev", rootfs, List.of("/etc/hostname")))
        .payload(new V1ImageBuilder.PayloadSpec("other", "dev", rootfs, List.of()))
        .sliceSize(64 * 1024)
        .signWith(images.ca().signingKey(), List.of(images.ca().signingCert(), images.ca().intermediateCert()))
        .build();
  }

  @AfterAll
  static void stop() throws Exception {
    if (nginx != null) {
      nginx.close();
    }
  }

  static UpdateEngine client(TestSlots slots) {
    return engineFor(images, slots);
  }

  /** An engine of ECU {@code main} trusting the fixture's CA, with quick retries. */
  static UpdateEngine engineFor(SignedImageFixture fixture, TestSlots slots) {
    UpdateSettings s = UpdateSettings.defaults(fixture.caStore())
        .withRetry(new RetryPolicy(3, Duration.ofMillis(5), Duration.ofMillis(50), Duration.ofSeconds(10)));
    UpdateEngine c = new UpdateEngine("main", slots, s);
    c.start();
    return c;
  }

  static EcuStatus update(TestSlots slots, String version, String location) {
    return client(slots).update(UpdateRequest.of(version, location, "{}"));
  }

  /** Every path's extended attributes, as the kernel reports them. */
  static Map<String, String> xattrs(Path root) {
    Map<String, String> out = new TreeMap<>();
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
          if (d.equals(root.resolve("opt/ota"))) {
            return FileVisitResult.SKIP_SUBTREE;
          }
          visitFile(d, a);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
          Map<String, byte[]> x = PosixCalls.listXattrs(f);
          if (!x.isEmpty() && !f.equals(root)) {
            StringBuilder sb = new StringBuilder();
            x.forEach((k, v) -> sb.append(k).append('=').append(Arrays.toString(v)).append(';'));
            out.put("/" + root.relativize(f), sb.toString());
          }
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  static void assertExactCopy(Path slot, Path rootfs) throws IOException {
    assertThat(TreeSnapshot.of(slot, META).diff(TreeSnapshot.of(rootfs))).isEmpty();
    assertThat(TreeSnapshot.of(slot, META)).isEqualTo(TreeSnapshot.of(rootfs));
    assertThat(xattrs(slot)).isEqualTo(xattrs(rootfs)).containsKey(CAPS);
    if (FileAttributes.canChown()) {
      Map<String, Object> st = Files.readAttributes(SampleRootfs.at(slot, WHITEOUT), "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS);
      assertThat((Integer) st.get("mode") & 0170000).isEqualTo(0020000);
      assertThat((Long) st.get("rdev")).isZero();
    }
    assertThat(slot.resolve(".ota-work")).doesNotExist();
    assertThat(slot.resolve("opt/ota/image-meta/file_table.sqlite3")).isRegularFile();
    assertThat(slot.resolve("opt/ota/image-meta/regulars.txt")).doesNotExist();
  }

  @Test
  void fullInstallFromNginxIsAnExactCopy(@TempDir Path tmp) throws IOException {
    TestSlots slots = new TestSlots(tmp.resolve("a"), tmp.resolve("b"));
    EcuStatus s = update(slots, "1.0", nginx.imageUrl("v1"));
    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertExactCopy(tmp.resolve("b"), rootV1);
  }

  @Test
  void fullInstallFromADirectoryIsAnExactCopy(@TempDir Path tmp) throws IOException {
    TestSlots slots = new TestSlots(tmp.resolve("a"), tmp.resolve("b"));
    EcuStatus s = update(slots, "1.0", images.www().resolve("v1").toString());
    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertExactCopy(tmp.resolve("b"), rootV1);
  }

  @Test
  void fullInstallFromTheZipArtifactIsAnExactCopy(@TempDir Path tmp) throws IOException {
    try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(shared.resolve("v1.zip").toFile())) {
      List<String> names = z.stream().map(java.util.zip.ZipEntry::getName).toList();
      assertThat(names.subList(0, 2)).containsExactly("index.json", "index.jwt");
      assertThat(z.stream()).allMatch(e -> e.getMethod() == java.util.zip.ZipEntry.STORED);
    }
    TestSlots slots = new TestSlots(tmp.resolve("a"), tmp.resolve("b"));
    EcuStatus s = update(slots, "1.0", shared.resolve("v1.zip").toString());
    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertExactCopy(tmp.resolve("b"), rootV1);
  }

  /** The same image as a .tar and a .tar.zst of its directory (made with tar(1) and zstd-jni). */
  @Test
  void fullInstallFromTarAndTarZstIsAnExactCopy(@TempDir Path tmp) throws Exception {
    Path tar = tmp.resolve("image-v1.tar");
    Process p = new ProcessBuilder("tar", "-cf", tar.toString(), "-C", images.www().resolve("v1").toString(), ".")
        .redirectErrorStream(true).start();
    assertThat(p.waitFor()).as(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
    Path tarZst = tmp.resolve("image-v1.tar.zst");
    try (var in = Files.newInputStream(tar);
         var out = new com.github.luben.zstd.ZstdOutputStream(Files.newOutputStream(tarZst), 3)) {
      in.transferTo(out);
    }
    for (Path archive : List.of(tar, tarZst)) {
      Path dir = tmp.resolve(archive.getFileName() + "-slots");
      TestSlots slots = new TestSlots(dir.resolve("a"), dir.resolve("b"));
      EcuStatus s = update(slots, "1.0", archive.toString());
      assertThat(s.status()).as(archive + ": " + s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
      assertExactCopy(dir.resolve("b"), rootV1);
    }
  }

  /**
   * What ota_proxy keys its cache by: every blob request names the content it yields, a zstd blob the
   * original (decompressed) digest with {@code file_compression_alg=zstd}, a plain blob its own digest.
   */
  @Test
  void blobRequestsNameTheOriginalDigestAndTheCompressionForOtaProxy(@TempDir Path tmp) throws Exception {
    try (FaultyHttpServer recorder = FaultyHttpServer.proxyingTo(nginx.baseUri())) {
      TestSlots slots = new TestSlots(tmp.resolve("a"), tmp.resolve("b"));
      EcuStatus s = update(slots, "1.0", recorder.baseUri().resolve("v1/").toString());
      assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
      int compressed = 0;
      for (FaultyHttpServer.Recorded r : recorder.requests()) {
        if (!r.path().startsWith("v1/blobs/sha256/")) {
          continue;
        }
        String blob = r.path().substring("v1/blobs/sha256/".length());
        String header = r.header(CacheControl.HEADER);
        assertThat(header).as(r.path()).isNotNull();
        String named = header.replaceAll(".*file_sha256=([0-9a-f]{64}).*", "$1");
        if (header.contains("file_compression_alg=zstd")) {
          compressed++;
          byte[] original = com.github.luben.zstd.Zstd.decompress(
              Files.readAllBytes(images.www().resolve(r.path())), 10_000_000);
          assertThat(named).isNotEqualTo(blob).isEqualTo(dev.otaclient.internal.fs.ContentHash.of(original));
        } else {
          assertThat(named).as(r.path()).isEqualTo(blob);
        }
      }
      assertThat(compressed).as("zstd blobs fetched").isPositive();
    }
  }

  /** The payload's sys_config lists /etc/hostname in persist_files: the active slot's copy is kept. */
  @Test
  void persistFilesOfTheSysConfigComeFromTheActiveSlot(@TempDir Path tmp) throws IOException {
    Path active = tmp.resolve("a");
    Files.createDirectories(SampleRootfs.at(active, SampleRootfs.HOSTNAME).getParent());
    Files.writeString(SampleRootfs.at(active, SampleRootfs.HOSTNAME), "ecu-on-the-road\n");
    TestSlots slots = new TestSlots(active, tmp.resolve("b"));
    EcuStatus s = update(slots, "1.0", nginx.imageUrl("v1"));
    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(Files.readString(SampleRootfs.at(tmp.resolve("b"), SampleRootfs.HOSTNAME))).isEqualTo("ecu-on-the-road\n");
    assertThat(TreeSnapshot.of(tmp.resolve("b"), List.of("/opt/ota", SampleRootfs.HOSTNAME))
        .diff(TreeSnapshot.of(rootV1, List.of(SampleRootfs.HOSTNAME)))).isEmpty();
  }

  @Test
  void deltaV1ToV1DownloadsOnlyWhatChanged(@TempDir Path tmp) throws IOException {
    TestSlots first = new TestSlots(tmp.resolve("empty"), tmp.resolve("a"));
    assertThat(update(first, "1.0", nginx.imageUrl("v1")).status()).isEqualTo(OtaStatus.SUCCESS);
    TestSlots slots = new TestSlots(tmp.resolve("a"), tmp.resolve("b"));
    UpdateEngine c = client(slots);
    Progress[] last = new Progress[1];
    c.addListener(st -> st.progress().ifPresent(p -> last[0] = p));
    int before = nginx.accessLog().size();
    EcuStatus s = c.update(UpdateRequest.of("2.0", nginx.imageUrl("v2"), "{}"));
    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertExactCopy(tmp.resolve("b"), rootV2);
    List<String> log = nginx.accessLog().subList(before, nginx.accessLog().size());
    // the unchanged large file is copied from the active slot, not fetched slice by slice
    assertThat(log.stream().filter(l -> l.contains("/blobs/sha256/")).count()).isLessThan(12);
    assertThat(last[0].filesProcessedCopy()).isPositive();
  }

  @Test
  void deltaLegacyToV1UsesTheLegacySlot(@TempDir Path tmp) throws IOException {
    TestSlots first = new TestSlots(tmp.resolve("empty"), tmp.resolve("a"));
    assertThat(update(first, "0.9", nginx.imageUrl("legacy")).status()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(tmp.resolve("a/opt/ota/image-meta/regulars.txt")).isRegularFile();
    TestSlots slots = new TestSlots(tmp.resolve("a"), tmp.resolve("b"));
    UpdateEngine c = client(slots);
    Progress[] last = new Progress[1];
    c.addListener(st -> st.progress().ifPresent(p -> last[0] = p));
    EcuStatus s = c.update(UpdateRequest.of("1.0", nginx.imageUrl("v1"), "{}"));
    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertExactCopy(tmp.resolve("b"), rootV1);
    assertThat(last[0].filesProcessedCopy()).isPositive();
  }

  @Test
  void inPlaceReinstallFetchesNoBlob(@TempDir Path tmp) throws IOException {
    TestSlots first = new TestSlots(tmp.resolve("empty"), tmp.resolve("b"));
    assertThat(update(first, "1.0", nginx.imageUrl("v1")).status()).isEqualTo(OtaStatus.SUCCESS);
    // an edit the in-place run must undo, and a stale attribute it must remove
    Files.writeString(SampleRootfs.at(tmp.resolve("b"), SampleRootfs.PASSWD), "tampered");
    PosixCalls.setXattr(SampleRootfs.at(tmp.resolve("b"), CAPS), "user.stale", new byte[] {9});
    TestSlots again = new TestSlots(tmp.resolve("empty"), tmp.resolve("b"));
    int before = nginx.accessLog().size();
    EcuStatus s = update(again, "1.0", nginx.imageUrl("v1"));
    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertExactCopy(tmp.resolve("b"), rootV1);
    List<String> log = nginx.accessLog().subList(before, nginx.accessLog().size());
    assertThat(log.stream().filter(l -> l.contains("/blobs/sha256/")).count()).isLessThanOrEqualTo(8);
  }

  /**
   * The first run fails on the last slice of the big file (its blob is missing); the second finds the
   * bundles and slices the first kept in the standby's work area, re-verifies them and fetches none
   * of them again, and ends with an exact copy.
   */
  @Test
  void anInterruptedUpdateResumesWithTheBlobsItKept(@TempDir Path tmp) throws Exception {
    Path img = tmp.resolve("www/resume");
    UpdateEngineTest.copyTree(images.www().resolve("v1"), img);
    Path victim;
    try (var s = Files.list(img.resolve("blobs/sha256"))) {
      // 300 000 bytes in 64 KiB slices: the last slice is 37 856 bytes, the only blob of that size
      victim = s.filter(p -> size(p) == 300_000 % (64 * 1024)).findFirst().orElseThrow();
    }
    Path hidden = tmp.resolve("hidden");
    Files.move(victim, hidden);
    try (Nginx own = Nginx.serve(tmp.resolve("www"))) {
      TestSlots slots = new TestSlots(tmp.resolve("a"), tmp.resolve("b"));
      EcuStatus first = update(slots, "1.0", own.imageUrl("resume"));
      assertThat(first.status()).isEqualTo(OtaStatus.FAILURE);
      assertThat(first.failureReason()).contains(victim.getFileName().toString());
      List<String> kept;
      try (var s = Files.list(tmp.resolve("b/.ota-work/v1-blobs"))) {
        kept = s.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9a-f]{64}")).toList();
      }
      assertThat(kept).as("bundles and slices the first run fetched").isNotEmpty();

      Files.move(hidden, victim);
      int before = own.accessLog().size();
      EcuStatus second = update(slots, "1.0", own.imageUrl("resume"));
      assertThat(second.status()).as(second.failureReason()).isEqualTo(OtaStatus.SUCCESS);
      assertExactCopy(tmp.resolve("b"), rootV1);
      List<String> log = own.accessLog().subList(before, own.accessLog().size());
      assertThat(log).anyMatch(l -> l.contains(victim.getFileName().toString()));
      for (String k : kept) {
        assertThat(log).as("kept blob %s fetched again", k).noneMatch(l -> l.contains("/blobs/sha256/" + k));
      }
    }
  }

  /**
   * {@link #BIG} and {@link #SAME_PREFIX} share their first slice. One worker places them one after
   * the other, so nothing overlaps: the shared slice must still be fetched once, as every other blob
   * of a full install. (It was released after its first user and fetched again for the second; with
   * more workers that happened only sometimes, also when a resumed update had it from the first run.)
   */
  @Test
  void aSliceTwoFilesShareIsFetchedOnceEvenWhenTheyArePlacedOneAfterTheOther(@TempDir Path tmp) throws IOException {
    TestSlots slots = new TestSlots(tmp.resolve("a"), tmp.resolve("b"));
    UpdateSettings one = UpdateSettings.defaults(images.caStore())
        .withRetry(new RetryPolicy(3, Duration.ofMillis(5), Duration.ofMillis(50), Duration.ofSeconds(10)))
        .withThreads(1, 1);
    UpdateEngine c = new UpdateEngine("main", slots, one);
    c.start();
    int before = nginx.accessLog().size();
    EcuStatus s = c.update(UpdateRequest.of("1.0", nginx.imageUrl("v1"), "{}"));
    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertExactCopy(tmp.resolve("b"), rootV1);
    Map<String, Long> blobs = nginx.accessLog().subList(before, nginx.accessLog().size()).stream()
        .filter(l -> l.contains("/blobs/sha256/"))
        .collect(Collectors.groupingBy(l -> l.split(" ")[0], TreeMap::new, Collectors.counting()));
    assertThat(blobs).isNotEmpty();
    assertThat(blobs).allSatisfy((blob, n) -> assertThat(n).as("requests of %s", blob).isEqualTo(1));
  }

  static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
