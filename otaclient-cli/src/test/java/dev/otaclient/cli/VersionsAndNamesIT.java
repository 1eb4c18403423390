package dev.otaclient.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.testing.SignedImageFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Item 6 of issue 18 through the fat jar: the program's version, image versions, ECU ids, the slot view. */
class VersionsAndNamesIT {
  @TempDir static Path w;
  static SignedImageFixture images;
  static Path v1;

  @BeforeAll
  static void images() {
    images = SignedImageFixture.create("names", w);
    v1 = images.sampleV1("v1");
  }

  @Test
  void versionNamesTheProjectVersionAndTheCommit() throws Exception {
    JarRun r = JarRun.of("--version");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).as(r.toString()).matches("(?s)otaclient \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(commit [0-9a-g-]+(-dirty)?\\).*");
    Process git = new ProcessBuilder("git", "rev-parse", "--short=7", "HEAD").redirectErrorStream(true).start();
    String head = new String(git.getInputStream().readAllBytes()).strip();
    if (git.waitFor() == 0) {
      assertThat(r.out()).contains(head);
    }
  }

  @Test
  void anArchiveNamesTheVersionWithoutItsExtension() throws IOException {
    Path archive = ImageArchive.pack(v1, w.resolve("image-2.0.tar.zst"));
    Path state = w.resolve("archive-state");
    JarRun a = JarRun.of("apply", "--url", archive.toString(), "--certs", images.cas().toString(),
        "--state-dir", state.toString(), "--ecu-id", "e7");
    assertThat(a.exit()).as(a.toString()).isZero();
    assertThat(a.err()).as(a.toString()).isEmpty();
    JarRun s = JarRun.of("status", "--state-dir", state.toString(), "--ecu-id", "e7", "--json");
    assertThat(s.out()).as(s.toString()).contains("\"ecu_id\" : \"e7\"").contains("\"version\" : \"image-2.0\"");
  }

  @Test
  void theImageVersionOptionAndItsOldSpelling() {
    Path state = w.resolve("spelling-state");
    JarRun a = JarRun.of("apply", "--url", v1.toString(), "--certs", images.cas().toString(),
        "--state-dir", state.toString(), "--image-version", "1.0");
    assertThat(a.exit()).as(a.toString()).isZero();
    JarRun old = JarRun.of("apply", "--url", v1.toString(), "--certs", images.cas().toString(),
        "--state-dir", state.toString(), "--version", "1.1");
    assertThat(old.exit()).as(old.toString()).isZero();
    assertThat(old.err()).contains("--version on update and apply is deprecated, use --image-version");
    JarRun help = JarRun.of("apply", "--help");
    assertThat(help.out()).contains("--image-version").doesNotContain("--version");
  }

  @Test
  void statusOfAStateDirNamesTheConfiguredEcuAndShowsBothSlots() throws IOException {
    Path cfg = Files.createDirectories(w.resolve("cfg"));
    Files.writeString(cfg.resolve("ecu_info.yaml"), "ecu_id: \"body-ecu\"\n");
    Path state = w.resolve("slots-state");
    JarRun a = JarRun.of("apply", "--url", v1.toString(), "--certs", images.cas().toString(),
        "--state-dir", state.toString(), "--config-dir", cfg.toString(), "--image-version", "1.0");
    assertThat(a.exit()).as(a.toString()).isZero();
    assertThat(a.out()).contains("body-ecu");
    JarRun fails = JarRun.of("apply", "--url", w.resolve("nothing").toString(), "--certs", images.cas().toString(),
        "--state-dir", state.toString(), "--config-dir", cfg.toString(), "--image-version", "2.0");
    assertThat(fails.exit()).isNotZero();

    JarRun s = JarRun.of("status", "--state-dir", state.toString(), "--config-dir", cfg.toString(), "--json");
    assertThat(s.exit()).as(s.toString()).isZero();
    assertThat(s.out()).contains("\"ecu_id\" : \"body-ecu\"")
        .containsPattern("\"slot\" : \"slot_b\",\\s*\"booted\" : true,\\s*\"boots_next\" : true,\\s*\"status\" : \"\\w+\",\\s*\"version\" : \"1.0\"")
        .containsPattern("\"slot\" : \"slot_a\",\\s*\"booted\" : false")
        .containsPattern("\"last_changed\" : \"20\\d\\d-");
    JarRun text = JarRun.of("status", "--state-dir", state.toString(), "--ecu-id", "given");
    assertThat(text.out()).as(text.toString()).contains("given").containsPattern("slot_b +yes +yes +\\w+ +1\\.0");
    assertThat(text.err()).isEmpty();
  }
}
