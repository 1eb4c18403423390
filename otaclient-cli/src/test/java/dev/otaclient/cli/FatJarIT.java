package dev.otaclient.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The packaged fat jar run as a user runs it: a separate process (after `package`, by failsafe). */
class FatJarIT {
  static final Path JAR = Path.of("target", "otaclient.jar");

  static String run(List<String> args, int expectedExit, int timeoutSeconds) throws Exception {
    assertThat(JAR).exists();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new java.util.ArrayList<>(List.of(java, "-jar", JAR.toString()));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(timeoutSeconds, TimeUnit.SECONDS)).as(out).isTrue();
    assertThat(p.exitValue()).as(out).isEqualTo(expectedExit);
    return out;
  }

  @Test
  void helpLists() throws Exception {
    assertThat(run(List.of("--help"), 0, 30)).contains("demo", "apply", "serve");
  }

  @Test
  void demoRunsTheWholeUpdateAndLeavesNothingBehind() throws Exception {
    Path work = Files.createTempDirectory("fatjar-demo");
    String out = run(List.of("demo", "--workdir", work.toString()), 0, 120);
    assertThat(out).contains("demo succeeded: both ECUs run version 2.0");
    assertThat(out).containsPattern("main +SUCCESS +2\\.0");
    assertThat(out).containsPattern("sub +SUCCESS +2\\.0");
  }
}
