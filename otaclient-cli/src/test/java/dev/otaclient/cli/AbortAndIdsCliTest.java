package dev.otaclient.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.error.FailureType;
import dev.otaclient.grpc.EcuDaemon;
import dev.otaclient.internal.ecu.EcuInfo;
import dev.otaclient.internal.ecu.EcuNodeSettings;
import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.internal.update.ClientVersion;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code otaclient abort}, the reasons ECUs give, ids no ECU has, and the v2 view of {@code status},
 * against a real daemon.
 */
class AbortAndIdsCliTest {
  @TempDir static Path w;
  static EcuDaemon daemon;
  static String target;

  @BeforeAll
  static void start() throws Exception {
    EcuInfo main = new EcuInfo(1, "main", "127.0.0.1", List.of(), List.of("main"));
    daemon = EcuDaemon.start(EcuDaemon.Config.of(main, Files.createDirectories(w.resolve("certs")), w.resolve("state"))
        .withNodeSettings(new EcuNodeSettings(Duration.ofSeconds(6), Duration.ofMillis(200), Duration.ofSeconds(1),
            Duration.ofSeconds(2), Duration.ofMinutes(1))));
    target = "127.0.0.1:" + daemon.port();
  }

  @AfterAll
  static void stop() {
    daemon.close();
  }

  @Test
  void abortIsACommandAndItsRefusalIsOneLineWithTheReason() {
    assertThat(CliRun.of("--help").out()).contains("abort");
    assertThat(CliRun.of("abort", "--help").exit()).isZero();

    CliRun r = CliRun.of("abort", "--ecu", "main", "--target", target);
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).contains("main         RECOVERABLE: cannot abort: no update is running");
    assertThat(r.errorLines()).isEqualTo(1);
    assertThat(r.err()).contains("otaclient: rejected: abort refused by main: cannot abort: no update is running");

    CliRun json = CliRun.of("abort", "--ecu", "main", "--target", target, "--json");
    assertThat(json.exit()).isEqualTo(1);
    assertThat(json.out()).contains("\"message\" : \"cannot abort: no update is running\"");
  }

  @Test
  void naming_an_ecu_that_is_not_in_the_tree_fails_with_a_line_that_says_so() {
    for (List<String> cmd : List.of(
        List.of("rollback", "--ecu", "nosuch", "--target", target),
        List.of("abort", "--ecu", "nosuch", "--target", target),
        List.of("update", "--ecu", "nosuch", "--url", "http://127.0.0.1:9/img/", "--image-version", "1", "--target",
            target))) {
      CliRun r = CliRun.of(cmd.toArray(String[]::new));
      assertThat(r.exit()).as(cmd.toString()).isEqualTo(1);
      assertThat(r.errorLines()).as(cmd + ": " + r.err()).isEqualTo(1);
      assertThat(r.err()).contains("nosuch").contains("no ECU 'nosuch' in this vehicle; known ECUs: main");
    }
  }

  @Test
  void aMainThatLeavesAnUnknownIdOutOfItsAnswerIsReportedToo() {
    // what a Python main ECU does: no entry at all for an id it does not know
    assertThat(RequestAnswers.problems("rollback", List.of("main", "ghost"),
        List.of(new EcuResult("main", FailureType.NO_FAILURE)), Target.parse("10.0.0.1:50051")))
        .containsExactly("no answer for ECU 'ghost' from 10.0.0.1:50051: it is in no ECU's tree");
  }

  @Test
  void statusShowsTheV2View() {
    CliRun table = CliRun.of("status", "--target", target);
    assertThat(table.exit()).isZero();
    assertThat(table.out().lines().findFirst().orElseThrow()).contains("STATUS", "CLIENT", "PHASE", "DOWNLOADED");
    assertThat(table.out()).contains("main").contains("INITIALIZED").contains(ClientVersion.current());

    CliRun json = CliRun.of("status", "--target", target, "--json");
    assertThat(json.exit()).isZero();
    assertThat(json.out()).contains("\"ecu_v2\"").contains("\"ota_status\" : \"INITIALIZED\"")
        .contains("\"otaclient_version\" : \"" + ClientVersion.current() + "\"")
        .contains("\"ecu\"");
  }
}
