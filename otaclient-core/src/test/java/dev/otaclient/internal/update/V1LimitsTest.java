package dev.otaclient.internal.update;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fetch.Cookies;
import dev.otaclient.internal.image.ImageLocation;
import dev.otaclient.internal.image.ImageSource;
import dev.otaclient.internal.image.ImageSources;
import dev.otaclient.internal.image.TrustPolicy;
import dev.otaclient.internal.image.v1.V1Image;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.SpecImage;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A signed file table of ten million rows is refused before a single row is planned, with the
 * launcher's heap cap (-Xmx160m): the rows are counted in SQLite, never held.
 */
class V1LimitsTest {
  static final long HEAP_CAP = 160L * 1024 * 1024;

  @Test
  void aTableOfTenMillionRowsIsRefusedBeforePlanning(@TempDir Path tmp) throws Exception {
    SignedImageFixture f = SignedImageFixture.create("limits", tmp.resolve("f"));
    SpecImage s = new SpecImage();
    s.fileTableHook = c -> c.createStatement().execute("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n "
        + "WHERE x < 10000000) INSERT INTO ft_regular SELECT printf('/bulk/f%08d', x), 4, 1 FROM n");
    Path dir = tmp.resolve("image");
    s.write(dir, f.ca());
    try (ImageSource source = ImageSources.open(ImageLocation.parse(dir.toString()), Cookies.none());
         V1Image image = V1Image.open(source, f.caStore(), TrustPolicy.REQUIRE_CA, Clock.systemUTC(), "main", "dev",
             tmp.resolve("work"))) {
      V1Payload p = new V1Payload(image, source);
      assertThatThrownBy(() -> p.checkPlanFits(HEAP_CAP)).isInstanceOf(OtaException.class)
          .hasMessageContaining("10000013 entries").hasMessageContaining("heap of 160 MiB");
      // the real payload, a few entries, fits the same cap
      assertThat(image.fileTable().count("ft_dir")).isEqualTo(3);
    }
  }
}
