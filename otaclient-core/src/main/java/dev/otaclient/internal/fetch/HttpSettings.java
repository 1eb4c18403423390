package dev.otaclient.internal.fetch;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Transport settings shared by every HTTP request of an update: optional forward proxy (an ota_proxy
 * or any HTTP proxy), connect and per-read timeouts.
 *
 * @param proxy forward HTTP proxy, or empty for direct connections
 * @param connectTimeout TCP connect timeout
 * @param readTimeout longest silence while reading a response before the attempt is abandoned
 */
public record HttpSettings(Optional<InetSocketAddress> proxy, Duration connectTimeout, Duration readTimeout) {
  public HttpSettings {
    Objects.requireNonNull(proxy);
    Objects.requireNonNull(connectTimeout);
    Objects.requireNonNull(readTimeout);
  }

  public static HttpSettings defaults() {
    return new HttpSettings(Optional.empty(), Duration.ofSeconds(10), Duration.ofSeconds(30));
  }

  public HttpSettings withProxy(InetSocketAddress address) {
    return new HttpSettings(Optional.of(address), connectTimeout, readTimeout);
  }

  public HttpSettings withTimeouts(Duration connect, Duration read) {
    return new HttpSettings(proxy, connect, read);
  }
}
