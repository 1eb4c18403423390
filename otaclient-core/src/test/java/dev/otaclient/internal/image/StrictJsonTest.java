package dev.otaclient.internal.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class StrictJsonTest {
  /** What the readers used before: a mapper's tree, for documents that both accept. */
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  void buildsTheSameTreeAsAMapper() throws Exception {
    for (String doc : List.of(
        "[{\"version\": 1}, {\"directory\": \"dirs.txt\", \"hash\": \"ab\"}, {\"total_regular_size\": \"123\"}]",
        "{\"a\": [1, -2, 3000000000, 123456789012345678901234567890, 1.5, -0.0, 1e300], \"b\": {\"c\": null}}",
        "{\"t\": true, \"f\": false, \"s\": \"\\u00e9\\n\\\"q\\\"\", \"e\": {}, \"l\": []}",
        "  \"just a string\"  ", "42", "null")) {
      JsonNode ours = StrictJson.read(doc.getBytes(StandardCharsets.UTF_8));
      assertThat(ours).as(doc).isEqualTo(MAPPER.readTree(doc));
      assertThat(StrictJson.read(doc)).as(doc).isEqualTo(ours);
      // number node types as a mapper makes them: int, long, big integer, double
      assertThat(ours.toString()).as(doc).isEqualTo(MAPPER.readTree(doc).toString());
    }
  }

  @Test
  void nothingButWhitespaceIsNull() throws Exception {
    assertThat(StrictJson.read(new byte[0])).isNull();
    assertThat(StrictJson.read(" \n\t ")).isNull();
  }

  @Test
  void aKeyTwiceInOneObjectIsRefused() {
    assertThatThrownBy(() -> StrictJson.read("{\"regular\": \"a\", \"regular\": \"b\"}"))
        .isInstanceOf(JsonProcessingException.class).hasMessageContaining("Duplicate field 'regular'");
    assertThatThrownBy(() -> StrictJson.read("[{\"x\": {\"k\": 1, \"k\": 1}}]"))
        .isInstanceOf(JsonProcessingException.class).hasMessageContaining("Duplicate field 'k'");
  }

  @Test
  void anythingAfterTheValueIsRefused() {
    for (String doc : List.of("{} {}", "[1] 2", "{\"a\": 1}]", "\"s\" x", "1 ,")) {
      assertThatThrownBy(() -> StrictJson.read(doc)).as(doc).isInstanceOf(JsonProcessingException.class);
    }
  }

  @Test
  void malformedOrUnfinishedDocumentsAreRefused() {
    for (String doc : List.of("{", "[1, 2", "{\"a\": }", "{\"a\" 1}", "[1,]", "tru", "{'a': 1}", "\"open")) {
      assertThatThrownBy(() -> StrictJson.read(doc)).as(doc).isInstanceOf(JsonProcessingException.class);
    }
  }

  @Test
  void nestingIsBoundedAt32() throws Exception {
    String ok = "[".repeat(StrictJson.MAX_DEPTH) + "]".repeat(StrictJson.MAX_DEPTH);
    assertThat(StrictJson.read(ok)).isNotNull();
    String deep = "[".repeat(StrictJson.MAX_DEPTH + 1) + "]".repeat(StrictJson.MAX_DEPTH + 1);
    assertThatThrownBy(() -> StrictJson.read(deep)).isInstanceOf(JsonProcessingException.class)
        .hasMessageContaining("nesting depth");
    String deepObjects = "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000);
    assertThatThrownBy(() -> StrictJson.read(deepObjects)).isInstanceOf(JsonProcessingException.class);
  }
}
