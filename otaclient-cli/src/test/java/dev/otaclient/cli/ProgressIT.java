package dev.otaclient.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.testing.Nginx;
import dev.otaclient.testing.SignedImageFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Progress without a terminal, through the fat jar: {@code apply} prints a line every
 * {@code --progress-every} seconds, by bytes, and the downloaded figure grows while one large file is
 * still downloading (nginx sends it slowly), not only when a file completes.
 */
class ProgressIT {
  private static final Pattern LINE = Pattern.compile(
      "^autoware: (\\w+) \\S+ \\S+/\\S+ \\S+ \\((\\d+) %\\), (\\d+)/(\\d+) files, downloaded ([\\d.]+) (B|KiB|MiB)");

  @TempDir Path w;

  @Test
  void applyPrintsMovingProgressLinesWhileOneFileDownloads() throws IOException {
    assumeTrue(Nginx.available(), "nginx not installed");
    SignedImageFixture images = SignedImageFixture.create("progress", w);
    Path rootfs = Files.createDirectories(w.resolve("rootfs/var/lib"));
    byte[] big = new byte[6 << 20];
    new Random(7).nextBytes(big); // incompressible: no zstd blob, the plain file is downloaded
    Files.write(rootfs.resolve("big.bin"), big);
    Path image = w.resolve("www/slow");
    JarRun b = JarRun.of("image", "build", "--rootfs", w.resolve("rootfs").toString(), "--out", image.toString(),
        "--sign-key", images.key().toString(), "--cert", images.cert().toString());
    assertThat(b.exit()).as(b.toString()).isZero();

    // about 4 s for the one large file
    try (Nginx nginx = Nginx.on(w.resolve("www")).http("limit_rate 1500k;").start()) {
      JarRun a = JarRun.of("apply", "--url", nginx.imageUrl("slow"), "--certs", images.cas().toString(),
          "--state-dir", w.resolve("state").toString(), "--progress-every", "1");
      assertThat(a.exit()).as(a.toString()).isZero();
      List<Matcher> lines = a.errLines().stream().map(LINE::matcher).filter(Matcher::find).toList();
      assertThat(lines).as(a.toString()).hasSizeGreaterThanOrEqualTo(2);
      // while the big file is still downloading (no file of REGULAR done yet), the downloaded bytes grow
      List<Double> duringTheBigFile = lines.stream()
          .filter(m -> m.group(1).equals("REGULAR") && m.group(3).equals("0"))
          .map(m -> Double.parseDouble(m.group(5)) * unit(m.group(6))).toList();
      assertThat(duringTheBigFile).as(a.toString()).hasSizeGreaterThanOrEqualTo(2);
      assertThat(duringTheBigFile.get(duringTheBigFile.size() - 1)).as(a.toString()).isGreaterThan(duringTheBigFile.get(0));
      assertThat(a.err()).as(a.toString()).contains("/s");
    }
  }

  private static double unit(String u) {
    return switch (u) {
      case "KiB" -> 1024;
      case "MiB" -> 1024 * 1024;
      default -> 1;
    };
  }
}
