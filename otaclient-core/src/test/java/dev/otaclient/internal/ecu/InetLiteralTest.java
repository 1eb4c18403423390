package dev.otaclient.internal.ecu;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InetLiteralTest {
  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "0.0.0.0", "255.255.255.255", "10.0.0.11", "::1", "::", "fd00::2",
      "2001:db8::1", "::ffff:10.0.0.1"})
  void accepts(String text) {
    assertThat(InetLiteral.parse(text)).isPresent();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "localhost", "example.com", "999.1.1.1", "256.0.0.1", "10.1", "10.0.0", "1.2.3.4.5",
      "010.0.0.1", "0x7f.0.0.1", "1.2.3.-4", " 1.2.3.4", "[::1]", "fe80::1%eth0", ":::", "1:2:3:4:5:6:7:8:9", "g::1"})
  void refuses(String text) {
    assertThat(InetLiteral.parse(text)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "10.20.30.40"})
  void keepsTheBytes(String text) {
    assertThat(InetLiteral.parse(text).orElseThrow().getHostAddress()).isEqualTo(text);
  }
}
