package dev.otaclient.internal.fetch;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Transport settings shared by every HTTP request of an update: optional forward proxy (an ota_proxy
 * or any HTTP proxy), connect and per-read timeouts, and an optional download bandwidth cap.
 *
 * @param proxy forward HTTP proxy, or empty for direct connections
 * @param connectTimeout TCP connect timeout
 * @param readTimeout longest silence while reading a response before the attempt is abandoned
 * @param maxBytesPerSecond the cap on bytes received per second, over all connections of an
 *     update, or empty for none
 */
public record HttpSettings(Optional<InetSocketAddress> proxy, Duration connectTimeout, Duration readTimeout,
                           OptionalLong maxBytesPerSecond) {
  public HttpSettings {
    Objects.requireNonNull(proxy);
    Objects.requireNonNull(connectTimeout);
    Objects.requireNonNull(readTimeout);
    Objects.requireNonNull(maxBytesPerSecond);
    if (maxBytesPerSecond.isPresent() && maxBytesPerSecond.getAsLong() < 1) {
      throw new IllegalArgumentException("the bandwidth cap must be at least 1 byte/s: " + maxBytesPerSecond.getAsLong());
    }
  }

  public static HttpSettings defaults() {
    return new HttpSettings(Optional.empty(), Duration.ofSeconds(10), Duration.ofSeconds(30), OptionalLong.empty());
  }

  public HttpSettings withProxy(InetSocketAddress address) {
    return new HttpSettings(Optional.of(address), connectTimeout, readTimeout, maxBytesPerSecond);
  }

  public HttpSettings withTimeouts(Duration connect, Duration read) {
    return new HttpSettings(proxy, connect, read, maxBytesPerSecond);
  }

  /** Caps downloads at {@code bytesPerSecond}; 0 removes the cap. */
  public HttpSettings withBandwidthLimit(long bytesPerSecond) {
    return new HttpSettings(proxy, connectTimeout, readTimeout,
        bytesPerSecond == 0 ? OptionalLong.empty() : OptionalLong.of(bytesPerSecond));
  }
}
