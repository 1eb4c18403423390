package dev.otaclient.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.internal.image.build.ImageBuilder;
import dev.otaclient.internal.image.sign.TestCa;
import dev.otaclient.testing.SampleRootfs;
import dev.otaclient.testing.TreeSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/embedding.md's example, taken from the document as it is, compiled against the library and
 * run in a JVM of its own on a signed image: the documentation cannot drift from the API.
 */
class EmbeddingExampleTest {
  private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

  @Test
  @Timeout(180)
  void theDocumentedExampleCompilesAndInstallsAnImage(@TempDir Path tmp) throws Exception {
    Path doc = locateDocs().resolve("embedding.md");
    Matcher m = JAVA_BLOCK.matcher(Files.readString(doc));
    assertThat(m.find()).as("a java block in " + doc).isTrue();
    Path src = Files.createDirectories(tmp.resolve("src"));
    Files.writeString(src.resolve("EmbeddedUpdate.java"), m.group(1));

    String cp = System.getProperty("java.class.path");
    Path classes = Files.createDirectories(tmp.resolve("classes"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int rc = javac.run(null, diagnostics, diagnostics, "-d", classes.toString(), "-cp", cp,
        src.resolve("EmbeddedUpdate.java").toString());
    assertThat(rc).as(diagnostics.toString(StandardCharsets.UTF_8)).isZero();

    TestCa ca = TestCa.create("embedding", Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(1)));
    Path certs = tmp.resolve("certs");
    ca.installInto(certs, "1");
    Path cert = tmp.resolve("sign.pem");
    ca.writeSigningMaterial(tmp.resolve("sign.key"), cert);
    Path rootfs = SampleRootfs.create(tmp.resolve("rootfs"));
    Path image = tmp.resolve("image");
    ImageBuilder.fromRootfs(rootfs).outputDir(image).signWith(ca.signingKey(), cert).compress(true).build();
    Path state = tmp.resolve("state");

    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", classes + File.pathSeparator + cp, "EmbeddedUpdate",
        image.toString(), certs.toString(), state.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("before: INITIALIZED", "phase REGULAR", "after: SUCCESS 2.0");
    assertThat(out).containsPattern("files \\d+/\\d+");

    // the example's device now runs the image: the active slot is the image's rootfs
    Path active = state.resolve("active").toRealPath();
    assertThat(active.getFileName().toString()).isEqualTo(DirectorySlotController.SLOT_B);
    assertThat(TreeSnapshot.of(active, List.of("/opt/ota"))).isEqualTo(TreeSnapshot.of(rootfs));
  }

  private static Path locateDocs() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve("docs/embedding.md"))) {
        return d.resolve("docs");
      }
    }
    throw new IllegalStateException("docs/embedding.md not found above " + Path.of("").toAbsolutePath());
  }
}
