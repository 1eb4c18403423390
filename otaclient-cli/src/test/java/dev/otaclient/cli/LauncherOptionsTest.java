package dev.otaclient.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The JVM options users get are written in several places: the launcher (twice), the sample systemd
 * unit, the README and the AppCDS training run of the package step. They must be the same options, or
 * a device runs with settings nobody measured (docs/benchmarks.md).
 */
class LauncherOptionsTest {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

  @Test
  void everyPlaceShowsTheLaunchersDefaults() throws Exception {
    String defaults = FatJarIT.launcherDefaults();
    assertThat(defaults).startsWith("-X").contains("-XX:+UseSerialGC");
    assertThat(Files.readAllLines(REPO.resolve("otaclient")).stream().filter(l -> l.contains("OTACLIENT_JAVA_OPTS:-")))
        .hasSize(2).allSatisfy(l -> assertThat(l).contains("OTACLIENT_JAVA_OPTS:-" + defaults + "}"));
    assertThat(Files.readString(REPO.resolve("docs/otaclient.service"))).contains("/usr/bin/java " + defaults + " -jar ");
    assertThat(Files.readString(REPO.resolve("README.md")).replace("\n", " ")).contains("(`" + defaults + "`");
    assertThat(Files.readString(REPO.resolve("otaclient-cli/src/build/cds-training.sh"))).contains("\"$java\" " + defaults + " ");
  }
}
