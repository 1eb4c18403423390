package dev.otaclient.internal.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdOutputStream;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fetch.Cookies;
import dev.otaclient.internal.fetch.HttpSettings;
import dev.otaclient.internal.fetch.RetryPolicy;
import dev.otaclient.internal.image.sign.TestCa;
import dev.otaclient.testing.Nginx;
import dev.otaclient.testing.ReservedPort;
import dev.otaclient.testing.SignedImageFixture;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OtaImageTest {
  static TestCa ca;

  @TempDir Path tmp;

  @BeforeAll
  static void createCa() {
    ca = SignedImageFixture.newCa("image-test");
  }

  private CaStore store() {
    Path certs = tmp.resolve("certs");
    ca.installInto(certs, "1");
    return CaStore.load(certs);
  }

  @Test
  void sameImageFromDirectoryTarAndTarZstGivesIdenticalMetadataAndLists() throws Exception {
    SmallImage image = SmallImage.write(tmp.resolve("image"), ca);
    SmallImage.tar(image.root, tmp.resolve("image.tar"), "./");
    SmallImage.tar(image.root, tmp.resolve("nested.tar"), "ota-image/");
    SmallImage.zstd(tmp.resolve("image.tar"), tmp.resolve("image.tar.zst"));
    CaStore cas = store();

    Map<String, String> seen = new LinkedHashMap<>();
    for (String location : List.of(image.root.toString(), "file://" + image.root, tmp.resolve("image.tar").toString(),
        tmp.resolve("nested.tar").toString(), tmp.resolve("image.tar.zst").toString())) {
      try (OtaImage img = OtaImage.open(ImageSources.open(ImageLocation.parse(location), Cookies.none()), cas,
          TrustPolicy.REQUIRE_CA)) {
        assertThat(img.metadata()).as(location).isEqualTo(image.metadata);
        seen.put(location, listDigest(img.fetchLists(tmp.resolve("lists-" + seen.size()))));
        assertThat(img.source().readMetadata("data/etc/hostname", 1000)).as(location).isEqualTo(SmallImage.HOSTNAME);
      }
    }
    assertThat(seen.values()).containsOnly(image.listDigest());
  }

  @Test
  void sameImageOverHttpFromNginxWithCookieAndNoCacheHeaders() throws Exception {
    assumeTrue(Nginx.available(), "nginx not installed");
    SmallImage image = SmallImage.write(tmp.resolve("image"), ca);
    Cookies cookies = Cookies.of(Map.of("session", "abc123"));
    try (Nginx nginx = Nginx.serve(image.root)) {
      try (OtaImage img = OtaImage.open(ImageSources.open(ImageLocation.parse(nginx.baseUri().toString().replaceAll("/$", "")), cookies), store(), TrustPolicy.REQUIRE_CA)) {
        assertThat(img.source()).isInstanceOf(HttpImageSource.class);
        assertThat(img.metadata()).isEqualTo(image.metadata);
        VerifiedLists lists = img.fetchLists(tmp.resolve("lists"));
        assertThat(listDigest(lists)).isEqualTo(image.listDigest());
        assertThat(lists.path(ListKind.REGULARS)).isEqualTo(tmp.resolve("lists").resolve("regulars.txt"));
        // the hand-written lists are valid input for the list reader
        for (ListKind kind : ListKind.values()) {
          int count = 0;
          try (ListReader<Object> reader = ListReader.open(kind, lists.path(kind))) {
            while (reader.hasNext()) {
              reader.next();
              count++;
            }
          }
          assertThat(count).as(kind.toString()).isEqualTo(kind == ListKind.REGULARS || kind == ListKind.DIRECTORIES ? 3 : 2);
        }
      }
      List<String> log = nginx.accessLog();
      assertThat(log).containsExactly(
          "/metadata.jwt 200 " + Files.size(image.root.resolve("metadata.jwt")) + " session=abc123 no_cache",
          "/sign.pem 200 " + Files.size(image.root.resolve("sign.pem")) + " session=abc123 no_cache",
          "/dirs.txt 200 " + Files.size(image.root.resolve("dirs.txt")) + " session=abc123 no_cache",
          "/symlinks.txt 200 " + Files.size(image.root.resolve("symlinks.txt")) + " session=abc123 no_cache",
          "/regulars.txt 200 " + Files.size(image.root.resolve("regulars.txt")) + " session=abc123 no_cache",
          "/persistents.txt 200 " + Files.size(image.root.resolve("persistents.txt")) + " session=abc123 no_cache");
    }
  }

  @Test
  void missingListIsAMetadataDownloadFailure() throws Exception {
    SmallImage image = SmallImage.write(tmp.resolve("image"), ca);
    Files.delete(image.root.resolve("symlinks.txt"));
    try (OtaImage img = OtaImage.open(ImageSources.open(ImageLocation.parse(image.root.toString()), Cookies.none()), store(), TrustPolicy.REQUIRE_CA)) {
      assertThatThrownBy(() -> img.fetchLists(tmp.resolve("lists")))
          .isInstanceOfSatisfying(OtaException.class,
              e -> assertThat(e.failureReason()).startsWith("E1-0103-101: "))
          .hasMessageContaining("cannot fetch list symlinks.txt");
    }
  }

  @Test
  void tamperedListFailsNamingTheFileAndLeavesNoPartialFile() throws Exception {
    SmallImage image = SmallImage.write(tmp.resolve("image"), ca);
    Files.writeString(image.root.resolve("regulars.txt"), "\n", StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.APPEND);
    Path lists = tmp.resolve("lists");
    try (OtaImage img = OtaImage.open(ImageSources.open(ImageLocation.parse(image.root.toString()), Cookies.none()), store(), TrustPolicy.REQUIRE_CA)) {
      assertThatThrownBy(() -> img.fetchLists(lists))
          .isInstanceOfSatisfying(OtaException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.METADATA_VERIFICATION);
            assertThat(e.module()).isEqualTo(ErrorModule.DOWNLOADER);
          })
          .hasMessageContaining("list regulars.txt from " + image.root + " is not the one metadata.jwt signed: sha256 mismatch")
          .hasMessageContaining("expected " + image.metadata.regulars().sha256());
    }
    try (Stream<Path> files = Files.list(lists)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("dirs.txt", "symlinks.txt");
    }
  }

  @Test
  void directoryWithoutMetadataIsAnInvalidRequestNotANetworkError() throws Exception {
    SmallImage image = SmallImage.write(tmp.resolve("image"), ca);
    Files.delete(image.root.resolve("metadata.jwt"));
    assertThatThrownBy(() -> OtaImage.open(ImageSources.open(ImageLocation.parse(image.root.toString()), Cookies.none()), store(), TrustPolicy.REQUIRE_CA))
        .isInstanceOfSatisfying(OtaException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INVALID_UPDATE_REQUEST);
          assertThat(e.module()).isEqualTo(ErrorModule.API);
          assertThat(e.failureReason()).startsWith("E1-0104-203: ");
        })
        .hasMessageContaining("metadata.jwt not found in image " + image.root.toRealPath());
  }

  @Test
  void unreachableServerIsANetworkError() throws Exception {
    RetryPolicy twice = new RetryPolicy(2, java.time.Duration.ofMillis(1), java.time.Duration.ofMillis(1),
        java.time.Duration.ofSeconds(30));
    try (ReservedPort closed = ReservedPort.reserve()) {
      ImageSource source = ImageSources.open(ImageLocation.parse("http://" + closed.hostPort() + "/img"), Cookies.none(),
          HttpSettings.defaults(), twice, 1, null);
      assertThatThrownBy(() -> OtaImage.open(source, store(), TrustPolicy.REQUIRE_CA))
          .isInstanceOfSatisfying(OtaException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NETWORK))
          .hasMessageContaining("cannot fetch metadata.jwt from http://" + closed.hostPort() + "/img: giving up after 2 attempts");
    }
  }

  @Test
  void servedCertificateNotMatchingTheClaimIsAVerificationError() throws Exception {
    SmallImage image = SmallImage.write(tmp.resolve("image"), ca);
    TestCa other = SignedImageFixture.newCa("other");
    Files.writeString(image.root.resolve("sign.pem"), TestCa.certificatePem(other.signingCert()));
    assertThatThrownBy(() -> OtaImage.open(ImageSources.open(ImageLocation.parse(image.root.toString()), Cookies.none()), store(), TrustPolicy.REQUIRE_CA))
        .isInstanceOfSatisfying(OtaException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.BASE_METADATA_VERIFICATION))
        .hasMessageContaining("certificate sign.pem has sha256");
  }

  @Test
  void oversizedMetadataIsRefused() throws Exception {
    SmallImage image = SmallImage.write(tmp.resolve("image"), ca);
    Files.write(image.root.resolve("metadata.jwt"), new byte[OtaImage.MAX_METADATA_BYTES + 1]);
    assertThatThrownBy(() -> OtaImage.open(ImageSources.open(ImageLocation.parse(image.root.toString()), Cookies.none()), store(), TrustPolicy.REQUIRE_CA))
        .isInstanceOf(OtaException.class)
        .hasMessageContaining("metadata.jwt from " + image.root + " is larger than 1048576 bytes");
  }

  private static String listDigest(VerifiedLists lists) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (ListKind kind : ListKind.values()) {
      sb.append(kind).append('=').append(MetadataVerifier.sha256Hex(Files.readAllBytes(lists.path(kind)))).append(';');
    }
    return sb.toString();
  }

  /**
   * A small image built by hand in the legacy layout (§1.1): four lists, a rootfs tree under data/, one
   * compressed blob under data.zst/, sign.pem and metadata.jwt signed by a {@link TestCa}.
   */
  static final class SmallImage {
    static final byte[] HOSTNAME = "ecu1\n".getBytes(StandardCharsets.UTF_8);
    static final String ODD_NAME = "opt/odd dir/fi;le#ファイル";

    final Path root;
    final ImageMetadata metadata;
    final Map<String, byte[]> lists = new LinkedHashMap<>();

    private SmallImage(Path root, ImageMetadata metadata) {
      this.root = root;
      this.metadata = metadata;
    }

    static SmallImage write(Path root, TestCa ca) throws IOException {
      byte[] tool = new byte[70_000];
      for (int i = 0; i < tool.length; i++) {
        tool[i] = (byte) (i * 31 + i / 7);
      }
      byte[] odd = "odd\n".getBytes(StandardCharsets.UTF_8);
      Files.createDirectories(root.resolve("data/etc"));
      Files.createDirectories(root.resolve("data/usr/bin"));
      Files.createDirectories(root.resolve("data/opt/odd dir"));
      Files.createDirectories(root.resolve("data.zst"));
      Files.write(root.resolve("data/etc/hostname"), HOSTNAME);
      Files.write(root.resolve("data/usr/bin/tool"), tool);
      Files.write(root.resolve("data").resolve(ODD_NAME), odd);
      String toolHash = sha(tool);
      Files.write(root.resolve("data.zst/" + toolHash + ".zst"), Zstd.compress(tool));

      Map<String, String> text = new LinkedHashMap<>();
      text.put("dirs.txt", String.join("\n", "0755,0,0,'/etc'", "0755,0,0,'/usr/bin'", "0755,0,0,'/opt/odd dir'"));
      text.put("symlinks.txt", String.join("\n", "0777,0,0,'/bin','usr/bin'",
          "0777,0,0,'/var/lib/ieee-data/iab.csv','../../ieee-data/'\\'','\\''iab.csv'"));
      text.put("regulars.txt", String.join("\n",
          "0644,0,0,1," + sha(HOSTNAME) + ",'/etc/hostname'," + HOSTNAME.length + ",,",
          "0755,0,0,1," + toolHash + ",'/usr/bin/tool'," + tool.length + ",,zst",
          "0644,0,0,1," + sha(odd) + ",'/" + ODD_NAME + "'," + odd.length + ",,"));
      text.put("persistents.txt", String.join("\n", "'/etc/hostname'", "'/etc/hosts'"));
      Map<String, String> hashes = new LinkedHashMap<>();
      Map<String, byte[]> bytes = new LinkedHashMap<>();
      for (Map.Entry<String, String> e : text.entrySet()) {
        byte[] b = e.getValue().getBytes(StandardCharsets.UTF_8);
        Files.write(root.resolve(e.getKey()), b);
        hashes.put(e.getKey(), sha(b));
        bytes.put(e.getKey(), b);
      }
      byte[] pem = TestCa.certificatePem(ca.signingCert()).getBytes(StandardCharsets.US_ASCII);
      Files.write(root.resolve("sign.pem"), pem);
      long total = HOSTNAME.length + tool.length + odd.length;
      Files.writeString(root.resolve("total_regular_size.txt"), Long.toString(total));
      ImageMetadata m = new ImageMetadata(1,
          new FileRef("dirs.txt", hashes.get("dirs.txt")), new FileRef("symlinks.txt", hashes.get("symlinks.txt")),
          new FileRef("regulars.txt", hashes.get("regulars.txt")),
          new FileRef("persistents.txt", hashes.get("persistents.txt")), new FileRef("sign.pem", sha(pem)), "data",
          OptionalLong.of(total), Optional.of("data.zst"));
      Files.writeString(root.resolve("metadata.jwt"), MetadataJwt.sign(m, ca.signingKey()), StandardCharsets.US_ASCII);
      SmallImage image = new SmallImage(root, m);
      image.lists.putAll(bytes);
      return image;
    }

    String listDigest() {
      StringBuilder sb = new StringBuilder();
      for (ListKind kind : ListKind.values()) {
        sb.append(kind).append('=').append(sha(lists.get(metadata.list(kind).name()))).append(';');
      }
      return sb.toString();
    }

    /** Packs {@code root} into a tar whose member names start with {@code prefix} ("" or "./" or "top/"). */
    static void tar(Path root, Path out, String prefix) throws IOException {
      List<Path> paths = new ArrayList<>();
      try (Stream<Path> walk = Files.walk(root)) {
        walk.filter(p -> !p.equals(root)).sorted().forEach(paths::add);
      }
      try (OutputStream os = Files.newOutputStream(out);
          TarArchiveOutputStream tar = new TarArchiveOutputStream(os, StandardCharsets.UTF_8.name())) {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
        for (Path p : paths) {
          String name = prefix + root.relativize(p).toString().replace('\\', '/');
          if (Files.isSymbolicLink(p)) {
            TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
            e.setLinkName(Files.readSymbolicLink(p).toString());
            tar.putArchiveEntry(e);
          } else {
            tar.putArchiveEntry(new TarArchiveEntry(p.toFile(), Files.isDirectory(p) ? name + "/" : name));
            if (Files.isRegularFile(p)) {
              Files.copy(p, tar);
            }
          }
          tar.closeArchiveEntry();
        }
      }
    }

    static void zstd(Path in, Path out) throws IOException {
      try (OutputStream os = new ZstdOutputStream(Files.newOutputStream(out))) {
        Files.copy(in, os);
      }
    }

    static String sha(byte[] b) {
      return MetadataVerifier.sha256Hex(b);
    }
  }
}
