package dev.otaclient.internal.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.OtaException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ImageLocationTest {
  @Test
  void httpBaseIsNormalisedToOneTrailingSlashAndLowerCaseScheme() {
    ImageLocation l = ImageLocation.parse("HTTPS://h.example:8443/images/2.0//");
    assertThat(l).isInstanceOf(ImageLocation.Http.class);
    ImageLocation.Http h = (ImageLocation.Http) l;
    assertThat(h.base()).isEqualTo(URI.create("https://h.example:8443/images/2.0/"));
    assertThat(h.isRemote()).isTrue();
    assertThat(h.name()).isEqualTo("2.0");
    assertThat(ImageLocation.parse("http://h").name()).isEmpty();
    assertThat(((ImageLocation.Http) ImageLocation.parse("http://h")).base()).isEqualTo(URI.create("http://h/"));
  }

  @Test
  void aProxyTurnsHttpsIntoPlainHttpForTheRequestOnly() {
    ImageLocation.Http h = ImageLocation.parseRemote("https://h/i");
    assertThat(h.requestBase(Optional.empty())).isEqualTo(URI.create("https://h/i/"));
    assertThat(h.requestBase(Optional.of(InetSocketAddress.createUnresolved("127.0.0.1", 8082))))
        .isEqualTo(URI.create("http://h/i/"));
  }

  @Test
  void namesAreQuotedLikePythonsQuoteWithSafeSlash() {
    URI base = URI.create("http://h/i/");
    assertThat(ImageLocation.Http.resolve(base, "data/a b/%2F/ü\t"))
        .isEqualTo(URI.create("http://h/i/data/a%20b/%252F/%C3%BC%09"));
  }

  @Test
  void pathsAndFileUrlsAreDirectoriesOrArchivesBySuffix() {
    assertThat(ImageLocation.parse("/media/usb/image")).isEqualTo(new ImageLocation.Directory(Path.of("/media/usb/image"), "/media/usb/image"));
    ImageLocation tar = ImageLocation.parse("/media/usb/image-2.0.TAR.ZST");
    assertThat(tar).isInstanceOf(ImageLocation.Tar.class);
    assertThat(((ImageLocation.Tar) tar).compression()).isEqualTo(ImageLocation.TarCompression.ZSTD);
    assertThat(tar.name()).isEqualTo("image-2.0");
    assertThat(tar.isRemote()).isFalse();
    assertThat(ImageLocation.parse("img.tar").name()).isEqualTo("img");
    assertThat(ImageLocation.parse("file:///srv/img.tar")).isEqualTo(
        new ImageLocation.Tar(Path.of("/srv/img.tar"), ImageLocation.TarCompression.NONE, "file:///srv/img.tar"));
    assertThat(ImageLocation.parse("file:///srv/img/")).isInstanceOf(ImageLocation.Directory.class);
    assertThat(ImageLocation.parse("/srv/img/").name()).isEqualTo("img");
    // a file literally called ".tar" is a directory name, not an archive with an empty name
    assertThat(ImageLocation.parse("/srv/.tar")).isInstanceOf(ImageLocation.Directory.class);
  }

  @Test
  void badLocationsAreInvalidRequestsThatSayWhy() {
    assertRefused("", "empty");
    assertRefused("   ", "empty");
    assertRefused(null, "empty");
    assertRefused("htp://server/image", "unsupported scheme 'htp'");
    assertRefused("ftp://server/image", "unsupported scheme 'ftp'");
    assertRefused("http:///nohost", "no host");
    assertRefused("http://h/i?x=1", "query");
    assertRefused("http://h/i#f", "fragment");
    assertRefused("http://h/a b", "malformed");
    assertRefused("/srv/im\u0001age", "control character");
    assertRefused("http://h/" + "a".repeat(ImageLocation.MAX_LENGTH), "more than 8192");
    assertRefused("file://host/x", "file: URL");
    assertRefused("http://fleet:s3cret@h/image", "must not carry credentials");
    assertRefused("https://fleet@h/image", "must not carry credentials");
    assertThatThrownBy(() -> ImageLocation.parse("http://fleet:s3cret@h/image"))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret"));
    assertThatThrownBy(() -> ImageLocation.parseRemote("/srv/image"))
        .isInstanceOf(OtaException.class).hasMessageContaining("must be an http or https URL");
  }

  private static void assertRefused(String text, String reason) {
    assertThatThrownBy(() -> ImageLocation.parse(text))
        .isInstanceOfSatisfying(OtaException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INVALID_UPDATE_REQUEST);
          assertThat(e.detail()).contains(reason);
        });
  }
}
