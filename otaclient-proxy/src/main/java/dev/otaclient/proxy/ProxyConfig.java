package dev.otaclient.proxy;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How one ota_proxy instance runs.
 *
 * @param listen where clients connect; port 0 picks a free port (see {@link OtaProxy#address()})
 * @param upperProxy the next proxy towards the origin ({@code http://host:port}); when present every
 *     upstream request goes to it in plain HTTP and that hop decides about HTTPS
 * @param gatewayHttps with no upper proxy: talk to the origin over HTTPS whatever scheme the client
 *     used (this ECU is the vehicle's gateway to the Internet)
 * @param cacheEnabled false turns the proxy into a pure forwarder (sub-ECUs that only relay)
 * @param cacheDir where cache entries live; created if missing
 * @param softLimit share of the cache filesystem in use above which least recently used entries are
 *     evicted
 * @param hardLimit share in use above which nothing new is cached and cache writes in progress stop
 * @param upstreamReadTimeout longest silence tolerated from upstream (waiting for the response head
 *     or between two body reads) before the transfer is abandoned
 */
public record ProxyConfig(
    InetSocketAddress listen,
    Optional<URI> upperProxy,
    boolean gatewayHttps,
    boolean cacheEnabled,
    Path cacheDir,
    double softLimit,
    double hardLimit,
    Duration upstreamReadTimeout) {

  public static final int DEFAULT_PORT = 8082;
  public static final double DEFAULT_SOFT_LIMIT = 0.70;
  public static final double DEFAULT_HARD_LIMIT = 0.80;
  /**
   * The Python proxy used a 1 s socket-read timeout and relied on client retries; a longer one
   * rides out short hiccups of a cellular link without failing the file.
   */
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(10);

  public ProxyConfig {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(upperProxy, "upperProxy");
    Objects.requireNonNull(cacheDir, "cacheDir");
    Objects.requireNonNull(upstreamReadTimeout, "upstreamReadTimeout");
    if (!(softLimit > 0 && softLimit <= hardLimit && hardLimit <= 1.0)) {
      throw invalid("limits must satisfy 0 < soft <= hard <= 1, got soft=" + softLimit + " hard=" + hardLimit);
    }
    if (upstreamReadTimeout.isNegative() || upstreamReadTimeout.isZero()) {
      throw invalid("upstream read timeout must be positive, got " + upstreamReadTimeout);
    }
    upperProxy.ifPresent(ProxyConfig::checkUpperProxy);
  }

  /**
   * The main-ECU configuration of the reference client: all interfaces on port 8082, caching on,
   * HTTPS towards the origin, no upper proxy.
   */
  public static ProxyConfig defaults(Path cacheDir) {
    return new ProxyConfig(new InetSocketAddress("0.0.0.0", DEFAULT_PORT), Optional.empty(), true, true,
        cacheDir, DEFAULT_SOFT_LIMIT, DEFAULT_HARD_LIMIT, DEFAULT_READ_TIMEOUT);
  }

  public ProxyConfig withListen(InetSocketAddress newListen) {
    return new ProxyConfig(newListen, upperProxy, gatewayHttps, cacheEnabled, cacheDir, softLimit, hardLimit,
        upstreamReadTimeout);
  }

  public ProxyConfig withUpperProxy(Optional<URI> newUpper) {
    return new ProxyConfig(listen, newUpper, gatewayHttps, cacheEnabled, cacheDir, softLimit, hardLimit,
        upstreamReadTimeout);
  }

  private static void checkUpperProxy(URI uri) {
    // Only plain HTTP to the upper proxy: the proxies of one vehicle talk over its internal network.
    if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
      throw invalid("upper proxy must be http://host[:port], got " + uri);
    }
  }

  private static OtaException invalid(String detail) {
    return new OtaException(ErrorCode.PROXY_START, ErrorModule.GENERAL, "proxy config: " + detail);
  }
}
