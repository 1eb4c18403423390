package dev.otaclient.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.testing.Await;
import dev.otaclient.testing.ReservedPort;
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

  @Test
  void serveAnswersStatusHoldsItsLockAndStopsOnSigterm() throws Exception {
    Path dir = Files.createTempDirectory("fatjar-serve");
    Files.writeString(dir.resolve("ecu_info.yaml"), "ecu_id: \"ecu1\"\nip_addr: \"127.0.0.1\"\n");
    Files.writeString(dir.resolve("proxy_info.yaml"), "enable_local_ota_proxy: false\n");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // the daemon's port is held until it listens there: nobody else can take it in between
    try (ReservedPort port = ReservedPort.reserve()) {
      List<String> serve = List.of(java, "-jar", JAR.toString(), "serve", "--config-dir", dir.toString(),
          "--certs", dir.resolve("certs").toString(), "--state-dir", dir.resolve("state").toString(),
          "--port", String.valueOf(port.port()), "--proxy-cache-dir", dir.resolve("cache").toString());
      Process daemon = new ProcessBuilder(serve).redirectErrorStream(true)
          .redirectOutput(dir.resolve("serve.log").toFile()).start();
      try {
        // the daemon says when it serves
        Await.until("the daemon to serve (" + dir.resolve("serve.log") + ")",
            () -> !daemon.isAlive() || read(dir.resolve("serve.log")).contains("serving OtaClientService on " + port.hostPort()));
        assertThat(daemon.isAlive()).as(read(dir.resolve("serve.log"))).isTrue();
        String status = run(List.of("status", "--target", port.hostPort(), "--json"), 0, 60);
        assertThat(status).contains("\"ecu_id\" : \"ecu1\"").contains("\"status\" : \"INITIALIZED\"");

        // a second daemon on the same state directory refuses to start
        String second = run(List.of("serve", "--config-dir", dir.toString(), "--certs", dir.resolve("certs").toString(),
            "--state-dir", dir.resolve("state").toString(), "--port", "0"), 1, 60);
        assertThat(second).contains("another otaclient daemon holds");
      } finally {
        daemon.destroy(); // SIGTERM
        assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).as("daemon stops on SIGTERM").isTrue();
      }
    }
  }

  private static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p) : "";
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
