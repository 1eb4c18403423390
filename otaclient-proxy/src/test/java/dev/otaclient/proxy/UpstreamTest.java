package dev.otaclient.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which scheme each hop uses towards the next one. */
class UpstreamTest {
  private static final URI TARGET = URI.create("http://image.example:8080/data/a%20b%3F.bin?x=1");

  @Test
  void gatewayTalksHttpsToTheOriginKeepingHostPortAndEncoding() throws Exception {
    try (Upstream u = new Upstream(Optional.empty(), true, Duration.ofSeconds(1))) {
      assertThat(u.upstreamUri(TARGET)).hasToString("https://image.example:8080/data/a%20b%3F.bin?x=1");
    }
  }

  @Test
  void withAnUpperProxyTheRequestStaysHttpWhateverTheGatewayFlag() throws Exception {
    try (Upstream u = new Upstream(Optional.of(URI.create("http://10.0.0.2:8082")), true, Duration.ofSeconds(1))) {
      assertThat(u.upstreamUri(TARGET)).hasToString("http://image.example:8080/data/a%20b%3F.bin?x=1");
    }
  }

  @Test
  void notAGatewayAndNoUpperProxyMeansPlainHttpEvenForAnHttpsTarget() throws Exception {
    try (Upstream u = new Upstream(Optional.empty(), false, Duration.ofSeconds(1))) {
      assertThat(u.upstreamUri(URI.create("https://o/x"))).hasToString("http://o/x");
    }
  }
}
