package dev.otaclient.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real nginx serving a directory on 127.0.0.1 for tests, with its config, logs, pid file and temp
 * directories all in its own temp directory (so it runs as root without touching /var). One process
 * ({@code master_process off}), in the foreground, stopped by {@link #close()}.
 *
 * <p>Access log lines are {@code $request_uri $status $body_bytes_sent $http_cookie
 * $http_ota_file_cache_control}; absent headers are logged as {@code -}. Note that a Cookie header with
 * several cookies contains spaces.
 */
public final class Nginx implements AutoCloseable {
  private static final String LOG_FORMAT =
      "$request_uri $status $body_bytes_sent $http_cookie $http_ota_file_cache_control";
  private static final Pattern SIMPLE_NAME = Pattern.compile("[A-Za-z0-9_]+");
  private static final Pattern COOKIE_NAME = Pattern.compile("[A-Za-z0-9_-]+");
  /** Values are written into the nginx config; keep to characters that need no escaping there. */
  private static final Pattern COOKIE_VALUE = Pattern.compile("[A-Za-z0-9._~+/=-]*");
  private static final int START_ATTEMPTS = 5;
  private static final long START_TIMEOUT_MS = 15_000;

  private final Path binary;
  private final Path root;
  private final Path dir;
  private final Map<String, String> requiredCookies = new LinkedHashMap<>();
  private Process process;
  private int port;

  private Nginx(Path binary, Path root, Path dir) {
    this.binary = binary;
    this.root = root;
    this.dir = dir;
  }

  /** Whether an nginx binary is installed ({@code /usr/sbin/nginx} or {@code nginx} on PATH). */
  public static boolean available() {
    return binary().isPresent();
  }

  private static Optional<Path> binary() {
    Path sbin = Path.of("/usr/sbin/nginx");
    if (Files.isExecutable(sbin)) {
      return Optional.of(sbin);
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String d : path.split(java.io.File.pathSeparator)) {
        if (!d.isEmpty() && Files.isExecutable(Path.of(d, "nginx"))) {
          return Optional.of(Path.of(d, "nginx"));
        }
      }
    }
    return Optional.empty();
  }

  /** Starts nginx serving {@code root} on a free port of 127.0.0.1; returns when it accepts connections. */
  public static Nginx serve(Path root) {
    Path bin = binary().orElseThrow(() -> new IllegalStateException("nginx is not installed"));
    Path dir;
    try {
      dir = Files.createTempDirectory("otaclient-nginx-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Nginx nginx = new Nginx(bin, root.toAbsolutePath(), dir);
    try {
      nginx.start(0);
    } catch (RuntimeException e) {
      nginx.close();
      throw e;
    }
    return nginx;
  }

  /**
   * From now on every request without the cookie {@code name=value} gets 403. Restarts nginx on the same
   * port with the new config. Names may contain letters, digits, {@code _} and {@code -}.
   */
  public Nginx requireCookie(String name, String value) {
    if (!COOKIE_NAME.matcher(name).matches() || !COOKIE_VALUE.matcher(value).matches()) {
      throw new IllegalArgumentException("cookie " + name + "=" + value + " has characters this fixture does not quote");
    }
    requiredCookies.put(name, value);
    int samePort = port;
    stop();
    start(samePort);
    return this;
  }

  /** {@code http://127.0.0.1:<port>/}. */
  public URI baseUri() {
    return URI.create("http://127.0.0.1:" + port + "/");
  }

  public int port() {
    return port;
  }

  /** The access log lines written so far. */
  public List<String> accessLog() {
    Path log = dir.resolve("access.log");
    try {
      return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The access log once it has at least {@code lines} lines (nginx writes a line just after sending the
   * response, so a client can be faster than the log); gives up after 5 s and returns what is there.
   */
  public List<String> awaitAccessLog(int lines) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    List<String> log = accessLog();
    while (log.size() < lines && System.nanoTime() < deadline) {
      sleep(10);
      log = accessLog();
    }
    return log;
  }

  /** nginx's error log, for failure messages. */
  public String errorLog() {
    return read(dir.resolve("error.log"));
  }

  @Override
  public void close() {
    stop();
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temp directory left behind is harmless
    }
  }

  private void start(int fixedPort) {
    String lastFailure = "";
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      port = fixedPort > 0 ? fixedPort : freePort();
      Path pid = dir.resolve("nginx.pid");
      try {
        Files.deleteIfExists(pid);
        Files.writeString(dir.resolve("nginx.conf"), config(), StandardCharsets.UTF_8);
        process = new ProcessBuilder(binary.toString(), "-p", dir + "/", "-c", dir.resolve("nginx.conf").toString(),
            "-e", dir.resolve("error.log").toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.log").toFile()))
            .start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start " + binary, e);
      }
      if (awaitReady(pid)) {
        return;
      }
      stop();
      lastFailure = errorLog() + read(dir.resolve("stdout.log"));
      if (!lastFailure.contains("Address already in use")) {
        break;
      }
    }
    throw new IllegalStateException("nginx did not start on 127.0.0.1:" + port + ": " + lastFailure);
  }

  /** Ready = the pid file exists (nginx writes it after binding) and the port accepts a connection. */
  private boolean awaitReady(Path pid) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        return false;
      }
      if (Files.exists(pid)) {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", port), 200);
          return process.isAlive();
        } catch (IOException e) {
          // not yet listening
        }
      }
      sleep(20);
    }
    return false;
  }

  private void stop() {
    Process p = process;
    process = null;
    if (p == null) {
      return;
    }
    p.destroy(); // SIGTERM: nginx's fast shutdown
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private String config() {
    StringBuilder maps = new StringBuilder();
    StringBuilder checks = new StringBuilder();
    int i = 0;
    for (Map.Entry<String, String> c : requiredCookies.entrySet()) {
      if (SIMPLE_NAME.matcher(c.getKey()).matches()) {
        checks.append("      if ($cookie_").append(c.getKey()).append(" != \"").append(c.getValue())
            .append("\") { return 403; }\n");
      } else {
        // $cookie_<name> only works for names made of letters, digits and '_'; match others by regex
        String var = "$otaclient_cookie_ok_" + i++;
        maps.append("  map $http_cookie ").append(var).append(" {\n    default 0;\n    \"~(^|;\\s*)")
            .append(regexLiteral(c.getKey())).append('=').append(regexLiteral(c.getValue()))
            .append("(;|$)\" 1;\n  }\n");
        checks.append("      if (").append(var).append(" = 0) { return 403; }\n");
      }
    }
    return "daemon off;\n"
        + "master_process off;\n"
        + "worker_processes 1;\n"
        + "pid " + q(dir.resolve("nginx.pid")) + ";\n"
        + "error_log " + q(dir.resolve("error.log")) + " info;\n"
        + "events { worker_connections 256; }\n"
        + "http {\n"
        + "  default_type application/octet-stream;\n"
        + "  server_tokens off;\n"
        + "  log_format otaclient_test '" + LOG_FORMAT + "';\n"
        + "  access_log " + q(dir.resolve("access.log")) + " otaclient_test;\n"
        + "  client_body_temp_path " + q(dir.resolve("client_body")) + ";\n"
        + "  proxy_temp_path " + q(dir.resolve("proxy")) + ";\n"
        + "  fastcgi_temp_path " + q(dir.resolve("fastcgi")) + ";\n"
        + "  uwsgi_temp_path " + q(dir.resolve("uwsgi")) + ";\n"
        + "  scgi_temp_path " + q(dir.resolve("scgi")) + ";\n"
        + maps
        + "  server {\n"
        + "    listen 127.0.0.1:" + port + ";\n"
        + "    server_name localhost;\n"
        + "    root " + q(root) + ";\n"
        + "    autoindex off;\n"
        + "    location / {\n"
        + checks
        + "    }\n"
        + "  }\n"
        + "}\n";
  }

  private static String regexLiteral(String s) {
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (".+-/=~".indexOf(c) >= 0) {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.toString();
  }

  private static String q(Path p) {
    String s = p.toString();
    if (s.contains("\"") || s.contains("\\") || s.contains("$")) {
      throw new IllegalArgumentException("path not usable in an nginx config: " + s);
    }
    return "\"" + s + "\"";
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    }
  }

  private static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "";
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public String toString() {
    return "Nginx[" + baseUri() + " -> " + root + "]";
  }
}
