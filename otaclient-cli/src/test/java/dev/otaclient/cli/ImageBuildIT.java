package dev.otaclient.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.testing.SampleRootfs;
import dev.otaclient.testing.SignedImageFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code image build} through the fat jar: TIER IV's persistents.txt, and signing material made with the documented recipe. */
class ImageBuildIT {
  @TempDir static Path w;
  static SignedImageFixture images;
  static Path rootfs;

  @BeforeAll
  static void fixture() {
    images = SignedImageFixture.create("build", w);
    rootfs = SampleRootfs.create(w.resolve("rootfs"));
  }

  @Test
  void persistentsAcceptTierIvQuotedLinesAndPlainPaths() throws IOException {
    Path list = Files.writeString(w.resolve("persistents.txt"),
        "# carried over\n'/etc/hosts'\n'/etc/it'\\''s'\n/etc/hostname\n\n", StandardCharsets.UTF_8);
    Path out = w.resolve("with-persistents");
    JarRun b = JarRun.of("image", "build", "--rootfs", rootfs.toString(), "--out", out.toString(),
        "--sign-key", images.key().toString(), "--cert", images.cert().toString(), "--certs", images.cas().toString(),
        "--persistents", list.toString());
    assertThat(b.exit()).as(b.toString()).isZero();
    assertThat(b.out()).contains("verified: signature, certificate chain and list hashes");
    assertThat(b.err()).isEmpty();
    assertThat(Files.readAllLines(out.resolve("persistents.txt")))
        .containsExactly("'/etc/hosts'", "'/etc/it'\\''s'", "'/etc/hostname'");
  }

  @Test
  void theDocumentedOpensslRecipeMakesATrustStoreAndAKeyThatSign() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl not installed");
    String doc = Files.readString(Path.of("..", "docs", "signing.md"));
    String block = doc.substring(doc.indexOf("<!-- recipe:start -->"), doc.indexOf("<!-- recipe:end -->"));
    String script = block.substring(block.indexOf("```sh\n") + 6, block.lastIndexOf("```"));
    Path dir = Files.createDirectories(w.resolve("recipe"));
    Process p = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script).directory(dir.toFile())
        .redirectErrorStream(true).redirectOutput(dir.resolve("openssl.log").toFile()).start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(dir.resolve("openssl.log"))).isZero();

    Path out = w.resolve("recipe-image");
    JarRun b = JarRun.of("image", "build", "--rootfs", rootfs.toString(), "--out", out.toString(),
        "--sign-key", dir.resolve("sign.key").toString(), "--cert", dir.resolve("sign.pem").toString(),
        "--certs", dir.resolve("certs").toString());
    assertThat(b.exit()).as(b.toString()).isZero();
    JarRun v = JarRun.of("image", "verify", "--certs", dir.resolve("certs").toString(), out.toString());
    assertThat(v.exit()).as(v.toString()).isZero();
    // the recipe's signing key with another certificate is refused before anything is written
    JarRun wrong = JarRun.of("image", "build", "--rootfs", rootfs.toString(), "--out", w.resolve("never").toString(),
        "--sign-key", dir.resolve("sign.key").toString(), "--cert", images.cert().toString());
    assertThat(wrong.exit()).isEqualTo(2);
    assertThat(wrong.err()).startsWith("otaclient: usage: --sign-key ").contains("does not belong to --cert");
    assertThat(w.resolve("never")).doesNotExist();
  }
}
