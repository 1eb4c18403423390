package dev.otaclient.internal.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.internal.fetch.Cookies;
import dev.otaclient.testing.Nginx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Legacy or v1, decided as TIER IV's client decides it, over nginx and on local storage. */
class ImageFormatTest {
  static ImageFormat detect(String location) {
    try (ImageSource s = ImageSources.open(ImageLocation.parse(location), Cookies.none())) {
      return ImageFormat.detect(s, 3, Duration.ofMillis(5));
    }
  }

  @Test
  void overHttpTheAnswerToOciLayoutDecides(@TempDir Path www) throws Exception {
    assumeTrue(Nginx.available(), "nginx not installed");
    Files.createDirectories(www.resolve("v1"));
    Files.writeString(www.resolve("v1/oci-layout"), "{\"imageLayoutVersion\": \"1.0.0\"}");
    Files.createDirectories(www.resolve("legacy"));
    try (Nginx nginx = Nginx.on(www).location("= /forbidden/oci-layout", "return 403;")
        .location("= /broken/oci-layout", "return 500;").location("= /auth/oci-layout", "return 401;").start()) {
      assertThat(detect(nginx.imageUrl("v1"))).isEqualTo(ImageFormat.V1);
      assertThat(detect(nginx.imageUrl("legacy"))).isEqualTo(ImageFormat.LEGACY);
      assertThat(detect(nginx.imageUrl("forbidden"))).isEqualTo(ImageFormat.LEGACY);
      assertThat(detect(nginx.imageUrl("auth"))).isEqualTo(ImageFormat.LEGACY);
      int before = nginx.accessLog().size();
      assertThat(detect(nginx.imageUrl("broken"))).isEqualTo(ImageFormat.LEGACY);
      List<String> log = nginx.accessLog();
      // any other answer is asked again, up to the attempts, before falling back to legacy
      assertThat(log.subList(before, log.size())).filteredOn(l -> l.contains("/broken/oci-layout")).hasSize(3);
    }
  }

  @Test
  void locallyTheFileDecides(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("v1"));
    Files.writeString(dir.resolve("v1/oci-layout"), "{}");
    Files.createDirectories(dir.resolve("legacy"));
    assertThat(detect(dir.resolve("v1").toString())).isEqualTo(ImageFormat.V1);
    assertThat(detect(dir.resolve("legacy").toString())).isEqualTo(ImageFormat.LEGACY);
  }
}
