package dev.otaclient.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.OtaException;
import dev.otaclient.fetch.Cookies;
import dev.otaclient.fetch.HttpSettings;
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

  private static String read(ImageSource s, String name) throws IOException {
    try (InputStream in = s.open(name, false)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
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
    try (ImageSource s = ImageSources.open(root.toString(), null, null)) {
      assertThat(s).isInstanceOf(DirectoryImageSource.class);
      assertThat(s.location()).isEqualTo(root.toRealPath().toString());
      assertThat(read(s, "data/etc/hostname")).isEqualTo("ecu1\n");
      assertThat(read(s, "data/a b;c#ファイル")).isEqualTo("odd\n");
      assertThat(read(s, "data/hostname-link")).isEqualTo("ecu1\n");
      assertThatThrownBy(() -> s.open("data/etc/missing", false)).isInstanceOf(NoSuchFileException.class);
      assertThatThrownBy(() -> s.open("data/etc", false))
          .isInstanceOf(FileSystemException.class).hasMessageContaining("not a regular file");
    }
  }

  @Test
  void directoryRefusesPathsLeavingTheRoot() throws Exception {
    Path root = imageDir();
    Path outside = Files.writeString(tmp.resolve("secret"), "secret");
    Files.createSymbolicLink(root.resolve("data/escape"), outside);
    try (ImageSource s = new DirectoryImageSource(root)) {
      assertThatThrownBy(() -> s.open("data/../../secret", false))
          .isInstanceOf(FileSystemException.class).hasMessageContaining("leaves the image root");
      assertThatThrownBy(() -> s.open(outside.toString(), false))
          .isInstanceOf(FileSystemException.class).hasMessageContaining("is absolute");
      assertThatThrownBy(() -> s.open("data/escape", false))
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
      try (ImageSource s = ImageSources.open(tar.toString(), Cookies.none(), HttpSettings.defaults())) {
        assertThat(s).as(prefix).isInstanceOf(TarImageSource.class);
        assertThat(read(s, "metadata.jwt")).isEqualTo("jwt" + prefix);
        assertThat(read(s, "data/etc/hostname")).isEqualTo("ecu1\n");
        assertThat(read(s, "data/a b;c#ファイル")).isEqualTo("odd\n");
        assertThat(read(s, "data/hard")).isEqualTo("ecu1\n");
        assertThat(read(s, "data/etc/soft")).isEqualTo("odd\n");
        assertThatThrownBy(() -> s.open("data/missing", false)).isInstanceOf(NoSuchFileException.class);
      }
    }
  }

  @Test
  void tarRefusesEscapesAndArchivesWithoutMetadata() throws Exception {
    Path tar = tmp.resolve("escape.tar");
    writeTar(tar, Map.of("metadata.jwt", "jwt"), Map.of(),
        Map.of("data/abs", "/etc/passwd", "data/up", "../../etc/passwd"));
    try (ImageSource s = TarImageSource.open(tar)) {
      assertThatThrownBy(() -> s.open("data/abs", false)).hasMessageContaining("absolute symlink to /etc/passwd");
      assertThatThrownBy(() -> s.open("data/up", false)).hasMessageContaining("symlink leaves the image root");
      assertThatThrownBy(() -> s.open("../metadata.jwt", false)).hasMessageContaining("leaves the image root");
    }
    Path empty = tmp.resolve("nometa.tar");
    writeTar(empty, Map.of("data/x", "x"), Map.of(), Map.of());
    assertThatThrownBy(() -> ImageSources.open(empty.toString(), null, null))
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
    try (ImageSource s = TarImageSource.open(tar);
        InputStream ia = s.open("a", false);
        InputStream ib = s.open("b", false)) {
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
    ImageSource s = ImageSources.open(zst.toUri().toString(), null, null);
    List<Path> during = tempTars(tmpdir);
    assertThat(during).hasSize(before.size() + 1);
    assertThat(read(s, "data/x")).isEqualTo("x");
    s.close();
    assertThat(tempTars(tmpdir)).containsExactlyInAnyOrderElementsOf(before);

    Files.writeString(tmp.resolve("bad.tar.zst"), "not zstd");
    assertThatThrownBy(() -> ImageSources.open(tmp.resolve("bad.tar.zst").toString(), null, null))
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
      assertThatThrownBy(() -> ImageSources.open(bad, null, null))
          .as(bad)
          .isInstanceOfSatisfying(OtaException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_UPDATE_REQUEST));
    }
  }

  // ---- HTTP ----

  @Test
  void proxyForcesTheHttpScheme() {
    HttpSettings viaProxy = HttpSettings.defaults().withProxy(new InetSocketAddress("127.0.0.1", 8082));
    HttpImageSource https = new HttpImageSource(URI.create("https://cdn.example/ota/img//"), Cookies.none(), viaProxy);
    assertThat(https.base()).hasToString("http://cdn.example/ota/img/");
    HttpImageSource direct = new HttpImageSource(URI.create("https://cdn.example/ota/img"), Cookies.none(),
        HttpSettings.defaults());
    assertThat(direct.base()).hasToString("https://cdn.example/ota/img/");
    assertThat(direct.urlOf("data/a b;c#ファイル").toString())
        .isEqualTo("https://cdn.example/ota/img/data/a%20b%3Bc%23%E3%83%95%E3%82%A1%E3%82%A4%E3%83%AB");
  }

  @Test
  void httpQuotesNamesSendsCookiesAndMarksOnlyMetadataNoCache() throws Exception {
    assumeTrue(Nginx.available(), "nginx not installed");
    imageDir();
    Cookies cookies = Cookies.of(Map.of("CloudFront-Policy", "p0l1cy"));
    try (Nginx nginx = Nginx.serve(tmp.resolve("."))) {
      ImageSource s = ImageSources.open(nginx.baseUri() + "image", cookies, HttpSettings.defaults());
      assertThat(s).isInstanceOf(HttpImageSource.class);
      try (InputStream in = s.open("metadata.jwt", true)) {
        assertThat(in.readAllBytes()).isEqualTo("jwt".getBytes(StandardCharsets.UTF_8));
      }
      assertThat(read(s, "data/a b;c#ファイル")).isEqualTo("odd\n");
      assertThatThrownBy(() -> s.open("data/missing", false))
          .isInstanceOf(NoSuchFileException.class).hasMessageContaining(nginx.baseUri() + "image/data/missing");
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
      ImageSource none = ImageSources.open(nginx.baseUri().toString(), Cookies.none(), HttpSettings.defaults());
      assertThatThrownBy(() -> none.open("data/etc/hostname", false))
          .isInstanceOf(IOException.class).isNotInstanceOf(NoSuchFileException.class)
          .hasMessageContaining("HTTP 403 for " + nginx.baseUri() + "data/etc/hostname");
      ImageSource half = ImageSources.open(nginx.baseUri().toString(), Cookies.of(Map.of("session", "abc123")),
          HttpSettings.defaults());
      assertThatThrownBy(() -> half.open("data/etc/hostname", false)).hasMessageContaining("HTTP 403");
      Map<String, String> both = new LinkedHashMap<>();
      both.put("session", "abc123");
      both.put("CloudFront-Key-Pair-Id", "K2x");
      ImageSource ok = ImageSources.open(nginx.baseUri().toString(), Cookies.of(both), HttpSettings.defaults());
      assertThat(read(ok, "data/etc/hostname")).isEqualTo("ecu1\n");
      assertThat(nginx.accessLog().get(2))
          .isEqualTo("/data/etc/hostname 200 5 session=abc123; CloudFront-Key-Pair-Id=K2x -");
    }
  }
}
