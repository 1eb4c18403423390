package dev.otaclient.internal.image;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * Reads one small JSON document strictly: a key repeated within an object, anything after the value
 * and nesting deeper than {@value #MAX_DEPTH} are refused. For what is signed or asked for
 * ({@code metadata.jwt}, the documents of an OTA image v1, a request's cookies), where such input is
 * never legitimate and two readers could disagree on what it means.
 *
 * <p>The tree is built from Jackson's streaming parser, not by an {@code ObjectMapper}: making a
 * mapper loads some 300 classes, and the first one cost every update ~80 ms of its start for a
 * document of a few hundred bytes (docs/benchmarks.md, "Round seven").
 */
public final class StrictJson {
  static final int MAX_DEPTH = 32;
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
      .build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private StrictJson() {}

  /**
   * The document's value, or null when {@code bytes} hold nothing but whitespace.
   *
   * @throws com.fasterxml.jackson.core.JsonProcessingException when it is not exactly one JSON value
   *     (its {@code getOriginalMessage()} says why, without the location)
   */
  public static JsonNode read(byte[] bytes) throws IOException {
    return read(FACTORY.createParser(bytes));
  }

  /** As {@link #read(byte[])}. */
  public static JsonNode read(String text) throws IOException {
    return read(FACTORY.createParser(text));
  }

  private static JsonNode read(JsonParser p) throws IOException {
    try (p) {
      JsonToken first = p.nextToken();
      if (first == null) {
        return null;
      }
      JsonNode value = value(p, first);
      JsonToken after = p.nextToken();
      if (after != null) {
        throw new JsonParseException(p, "Trailing token (of type " + after + ") found after value");
      }
      return value;
    }
  }

  /** The value that starts with {@code t}; the parser is left on its last token. */
  private static JsonNode value(JsonParser p, JsonToken t) throws IOException {
    switch (t) {
      case START_OBJECT: {
        ObjectNode object = NODES.objectNode();
        String name;
        while ((name = p.nextFieldName()) != null) {
          object.set(name, value(p, p.nextToken()));
        }
        return object;
      }
      case START_ARRAY: {
        ArrayNode array = NODES.arrayNode();
        JsonToken next;
        while ((next = p.nextToken()) != JsonToken.END_ARRAY) {
          array.add(value(p, next));
        }
        return array;
      }
      case VALUE_STRING:
        return NODES.textNode(p.getText());
      case VALUE_NUMBER_INT:
        switch (p.getNumberType()) {
          case INT:
            return NODES.numberNode(p.getIntValue());
          case LONG:
            return NODES.numberNode(p.getLongValue());
          default:
            return NODES.numberNode(p.getBigIntegerValue());
        }
      case VALUE_NUMBER_FLOAT:
        return NODES.numberNode(p.getDoubleValue());
      case VALUE_TRUE:
        return NODES.booleanNode(true);
      case VALUE_FALSE:
        return NODES.booleanNode(false);
      case VALUE_NULL:
        return NODES.nullNode();
      default:
        throw new JsonParseException(p, "Unexpected token " + t);
    }
  }
}
