package dev.otaclient.proxy;

import dev.otaclient.testing.Nginx;
import java.nio.file.Path;
import java.util.List;

/**
 * The shared test {@link Nginx} set up as the proxy tests' OTA origin. Its access log (one line per
 * request: {@code request_uri|status|cookie|authorization|ota-file-cache-control}) tells how often the
 * origin was really asked for each file.
 *
 * <p>Locations: everything under {@code root} is served as static files; {@code /protected/} answers
 * 403 unless the request carries {@code Cookie: <cookieName>=<cookieValue>}; {@code /slow/} is
 * rate-limited so a transfer lasts long enough to interrupt; {@code /fail500} always answers 500.
 */
final class OriginServer implements AutoCloseable {
  static final int SLOW_RATE_BYTES = 1 << 20;

  private final Nginx nginx;

  private OriginServer(Nginx nginx) {
    this.nginx = nginx;
  }

  static OriginServer start(Path root, String cookieName, String cookieValue) {
    return new OriginServer(Nginx.on(root)
        .accessLogFormat("$request_uri|$status|$http_cookie|$http_authorization|$http_ota_file_cache_control")
        .http("types { text/plain txt; application/octet-stream bin; }")
        .http("sendfile on;")
        .http("keepalive_requests 10000;")
        .location("/protected/", "if ($cookie_" + cookieName + " != \"" + cookieValue + "\") { return 403; }")
        .location("/slow/", "limit_rate " + SLOW_RATE_BYTES + ";")
        .location("= /fail500", "return 500 \"origin failure\\n\";")
        .start());
  }

  int port() {
    return nginx.port();
  }

  /** Absolute URL of a path on this origin; {@code path} must already be percent-encoded. */
  String url(String path) {
    return nginx.url(path);
  }

  /** All access log lines of requests that completed before this call. */
  List<String> accessLog() {
    return nginx.accessLog();
  }

  /** The fields of every access log line for this request URI. */
  List<String[]> requests(String requestUri) {
    return accessLog().stream().map(l -> l.split("\\|", -1)).filter(f -> f[0].equals(requestUri)).toList();
  }

  long count(String requestUri) {
    return requests(requestUri).size();
  }

  @Override
  public void close() {
    nginx.close();
  }
}
