package dev.otaclient.internal.fetch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.image.StrictJson;
import java.io.IOException;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code cookies} field of an update request: a JSON object (as a string) whose members become
 * one {@code Cookie} header sent with every request of the update.
 */
public final class Cookies {
  /** Longer cookie strings are refused: signed CDN cookies are a few KiB, nothing needs more. */
  public static final int MAX_JSON_LENGTH = 64 * 1024;

  private static final Cookies NONE = new Cookies(Map.of());

  private final Map<String, String> values;

  private Cookies(Map<String, String> values) {
    this.values = values;
  }

  public static Cookies none() {
    return NONE;
  }

  public static Cookies of(Map<String, String> values) {
    Map<String, String> copy = new LinkedHashMap<>();
    values.forEach((k, v) -> {
      checkToken(k, v);
      copy.put(k, v);
    });
    return new Cookies(Collections.unmodifiableMap(copy));
  }

  /**
   * Parses the request's cookie JSON. Must be an object whose values are strings (numbers and booleans
   * are accepted and written as their JSON text). An empty string is refused, as by the Python client:
   * callers send {@code "{}"} when they need no cookies.
   */
  public static Cookies parse(String json) {
    if (json == null || json.isBlank()) {
      throw invalid("cookies must be a JSON object, got an empty string (send \"{}\" for no cookies)");
    }
    if (json.length() > MAX_JSON_LENGTH) {
      throw invalid("cookies JSON is " + json.length() + " characters, more than " + MAX_JSON_LENGTH);
    }
    // the usual "{}" is answered before any JSON parser is loaded: parsing comes after the first
    // request of an update, and this runs before it
    if (isEmptyObject(json)) {
      return NONE;
    }
    JsonNode node;
    try {
      node = StrictJson.read(json);
    } catch (JsonProcessingException e) {
      throw invalid("cookies are not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw invalid("cookies cannot be read: " + e.getMessage());
    }
    if (node == null || !node.isObject()) {
      throw invalid("cookies must be a JSON object, got " + (node == null ? "nothing" : node.getNodeType()));
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      if (!v.isValueNode() || v.isNull()) {
        throw invalid("cookie '" + e.getKey() + "' must be a string, got " + v.getNodeType());
      }
      String value = v.asText();
      checkToken(e.getKey(), value);
      values.put(e.getKey(), value);
    }
    return new Cookies(Collections.unmodifiableMap(values));
  }

  private static void checkToken(String name, String value) {
    if (name.isEmpty()) {
      throw invalid("cookie with an empty name");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c <= 0x20 || c >= 0x7f || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
        throw invalid("cookie name '" + name + "' has a character not allowed in a cookie name");
      }
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      // Anything that would split or end the header line, or is outside visible ASCII, is refused.
      if (c < 0x20 || c >= 0x7f || c == ';') {
        throw invalid("cookie '" + name + "' has a value with a character not allowed in a Cookie header");
      }
    }
  }

  private static OtaException invalid(String detail) {
    return new OtaException(ErrorCode.INVALID_UPDATE_REQUEST, ErrorModule.API, detail);
  }

  public boolean isEmpty() {
    return values.isEmpty();
  }

  public Map<String, String> values() {
    return values;
  }

  /** The value of the {@code Cookie} request header ({@code a=1; b=2}), or empty when there are none. */
  public String headerValue() {
    StringBuilder sb = new StringBuilder();
    values.forEach((k, v) -> {
      if (sb.length() > 0) {
        sb.append("; ");
      }
      sb.append(k).append('=').append(v);
    });
    return sb.toString();
  }

  /** The cookies as a JSON object string, the form an update request carries. */
  public String toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    values.forEach(o::put);
    return o.toString();
  }

  @Override
  public String toString() {
    // values are credentials: never log them
    return "Cookies" + values.keySet();
  }

  /** {@code {}} with JSON whitespace only (space, tab, CR, LF) around and between the braces. */
  private static boolean isEmptyObject(String json) {
    int open = -1;
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (c == '{' && open < 0) {
        open = i;
      } else if (c == '}' && open >= 0) {
        for (int j = i + 1; j < json.length(); j++) {
          if (!isJsonSpace(json.charAt(j))) {
            return false;
          }
        }
        return true;
      } else if (!isJsonSpace(c)) {
        return false;
      }
    }
    return false;
  }

  private static boolean isJsonSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }
}
