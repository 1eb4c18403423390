package dev.otaclient.internal.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.error.OtaException;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The cookie JSON of a request: the empty object is decided without the JSON parser, and exactly as it would. */
class CookiesTest {
  @ParameterizedTest
  @ValueSource(strings = {"{}", " {}", "{ }", "\t{\r\n}\n", "  {   }  "})
  void anEmptyObjectIsNoCookies(String json) {
    assertThat(Cookies.parse(json).values()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"{}}", "{}{}", "}{", "{", "}", "{} x", "x{}", "{\u2003}", "\u00a0{}", "{ ,}", "[]", "{}\u0000"})
  void whatOnlyLooksEmptyIsRefusedByTheParser(String json) {
    assertThatThrownBy(() -> Cookies.parse(json)).isInstanceOf(OtaException.class)
        .hasMessageContaining("cookies");
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"a\":\"1\"}", " { \"a\" : \"1\" } "})
  void membersAreKept(String json) {
    assertThat(Cookies.parse(json).values()).isEqualTo(Map.of("a", "1"));
  }
}
