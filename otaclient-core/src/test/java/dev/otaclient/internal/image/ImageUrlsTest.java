package dev.otaclient.internal.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class ImageUrlsTest {
  private static URI base(String url) {
    return ImageLocation.parseRemote(url).base();
  }

  @Test
  void hostileNameIsEncodedExactlyLikeTheReference() {
    URI url = ImageLocation.Http.resolve(base("http://127.0.0.1:8080"),
        ImageUrls.rootfsRelative("data", "/path;adf.ae?qu.er\\y=str#fragファイルement"));
    assertThat(url.toString()).isEqualTo(
        "http://127.0.0.1:8080/data/path%3Badf.ae%3Fqu.er%5Cy%3Dstr%23frag%E3%83%95%E3%82%A1%E3%82%A4%E3%83%ABement");
  }

  @Test
  void compressedBlobUrl() {
    assertThat(ImageLocation.Http.resolve(base("http://10.0.0.1:8080/ota"),
        ImageUrls.compressedRelative("/data.zst/", "ead8", "zst")).toString())
        .isEqualTo("http://10.0.0.1:8080/ota/data.zst/ead8.zst");
  }

  @Test
  void baseIsNormalisedToOneTrailingSlash() {
    assertThat(base("https://h/a/b///").toString()).isEqualTo("https://h/a/b/");
    assertThat(base("https://h/a/b").toString()).isEqualTo("https://h/a/b/");
    assertThat(base("http://h:1").toString()).isEqualTo("http://h:1/");
    assertThat(ImageLocation.Http.resolve(base("http://h/img"), "metadata.jwt").toString())
        .isEqualTo("http://h/img/metadata.jwt");
  }

  @Test
  void quoteMatchesPythonSafeSlash() {
    assertThat(ImageLocation.Http.quote("a b+c/~_.-'\",%")).isEqualTo("a%20b%2Bc/~_.-%27%22%2C%25");
  }
}
