package dev.otaclient.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class ImageUrlsTest {
  @Test
  void hostileNameIsEncodedExactlyLikeTheReference() {
    URI base = ImageUrls.normaliseBase(URI.create("http://127.0.0.1:8080"));
    URI url = ImageUrls.regularFile(base, "data", "/path;adf.ae?qu.er\\y=str#fragファイルement");
    assertThat(url.toString()).isEqualTo(
        "http://127.0.0.1:8080/data/path%3Badf.ae%3Fqu.er%5Cy%3Dstr%23frag%E3%83%95%E3%82%A1%E3%82%A4%E3%83%ABement");
  }

  @Test
  void compressedBlobUrl() {
    URI base = ImageUrls.normaliseBase(URI.create("http://10.0.0.1:8080/ota"));
    assertThat(ImageUrls.compressedBlob(base, "data.zst", "ead8", "zst").toString())
        .isEqualTo("http://10.0.0.1:8080/ota/data.zst/ead8.zst");
  }

  @Test
  void baseIsNormalisedToOneTrailingSlash() {
    assertThat(ImageUrls.normaliseBase(URI.create("https://h/a/b///")).toString()).isEqualTo("https://h/a/b/");
    assertThat(ImageUrls.normaliseBase(URI.create("https://h/a/b")).toString()).isEqualTo("https://h/a/b/");
    assertThat(ImageUrls.normaliseBase(URI.create("http://h:1")).toString()).isEqualTo("http://h:1/");
    assertThat(ImageUrls.resolve(ImageUrls.normaliseBase(URI.create("http://h/img")), "metadata.jwt").toString())
        .isEqualTo("http://h/img/metadata.jwt");
  }

  @Test
  void quoteMatchesPythonSafeSlash() {
    assertThat(ImageUrls.quote("a b+c/~_.-'\",%")).isEqualTo("a%20b%2Bc/~_.-%27%22%2C%25");
  }

  @Test
  void refusesOtherSchemes() {
    assertThatThrownBy(() -> ImageUrls.normaliseBase(URI.create("ftp://h/x")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http or https");
    assertThatThrownBy(() -> ImageUrls.normaliseBase(URI.create("file:///x")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
