package dev.otaclient.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * nginx on loopback as the OTA origin, private to the proxy tests. Its access log (one line per
 * request: {@code request_uri|status|cookie|authorization|ota-file-cache-control}) tells how often the
 * origin was really asked for each file.
 *
 * <p>Locations: everything under {@code root} is served as static files; {@code /protected/} answers
 * 403 unless the request carries {@code Cookie: <cookieName>=<cookieValue>}; {@code /slow/} is
 * rate-limited so a transfer lasts long enough to interrupt; {@code /fail500} always answers 500.
 */
final class OriginServer implements AutoCloseable {
  static final String NGINX = "/usr/sbin/nginx";
  static final int SLOW_RATE_BYTES = 1 << 20;

  private static final String SYNC_PREFIX = "/__log_sync/";

  private final AtomicInteger syncs = new AtomicInteger();
  private final Process process;
  private final int port;
  private final Path accessLog;

  private OriginServer(Process process, int port, Path accessLog) {
    this.process = process;
    this.port = port;
    this.accessLog = accessLog;
  }

  static OriginServer start(Path workDir, Path root, String cookieName, String cookieValue) throws IOException {
    Files.createDirectories(workDir);
    IOException last = null;
    // The free port is found before nginx binds it, so another process may win the race: retry.
    for (int attempt = 0; attempt < 3; attempt++) {
      int port = freePort();
      Path conf = workDir.resolve("nginx.conf");
      Path log = workDir.resolve("access.log");
      Files.deleteIfExists(log);
      Files.writeString(conf, config(workDir, root, port, cookieName, cookieValue), StandardCharsets.UTF_8);
      Process p = new ProcessBuilder(NGINX, "-p", workDir.toString(), "-c", conf.toString(),
          "-e", workDir.resolve("error.log").toString())
          .redirectErrorStream(true)
          .redirectOutput(workDir.resolve("nginx.out").toFile())
          .start();
      if (awaitListening(p, port)) {
        return new OriginServer(p, port, log);
      }
      p.destroyForcibly();
      last = new IOException("nginx did not start on port " + port + ": "
          + readQuietly(workDir.resolve("error.log")) + readQuietly(workDir.resolve("nginx.out")));
    }
    throw last;
  }

  private static String config(Path dir, Path root, int port, String cookieName, String cookieValue) {
    return String.join("\n",
        "daemon off;",
        "master_process off;",
        "pid " + dir.resolve("nginx.pid") + ";",
        "error_log " + dir.resolve("error.log") + " info;",
        "events { worker_connections 512; }",
        "http {",
        "  types { text/plain txt; application/octet-stream bin; }",
        "  default_type application/octet-stream;",
        "  log_format ota '$request_uri|$status|$http_cookie|$http_authorization|$http_ota_file_cache_control';",
        "  access_log " + dir.resolve("access.log") + " ota;",
        "  client_body_temp_path " + dir.resolve("client_body") + ";",
        "  proxy_temp_path " + dir.resolve("proxy") + ";",
        "  fastcgi_temp_path " + dir.resolve("fastcgi") + ";",
        "  uwsgi_temp_path " + dir.resolve("uwsgi") + ";",
        "  scgi_temp_path " + dir.resolve("scgi") + ";",
        "  sendfile on;",
        "  keepalive_requests 10000;",
        "  server {",
        "    listen 127.0.0.1:" + port + ";",
        "    root " + root + ";",
        "    location /protected/ {",
        "      if ($cookie_" + cookieName + " != \"" + cookieValue + "\") { return 403; }",
        "    }",
        "    location /slow/ { limit_rate " + SLOW_RATE_BYTES + "; }",
        "    location = /fail500 { return 500 \"origin failure\\n\"; }",
        "  }",
        "}",
        "");
  }

  int port() {
    return port;
  }

  /** Absolute URL of a path on this origin; {@code path} must already be percent-encoded. */
  String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /**
   * All access log lines of requests that completed before this call. A client can hold the whole
   * response a moment before nginx writes its log line, so a marker request is sent first and the
   * log is read once the marker shows up: nginx is one event loop that logs a request as soon as its
   * last byte is written, so every earlier request is in the log by then. Markers are left out.
   */
  List<String> accessLog() throws IOException {
    String marker = SYNC_PREFIX + syncs.incrementAndGet();
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.getOutputStream().write(("GET " + marker + " HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      s.getInputStream().readAllBytes();
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      List<String> lines = Files.exists(accessLog) ? Files.readAllLines(accessLog, StandardCharsets.UTF_8) : List.of();
      if (lines.stream().anyMatch(l -> l.startsWith(marker + "|")) || System.nanoTime() > deadline) {
        return lines.stream().filter(l -> !l.startsWith(SYNC_PREFIX)).toList();
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while reading the access log", e);
      }
    }
  }

  /** The fields of every access log line for this request URI. */
  List<String[]> requests(String requestUri) throws IOException {
    return accessLog().stream().map(l -> l.split("\\|", -1)).filter(f -> f[0].equals(requestUri)).toList();
  }

  long count(String requestUri) throws IOException {
    return requests(requestUri).size();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }

  private static boolean awaitListening(Process p, int port) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline && p.isAlive()) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return true;
      } catch (IOException e) {
        try {
          Thread.sleep(50);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return false;
  }

  private static String readQuietly(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p) : "";
    } catch (IOException e) {
      return "";
    }
  }
}
