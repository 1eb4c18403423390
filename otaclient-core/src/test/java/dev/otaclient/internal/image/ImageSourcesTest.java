package dev.otaclient.internal.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fetch.BlobRequest;
import dev.otaclient.internal.fetch.Cookies;
import dev.otaclient.internal.fetch.HttpSettings;
import dev.otaclient.internal.fetch.RetryPolicy;
import dev.otaclient.testing.Nginx;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageSourcesTest {
  @TempDir Path tmp;

  /** Reads a file the way the engine does: through the source's fetch, into a file. */
  private String read(ImageSource s, String name) throws IOException {
    Path out = Files.createTempFile(tmp, "read", ".bin");
    s.fetch(BlobRequest.plain(name, null, -1), out, null);
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  private static ImageSource open(String location) {
    return ImageSources.open(ImageLocation.parse(location), Cookies.none());
  }

  private static ImageSource open(String location, Cookies cookies) {
    return ImageSources.open(ImageLocation.parse(location), cookies);
  }

  private static LocalImageSource local(ImageSource s) {
    return (LocalImageSource) s;
  }

  private Path imageDir() throws IOException {
    Path root = tmp.resolve("image");
    Files.createDirectories(root.resolve("data/etc"));
    Files.writeString(root.resolve("metadata.jwt"), "jwt");
    Files.writeString(root.resolve("data/etc/hostname"), "ecu1\n");
    Files.writeString(root.resolve("data/" + "a b;c#ファイル"), "odd\n");
    return root;
  }

  // ---- directory ----

  @Test
  void directoryServesFilesAndFollowsSymlinksInsideTheRoot() throws Exception {
    Path root = imageDir();
    Files.createSymbolicLink(root.resolve("data/hostname-link"), Path.of("etc/hostname"));
    try (ImageSource s = open(root.toString())) {
      assertThat(s).isInstanceOf(DirectoryImageSource.class);
      assertThat(s.location()).isEqualTo(ImageLocation.parse(root.toString()));
      assertThat(read(s, "data/etc/hostname")).isEqualTo("ecu1\n");
      assertThat(read(s, "data/a b;c#ファイル")).isEqualTo("odd\n");
      assertThat(read(s, "data/hostname-link")).isEqualTo("ecu1\n");
      assertThatThrownBy(() -> local(s).open("data/etc/missing")).isInstanceOf(NoSuchFileException.class);
      assertThatThrownBy(() -> read(s, "data/etc/missing")).isInstanceOfSatisfying(OtaException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.APPLY_UPDATE);
        assertThat(e.detail()).isEqualTo("data/etc/missing: not found in the image");
      });
      assertThatThrownBy(() -> local(s).open("data/etc"))
          .isInstanceOf(FileSystemException.class).hasMessageContaining("not a regular file");
    }
  }

  @Test
  void directoryRefusesPathsLeavingTheRoot() throws Exception {
    Path root = imageDir();
    Path outside = Files.writeString(tmp.resolve("secret"), "secret");
    Files.createSymbolicLink(root.resolve("data/escape"), outside);
    try (ImageSource s = open(root.toString())) {
      assertThatThrownBy(() -> local(s).open("data/../../secret"))
          .isInstanceOf(FileSystemException.class).hasMessageContaining("leaves the image root");
      assertThatThrownBy(() -> read(s, "data/../../secret"))
          .isInstanceOf(OtaException.class).hasMessageContaining("leaves the image root");
      assertThatThrownBy(() -> local(s).open(outside.toString()))
          .isInstanceOf(FileSystemException.class).hasMessageContaining("is absolute");
      assertThatThrownBy(() -> local(s).open("data/escape"))
          .isInstanceOf(FileSystemException.class)
          .hasMessageContaining("resolves to " + outside.toRealPath() + ", outside the image root");
    }
  }

  // ---- tar ----

  private static void writeTar(Path out, Map<String, String> files, Map<String, String> hardLinks,
      Map<String, String> symlinks) throws IOException {
    try (OutputStream os = Files.newOutputStream(out);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(os, StandardCharsets.UTF_8.name())) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setAddPaxHeadersForNonAsciiNames(true);
      for (Map.Entry<String, String> f : files.entrySet()) {
        byte[] b = f.getValue().getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(f.getKey());
        e.setSize(b.length);
        tar.putArchiveEntry(e);
        tar.write(b);
        tar.closeArchiveEntry();
      }
      for (Map.Entry<String, String> l : hardLinks.entrySet()) {
        TarArchiveEntry e = new TarArchiveEntry(l.getKey(), TarArchiveEntry.LF_LINK);
        e.setLinkName(l.getValue());
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
      }
      for (Map.Entry<String, String> l : symlinks.entrySet()) {
        TarArchiveEntry e = new TarArchiveEntry(l.getKey(), TarArchiveEntry.LF_SYMLINK);
        e.setLinkName(l.getValue());
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
      }
    }
  }

  @Test
  void tarMembersMayBeAtTheTopPrefixedDotSlashOrUnderOneTopDirectory() throws Exception {
    for (String prefix : List.of("", "./", "ota-image/")) {
      Path tar = tmp.resolve("t" + prefix.length() + ".tar");
      Map<String, String> files = new LinkedHashMap<>();
      files.put(prefix + "metadata.jwt", "jwt" + prefix);
      files.put(prefix + "data/etc/hostname", "ecu1\n");
      files.put(prefix + "data/a b;c#ファイル", "odd\n");
      writeTar(tar, files, Map.of(prefix + "data/hard", prefix + "data/etc/hostname"),
          Map.of(prefix + "data/etc/soft", "../a b;c#ファイル"));
      try (ImageSource s = open(tar.toString())) {
        assertThat(s).as(prefix).isInstanceOf(TarImageSource.class);
        assertThat(read(s, "metadata.jwt")).isEqualTo("jwt" + prefix);
        assertThat(read(s, "data/etc/hostname")).isEqualTo("ecu1\n");
        assertThat(read(s, "data/a b;c#ファイル")).isEqualTo("odd\n");
        assertThat(read(s, "data/hard")).isEqualTo("ecu1\n");
        assertThat(read(s, "data/etc/soft")).isEqualTo("odd\n");
        assertThatThrownBy(() -> local(s).open("data/missing")).isInstanceOf(NoSuchFileException.class);
      }
    }
  }

  @Test
  void tarRefusesEscapesAndArchivesWithoutMetadata() throws Exception {
    Path tar = tmp.resolve("escape.tar");
    writeTar(tar, Map.of("metadata.jwt", "jwt"), Map.of(),
        Map.of("data/abs", "/etc/passwd", "data/up", "../../etc/passwd"));
    try (ImageSource s = open(tar.toString())) {
      assertThatThrownBy(() -> read(s, "data/abs")).hasMessageContaining("absolute symlink to /etc/passwd");
      assertThatThrownBy(() -> read(s, "data/up")).hasMessageContaining("symlink leaves the image root");
      assertThatThrownBy(() -> read(s, "../metadata.jwt")).hasMessageContaining("leaves the image root");
    }
    Path empty = tmp.resolve("nometa.tar");
    writeTar(empty, Map.of("data/x", "x"), Map.of(), Map.of());
    assertThatThrownBy(() -> open(empty.toString()))
        .isInstanceOfSatisfying(OtaException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_UPDATE_REQUEST))
        .hasMessageContaining("no metadata.jwt at the top of the archive or in one top directory");
  }

  @Test
  void tarStreamsOpenedTogetherDoNotShareAPosition() throws Exception {
    Path tar = tmp.resolve("two.tar");
    String a = "A".repeat(10_000);
    String b = "B".repeat(10_000);
    writeTar(tar, Map.of("metadata.jwt", "j", "a", a, "b", b), Map.of(), Map.of());
    try (ImageSource s = open(tar.toString());
        InputStream ia = local(s).open("a");
        InputStream ib = local(s).open("b")) {
      StringBuilder ra = new StringBuilder();
      StringBuilder rb = new StringBuilder();
      byte[] buf = new byte[777];
      int n;
      do {
        n = ia.read(buf);
        if (n > 0) {
          ra.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
        }
        int m = ib.read(buf);
        if (m > 0) {
          rb.append(new String(buf, 0, m, StandardCharsets.US_ASCII));
        }
      } while (n > 0);
      rb.append(new String(ib.readAllBytes(), StandardCharsets.US_ASCII));
      assertThat(ra.toString()).isEqualTo(a);
      assertThat(rb.toString()).isEqualTo(b);
    }
  }

  @Test
  void tarZstIsDecompressedToATempFileDeletedOnClose() throws Exception {
    Path tar = tmp.resolve("img.tar");
    writeTar(tar, Map.of("metadata.jwt", "jwt", "data/x", "x"), Map.of(), Map.of());
    Path zst = tmp.resolve("img.tar.zst");
    OtaImageTest.SmallImage.zstd(tar, zst);
    Path tmpdir = Path.of(System.getProperty("java.io.tmpdir"));
    List<Path> before = tempTars(tmpdir);
    ImageSource s = open(zst.toUri().toString());
    List<Path> during = tempTars(tmpdir);
    assertThat(during).hasSize(before.size() + 1);
    assertThat(read(s, "data/x")).isEqualTo("x");
    s.close();
    assertThat(tempTars(tmpdir)).containsExactlyInAnyOrderElementsOf(before);

    Files.writeString(tmp.resolve("bad.tar.zst"), "not zstd");
    assertThatThrownBy(() -> open(tmp.resolve("bad.tar.zst").toString()))
        .isInstanceOf(OtaException.class).hasMessageContaining("not a zstd-compressed tar");
    assertThat(tempTars(tmpdir)).containsExactlyInAnyOrderElementsOf(before);
  }

  private static List<Path> tempTars(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().matches("otaclient-image-.*\\.tar")).toList();
    }
  }

  @Test
  void unusableLocationsAreInvalidRequests() {
    for (String bad : List.of("", "/definitely/not/here", tmp.resolve("file.bin").toString(), "http://")) {
      assertThatThrownBy(() -> open(bad))
          .as(bad)
          .isInstanceOfSatisfying(OtaException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_UPDATE_REQUEST));
    }
  }

  // ---- HTTP ----

  @Test
  void proxyForcesTheHttpScheme() {
    HttpSettings viaProxy = HttpSettings.defaults().withProxy(new InetSocketAddress("127.0.0.1", 8082));
    HttpImageSource https = (HttpImageSource) ImageSources.open(ImageLocation.parse("https://cdn.example/ota/img//"),
        Cookies.none(), viaProxy, RetryPolicy.defaults(), 1, null);
    assertThat(https.urlOf("x")).hasToString("http://cdn.example/ota/img/x");
    HttpImageSource direct = (HttpImageSource) open("https://cdn.example/ota/img");
    assertThat(direct.urlOf("x")).hasToString("https://cdn.example/ota/img/x");
    assertThat(direct.urlOf("data/a b;c#ファイル").toString())
        .isEqualTo("https://cdn.example/ota/img/data/a%20b%3Bc%23%E3%83%95%E3%82%A1%E3%82%A4%E3%83%AB");
  }

  @Test
  void httpQuotesNamesSendsCookiesAndMarksOnlyMetadataNoCache() throws Exception {
    assumeTrue(Nginx.available(), "nginx not installed");
    imageDir();
    Cookies cookies = Cookies.of(Map.of("CloudFront-Policy", "p0l1cy"));
    try (Nginx nginx = Nginx.serve(tmp.resolve("."))) {
      ImageSource s = open(nginx.baseUri() + "image", cookies);
      assertThat(s).isInstanceOf(HttpImageSource.class);
      assertThat(s.readMetadata("metadata.jwt", 100)).isEqualTo("jwt".getBytes(StandardCharsets.UTF_8));
      assertThat(read(s, "data/a b;c#ファイル")).isEqualTo("odd\n");
      assertThatThrownBy(() -> read(s, "data/missing")).isInstanceOfSatisfying(OtaException.class,
          e -> assertThat(e.detail()).isEqualTo(nginx.baseUri() + "image/data/missing: HTTP 404"));
      List<String> log = nginx.accessLog();
      assertThat(log).hasSize(3);
      assertThat(log.get(0)).isEqualTo("/image/metadata.jwt 200 3 CloudFront-Policy=p0l1cy no_cache");
      assertThat(log.get(1))
          .isEqualTo("/image/data/a%20b%3Bc%23%E3%83%95%E3%82%A1%E3%82%A4%E3%83%AB 200 4 CloudFront-Policy=p0l1cy -");
      assertThat(log.get(2)).matches("/image/data/missing 404 [0-9]+ CloudFront-Policy=p0l1cy -");
    }
  }

  @Test
  void requiredCookieGives403WithoutItAndAnIoErrorWithTheStatus() throws Exception {
    assumeTrue(Nginx.available(), "nginx not installed");
    Path root = imageDir();
    try (Nginx nginx = Nginx.serve(root)) {
      int port = nginx.port();
      nginx.requireCookie("session", "abc123").requireCookie("CloudFront-Key-Pair-Id", "K2x");
      assertThat(nginx.port()).isEqualTo(port);
      ImageSource none = open(nginx.baseUri().toString());
      assertThatThrownBy(() -> read(none, "data/etc/hostname"))
          .isInstanceOf(OtaException.class)
          .hasMessageContaining(nginx.baseUri() + "data/etc/hostname: HTTP 403");
      ImageSource half = open(nginx.baseUri().toString(), Cookies.of(Map.of("session", "abc123")));
      assertThatThrownBy(() -> read(half, "data/etc/hostname")).hasMessageContaining("HTTP 403");
      Map<String, String> both = new LinkedHashMap<>();
      both.put("session", "abc123");
      both.put("CloudFront-Key-Pair-Id", "K2x");
      ImageSource ok = open(nginx.baseUri().toString(), Cookies.of(both));
      assertThat(read(ok, "data/etc/hostname")).isEqualTo("ecu1\n");
      assertThat(nginx.accessLog().get(2))
          .isEqualTo("/data/etc/hostname 200 5 session=abc123; CloudFront-Key-Pair-Id=K2x -");
    }
  }
}
