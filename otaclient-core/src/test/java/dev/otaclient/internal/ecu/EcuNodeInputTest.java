package dev.otaclient.internal.ecu;

import static dev.otaclient.error.FailureType.NO_FAILURE;
import static dev.otaclient.error.FailureType.RECOVERABLE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.testing.RequestTable;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The input checks of the update request: every rule refuses the entry and starts nothing. */
class EcuNodeInputTest {
  private static final String URL = "http://10.0.0.1:8080/";
  private EcuTree tree;

  @BeforeEach
  void singleEcu() {
    tree = new EcuTree(EcuTree.SETTINGS, new InMemoryWiring()).ecu("main").startAll();
  }

  @AfterEach
  void close() {
    tree.close();
  }

  static Stream<Arguments> invalidOwnEntries() {
    return Stream.of(
        Arguments.of("url not http", new UpdateRequestEcu("main", "v2", "ftp://10.0.0.1/", "{}"), "scheme 'ftp'"),
        Arguments.of("url file scheme", new UpdateRequestEcu("main", "v2", "file:///etc/", "{}"), "file"),
        Arguments.of("url relative", new UpdateRequestEcu("main", "v2", "/ota/image/", "{}"), "/ota/image/"),
        Arguments.of("url without host", new UpdateRequestEcu("main", "v2", "http:///image/", "{}"), "host"),
        Arguments.of("url not parseable", new UpdateRequestEcu("main", "v2", "http://a b/", "{}"), "http://a b/"),
        Arguments.of("url empty", new UpdateRequestEcu("main", "v2", "", "{}"), "empty"),
        Arguments.of("url too long", new UpdateRequestEcu("main", "v2", URL + "x".repeat(8 * 1024), "{}"), "8192"),
        Arguments.of("cookies not JSON", new UpdateRequestEcu("main", "v2", URL, "a=b"), "cookies"),
        Arguments.of("cookies a JSON array", new UpdateRequestEcu("main", "v2", URL, "[]"), "cookies"),
        Arguments.of("cookies empty", new UpdateRequestEcu("main", "v2", URL, ""), "cookies"),
        Arguments.of("version too long", new UpdateRequestEcu("main", "v".repeat(257), URL, "{}"), "version is 257"),
        Arguments.of("version with newline", new UpdateRequestEcu("main", "v2\nx", URL, "{}"), "U+000A"),
        Arguments.of("release name with newline", new UpdateRequestEcu("main", "v2", URL, "{}", "r\n1", "", ""),
            "release_name contains the control character U+000A"),
        Arguments.of("image id too long", new UpdateRequestEcu("main", "v2", URL, "{}", "", "", "i".repeat(257)),
            "image_id is 257 characters"));
  }

  /** Every refusal says why, naming the field at fault. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidOwnEntries")
  void invalidOwnEntryIsRecoverableWithItsReasonAndStartsNothing(String name, UpdateRequestEcu bad, String why) {
    List<EcuResult> answer = tree.node("main").update(List.of(bad));
    assertThat(answer).hasSize(1);
    assertThat(answer.get(0).ecuId()).isEqualTo("main");
    assertThat(answer.get(0).result()).isEqualTo(RECOVERABLE);
    assertThat(answer.get(0).message()).containsIgnoringCase(why);
    assertThat(tree.local("main").updatesStarted).isEmpty();
  }

  @Test
  void aBadRequestIdRefusesEveryEntryAndStartsNothing() {
    List<EcuResult> answer = tree.node("main").update(EcuRequest.of(
        List.of(new UpdateRequestEcu("main", "v2", URL, "{}")), "id\u0000"));
    assertThat(answer).containsExactly(
        new EcuResult("main", RECOVERABLE, "request_id contains the control character U+0000 at position 2"));
    assertThat(tree.local("main").updatesStarted).isEmpty();
  }

  static List<RequestTable.Row> table() {
    return RequestTable.rows();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void theTreeReachesTheVerdictOfTheTable(RequestTable.Row row) {
    // as relayed by a parent: the table judges content; a direct caller also learns of unknown ids
    List<EcuResult> answer = tree.node("main").update(
        new EcuRequest<>(RequestTable.request(row), "", Optional.empty(), false));
    assertThat(RequestTable.acceptedBy(row, answer)).as(answer.toString()).isEqualTo(row.accepted());
  }

  @Test
  void validEntryAtTheLimitsIsAccepted() {
    // the baseline of the cases above: at each limit, the same entry is accepted
    UpdateRequestEcu ok = new UpdateRequestEcu("main", "v".repeat(256),
        "https://10.0.0.1/" + "x".repeat(8 * 1024 - 17), "{\"a\":\"1\"}");
    assertThat(ok.url()).hasSize(8 * 1024);
    assertThat(tree.node("main").update(List.of(ok))).containsExactly(new EcuResult("main", NO_FAILURE));
    assertThat(tree.local("main").updatesStarted).containsExactly(ok);
  }

  @Test
  void duplicateIdsAreRefused() {
    UpdateRequestEcu e = new UpdateRequestEcu("main", "v2", URL, "{}");
    assertThat(tree.node("main").update(List.of(e, e)))
        .containsExactly(new EcuResult("main", RECOVERABLE, "'main' is listed 2 times in one request"));
    assertThat(tree.local("main").updatesStarted).isEmpty();
  }

  @Test
  void unusableIdsAreAnsweredWithoutStoppingValidEntries() {
    String longId = "x".repeat(129);
    List<EcuResult> result = tree.node("main").update(List.of(
        new UpdateRequestEcu("", "v2", URL, "{}"),
        new UpdateRequestEcu(longId, "v2", URL, "{}"),
        new UpdateRequestEcu("a\u0000b", "v2", URL, "{}"),
        new UpdateRequestEcu("main", "v2", URL, "{}")));
    assertThat(result).containsExactly(new EcuResult("", RECOVERABLE, "ecu id is empty"),
        new EcuResult(longId, RECOVERABLE, "ecu id is 129 characters, more than 128"),
        new EcuResult("a\u0000b", RECOVERABLE, "ecu id contains the control character U+0000 at position 1"),
        new EcuResult("main", NO_FAILURE));
    assertThat(tree.local("main").updatesStarted).hasSize(1);
  }

  @Test
  void badIdAnsweredByAChildIsNotRepeated() {
    // main forwards the request to A, which answers for the empty id too; main answers it only once.
    try (EcuTree t = new EcuTree(EcuTree.SETTINGS, new InMemoryWiring()).ecu("A").ecu("main", "A").startAll()) {
      List<EcuResult> result = t.node("main").update(List.of(new UpdateRequestEcu("", "v2", URL, "{}"),
          new UpdateRequestEcu("A", "v2", URL, "{}")));
      assertThat(result).containsExactly(new EcuResult("A", NO_FAILURE), new EcuResult("", RECOVERABLE, "ecu id is empty"));
    }
  }

  @Test
  void nullFieldsAreTreatedAsEmpty() {
    List<EcuResult> answer = tree.node("main").update(List.of(new UpdateRequestEcu("main", null, URL, null)));
    assertThat(answer).extracting(EcuResult::ecuId, EcuResult::result).containsExactly(
        org.assertj.core.groups.Tuple.tuple("main", RECOVERABLE));
    assertThat(answer.get(0).message()).contains("cookies");
    assertThat(tree.local("main").updatesStarted).isEmpty();
  }
}
