package dev.otaclient.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.testing.RequestTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The command line refuses, before sending anything, exactly what the ECUs refuse: the shared table
 * of request entries through {@code otaclient update}. An accepted entry gets as far as connecting
 * (to a port nobody listens on); a refused one is a usage error naming the option.
 */
class RequestArgsTest {
  private static final String NOBODY = "127.0.0.1:1";

  static List<RequestTable.Row> rows() {
    return RequestTable.rows();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void updateReachesTheVerdictOfTheTable(RequestTable.Row row) {
    CliRun r = CliRun.of("update", "--ecu", row.ecuId(), "--url", row.url(), "--image-version", row.version(),
        "--cookies", row.cookies(), "--target", NOBODY);
    if (row.accepted()) {
      assertThat(r.exit()).as(r.err()).isEqualTo(1);
      assertThat(r.err()).contains("cannot reach " + NOBODY);
    } else {
      assertThat(r.exit()).as(r.err()).isEqualTo(2);
      assertThat(r.errorLines()).isEqualTo(1);
      assertThat(r.err()).containsPattern("otaclient: usage: --(ecu|url|image-version|cookies): ");
    }
  }

  @Test
  void repeatedAndBadIdsAreUsageErrors() {
    CliRun twice = CliRun.of("update", "--ecu", "main", "--ecu", "main", "--url", RequestTable.URL, "--target", NOBODY);
    assertThat(twice.exit()).isEqualTo(2);
    assertThat(twice.err()).contains("otaclient: usage: --ecu: 'main' is listed 2 times in one request");
    CliRun rollback = CliRun.of("rollback", "--ecu", "a\u0085b", "--target", NOBODY);
    assertThat(rollback.exit()).isEqualTo(2);
    assertThat(rollback.err()).contains("otaclient: usage: --ecu: ecu id contains the control character U+0085");
    assertThat(CliRun.of("rollback", "--ecu", "main", "--ecu", "main", "--target", NOBODY).exit()).isEqualTo(2);
    assertThat(CliRun.of("rollback", "--ecu", "main", "--target", NOBODY).err()).contains("cannot reach " + NOBODY);
  }

  @Test
  void applyChecksTheRequestBeforeOpeningTheDevice(@TempDir Path w) {
    Path state = w.resolve("state");
    CliRun scheme = CliRun.of("apply", "--url", "ftp://h/v2/", "--state-dir", state.toString(), "--certs", w.toString());
    assertThat(scheme.exit()).isEqualTo(2);
    assertThat(scheme.err()).contains("otaclient: usage: --url: image location ftp://h/v2/ has unsupported scheme 'ftp'");
    CliRun version = CliRun.of("apply", "--url", w.toString(), "--image-version", "2\u007f", "--state-dir", state.toString());
    assertThat(version.exit()).isEqualTo(2);
    assertThat(version.err()).contains("otaclient: usage: --image-version: version contains the control character U+007F");
    CliRun cookies = CliRun.of("apply", "--url", w.toString(), "--cookies", "[]", "--state-dir", state.toString());
    assertThat(cookies.exit()).isEqualTo(2);
    assertThat(cookies.err()).contains("otaclient: usage: --cookies: cookies must be a JSON object");
    CliRun id = CliRun.of("apply", "--url", w.toString(), "--ecu-id", "", "--state-dir", state.toString());
    assertThat(id.exit()).isEqualTo(2);
    assertThat(id.err()).contains("otaclient: usage: --ecu-id: ecu id is empty");
    assertThat(Files.exists(state)).as("nothing opened").isFalse();
  }

  @Test
  void theDefaultVersionIsTheLastElementOfTheLocation() {
    CliRun r = CliRun.of("update", "--ecu", "main", "--url", "http://h/", "--target", NOBODY);
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("otaclient: usage: --image-version: required, http://h/ has no path element");
  }

  @Test
  void cookiesFromAFile(@TempDir Path w) throws Exception {
    Path file = Files.writeString(w.resolve("cookies.json"), "{\"session\":\"abc\"}\n");
    CliRun r = CliRun.of("update", "--ecu", "main", "--url", RequestTable.URL, "--cookies", "@" + file, "--target", NOBODY);
    assertThat(r.err()).contains("cannot reach " + NOBODY);
    Files.writeString(file, "{\"session\":");
    CliRun bad = CliRun.of("update", "--ecu", "main", "--url", RequestTable.URL, "--cookies", "@" + file, "--target", NOBODY);
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains("otaclient: usage: --cookies: cookies are not valid JSON");
  }
}
