package dev.otaclient.internal.update;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.internal.ecu.EcuInfo;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.OtaException;
import dev.otaclient.testing.RequestTable;
import dev.otaclient.internal.update.RequestRules.Field;
import dev.otaclient.internal.update.RequestRules.Problem;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class RequestRulesTest {
  static List<RequestTable.Row> rows() {
    return RequestTable.rows();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void verdictOfTheTable(RequestTable.Row row) {
    Optional<Problem> problem = RequestRules.ecuId(row.ecuId())
        .or(() -> RequestRules.remoteEntry(row.version(), row.url(), row.cookies()));
    assertThat(problem).as(problem.map(Problem::detail).orElse("accepted")).matches(p -> p.isEmpty() == row.accepted());
  }

  /**
   * A control character is one of {@link Character#isISOControl}, and every place that refuses them
   * agrees: ECU ids in requests and in ecu_info.yaml, versions, image locations, the local request.
   */
  @ParameterizedTest(name = "U+{0}")
  @ValueSource(ints = {0x00, 0x09, 0x0a, 0x1f, 0x20, 0x7e, 0x7f, 0x80, 0x85, 0x9f, 0xa0, 0xe9, 0x2028, 0x2029, 0xfeff})
  void controlCharactersAreDecidedTheSameWayEverywhere(int codePoint) {
    String c = Character.toString(codePoint);
    boolean control = Character.isISOControl(codePoint);
    assertThat(RequestRules.ecuId("a" + c + "b").isPresent()).as("request ecu id").isEqualTo(control);
    assertThat(RequestRules.version("2" + c + "0").isPresent()).as("version").isEqualTo(control);
    assertThat(RequestRules.image("/srv/image" + c + "2").isPresent()).as("local image").isEqualTo(control);
    assertThat(refuses(() -> new UpdateRequest("2" + c + "0", "/srv/image", dev.otaclient.internal.fetch.Cookies.none())))
        .as("UpdateRequest version").isEqualTo(control);
    assertThat(refuses(() -> UpdateRequest.of("2.0", "/srv/image" + c + "2", "{}")))
        .as("UpdateRequest image").isEqualTo(control);
    String yaml = "ecu_id: \"a\\u" + String.format("%04x", codePoint) + "b\"\nip_addr: \"127.0.0.1\"\n";
    assertThat(refuses(() -> EcuInfo.parse(yaml, "ecu_info.yaml"))).as("ecu_info.yaml ecu_id").isEqualTo(control);
  }

  private static boolean refuses(Supplier<?> parse) {
    try {
      parse.get();
      return false;
    } catch (OtaException e) {
      return true;
    }
  }

  @Test
  void problemsNameTheirFieldAndBecomeInvalidRequestErrors() {
    assertThat(RequestRules.remoteEntry("v".repeat(257), "ftp://h/", "x")).get()
        .satisfies(p -> assertThat(p.field()).isEqualTo(Field.VERSION))
        .satisfies(p -> assertThat(p.detail()).isEqualTo("version is 257 characters, more than 256"));
    assertThat(RequestRules.remoteEntry("1", "ftp://h/", "x").map(Problem::field)).contains(Field.IMAGE);
    assertThat(RequestRules.remoteEntry("1", "http://h/", "x").map(Problem::field)).contains(Field.COOKIES);
    assertThat(RequestRules.localEntry("1", "/srv/image", "{}")).isEmpty();
    assertThat(RequestRules.remoteImage("/srv/image")).get()
        .satisfies(p -> assertThat(p.detail()).contains("must be an http or https URL"));
    assertThat(RequestRules.version("1\u0085")).get()
        .satisfies(p -> assertThat(p.detail()).isEqualTo("version contains the control character U+0085 at position 1"));
    assertThatThrownBy(() -> RequestRules.require(RequestRules.ecuId("")))
        .isInstanceOfSatisfying(OtaException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_UPDATE_REQUEST))
        .hasMessageContaining("ecu id is empty");
  }

  @Test
  void anIdMayBeListedOnce() {
    assertThat(RequestRules.repeatedIds(List.of("a", "b", "a", "c", "a", "b")))
        .containsOnlyKeys("a", "b")
        .hasEntrySatisfying("a", p -> assertThat(p.detail()).isEqualTo("'a' is listed 3 times in one request"));
    assertThat(RequestRules.repeatedIds(List.of("a", "b"))).isEmpty();
  }
}
