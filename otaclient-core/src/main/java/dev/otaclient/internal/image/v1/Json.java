package dev.otaclient.internal.image.v1;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.otaclient.internal.image.StrictJson;
import java.io.IOException;

/**
 * The image's JSON documents: read strictly ({@link StrictJson}: duplicate keys, trailing tokens and
 * deep nesting are refused), and made by the builder as trees that print themselves.
 */
final class Json {
  private Json() {}

  /** An empty object node; its {@code toString()} is its compact JSON text. */
  static ObjectNode objectNode() {
    return JsonNodeFactory.instance.objectNode();
  }

  /** @throws IllegalArgumentException when {@code bytes} is not one JSON object */
  static JsonNode object(byte[] bytes, String name) {
    JsonNode n;
    try {
      n = StrictJson.read(bytes);
    } catch (IOException e) {
      throw new IllegalArgumentException(name + " is not valid JSON: " + oneLine(e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : String.valueOf(e.getMessage())));
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException(name + " is not a JSON object");
    }
    return n;
  }

  static String text(JsonNode n, String field, String where) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException(where + "." + field + " is missing or not a string");
    }
    return v.asText();
  }

  static int integer(JsonNode n, String field, String where) {
    JsonNode v = n.get(field);
    if (v == null || !v.isInt()) {
      throw new IllegalArgumentException(where + "." + field + " is missing or not an integer");
    }
    return v.asInt();
  }

  static void expect(JsonNode n, String field, String value, String where) {
    String actual = text(n, field, where);
    if (!actual.equals(value)) {
      throw new IllegalArgumentException(where + "." + field + " is " + quote(actual) + ", expected " + quote(value));
    }
  }

  /** A value quoted for a message, control characters escaped and cut to 120 characters. */
  static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length() && i < 120; i++) {
      char c = s.charAt(i);
      sb.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
    }
    return sb.append(s.length() > 120 ? "...\"" : "\"").toString();
  }

  private static String oneLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
