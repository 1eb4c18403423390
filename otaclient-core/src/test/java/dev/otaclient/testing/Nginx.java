package dev.otaclient.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real nginx serving a directory on 127.0.0.1 for tests, with its config, logs, pid file and temp
 * directories all in its own temp directory (so it runs as root without touching /var). One process
 * ({@code master_process off}), in the foreground, stopped by {@link #close()}. The one nginx of every
 * module's tests: {@link #on(Path)} adds locations, directives and another access log format.
 *
 * <p>Its port is a {@link ReservedPort} held for the life of this object, so no other process can take
 * it between the choice and nginx's bind, nor while nginx restarts ({@link #requireCookie}).
 *
 * <p>Access log lines are, by default, {@code $request_uri $status $body_bytes_sent $http_cookie
 * $http_ota_file_cache_control}; absent headers are logged as {@code -}. Note that a Cookie header with
 * several cookies contains spaces. {@link #accessLog()} is exact: it holds every request answered
 * before the call, and nothing else.
 */
public final class Nginx implements AutoCloseable {
  /** The default access log format. A format given to {@link Builder#accessLogFormat} begins the same way. */
  public static final String LOG_FORMAT =
      "$request_uri $status $body_bytes_sent $http_cookie $http_ota_file_cache_control";
  private static final Pattern SIMPLE_NAME = Pattern.compile("[A-Za-z0-9_]+");
  private static final Pattern COOKIE_NAME = Pattern.compile("[A-Za-z0-9_-]+");
  /** Values are written into the nginx config; keep to characters that need no escaping there. */
  private static final Pattern COOKIE_VALUE = Pattern.compile("[A-Za-z0-9._~+/=-]*");
  private static final int START_ATTEMPTS = 3;
  /** Requests that mark the end of the log for {@link #accessLog()}; never part of what it returns. */
  private static final String SYNC_PREFIX = "/__log_sync/";

  private final Path binary;
  private final Path root;
  private final Path dir;
  private final String logFormat;
  private final List<String> httpDirectives;
  private final List<String> locations;
  private final Map<String, String> requiredCookies = new LinkedHashMap<>();
  private final AtomicInteger syncs = new AtomicInteger();
  private Process process;
  private ReservedPort port;

  private Nginx(Path binary, Builder b, Path dir) {
    this.binary = binary;
    this.root = b.root.toAbsolutePath();
    this.dir = dir;
    this.logFormat = b.logFormat;
    this.httpDirectives = List.copyOf(b.http);
    this.locations = List.copyOf(b.locations);
  }

  /** What to serve besides the static files of the root: locations, http directives, the log format. */
  public static final class Builder {
    private final Path root;
    private String logFormat = LOG_FORMAT;
    private final List<String> http = new ArrayList<>();
    private final List<String> locations = new ArrayList<>();

    private Builder(Path root) {
      this.root = root;
    }

    /** The access log format; it begins with {@code $request_uri} followed by a separator. */
    public Builder accessLogFormat(String format) {
      if (!format.startsWith("$request_uri")) {
        throw new IllegalArgumentException("the access log format must begin with $request_uri: " + format);
      }
      this.logFormat = format;
      return this;
    }

    /** A directive of the {@code http} block, e.g. {@code "sendfile on;"}. */
    public Builder http(String directive) {
      http.add(directive);
      return this;
    }

    /** {@code location <match> { <body> }} in the server, e.g. {@code location("= /fail500", "return 500;")}. */
    public Builder location(String match, String body) {
      locations.add("    location " + match + " { " + body + " }\n");
      return this;
    }

    /** Starts nginx on a port of 127.0.0.1 held for it; returns once it accepts connections. */
    public Nginx start() {
      Path bin = binary().orElseThrow(() -> new IllegalStateException("nginx is not installed"));
      Path dir;
      try {
        dir = Files.createTempDirectory("otaclient-nginx-");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Nginx nginx = new Nginx(bin, this, dir);
      try {
        nginx.startOnNewPort();
      } catch (RuntimeException e) {
        nginx.close();
        throw e;
      }
      return nginx;
    }
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

  /** Starts nginx serving {@code root} on a port of 127.0.0.1; returns once it accepts connections. */
  public static Nginx serve(Path root) {
    return on(root).start();
  }

  /** An nginx for {@code root}, to be given locations or directives before {@link Builder#start()}. */
  public static Builder on(Path root) {
    return new Builder(root);
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
    stop();
    // the port stays reserved while nginx is down, so the restart gets it back
    String failure = startOn(port);
    if (failure != null) {
      throw new IllegalStateException("nginx did not restart on " + port.hostPort() + ": " + failure);
    }
    return this;
  }

  /** {@code http://127.0.0.1:<port>/}. */
  public URI baseUri() {
    return URI.create("http://" + port.hostPort() + "/");
  }

  public int port() {
    return port.port();
  }

  /** The URL of the image (or any directory) {@code name} below the root: {@code http://127.0.0.1:<port>/<name>/}. */
  public String imageUrl(String name) {
    return baseUri().resolve(name + "/").toString();
  }

  /** Absolute URL of {@code path}, which is already percent-encoded and starts with {@code /}. */
  public String url(String path) {
    return "http://" + port.hostPort() + path;
  }

  /**
   * Every access log line of the requests answered before this call. nginx writes a line just after
   * the last byte of its response, so a client can hold a whole response before its line is there:
   * a marker request is sent first and the log read once the marker shows. nginx is one event loop
   * that logs each request as it finishes, so every earlier line is in by then. Markers are left out.
   */
  public List<String> accessLog() {
    String marker = SYNC_PREFIX + syncs.incrementAndGet() + "-";
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port.port())) {
      s.getOutputStream().write(("GET " + marker + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      s.getInputStream().readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("marker request to " + this + " failed", e);
    }
    List<String> lines = Await.value("nginx to log " + marker, this::rawAccessLog,
        l -> l.stream().anyMatch(line -> line.startsWith(marker)));
    return lines.stream().filter(l -> !l.startsWith(SYNC_PREFIX)).toList();
  }

  private List<String> rawAccessLog() {
    Path log = dir.resolve("access.log");
    try {
      return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** nginx's error log, for failure messages. */
  public String errorLog() {
    return read(dir.resolve("error.log"));
  }

  @Override
  public void close() {
    stop();
    if (port != null) {
      port.close();
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temp directory left behind is harmless
    }
  }

  /**
   * Starts on a newly reserved port. A held port cannot be taken by anyone else; another attempt on a
   * new port is only for a process that had picked the same port before it was reserved.
   */
  private void startOnNewPort() {
    String failure = "";
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      port = ReservedPort.reserve();
      failure = startOn(port);
      if (failure == null) {
        return;
      }
      if (!failure.contains("Address already in use")) {
        break;
      }
      port.close();
    }
    throw new IllegalStateException("nginx did not start on " + port.hostPort() + ": " + failure);
  }

  /** Starts nginx on {@code on}: null once it accepts connections, else what its logs say. */
  private String startOn(ReservedPort on) {
    Path pid = dir.resolve("nginx.pid");
    Process p;
    try {
      Files.deleteIfExists(pid);
      Files.writeString(dir.resolve("nginx.conf"), config(on.port()), StandardCharsets.UTF_8);
      p = new ProcessBuilder(binary.toString(), "-p", dir + "/", "-c", dir.resolve("nginx.conf").toString(),
          "-e", dir.resolve("error.log").toString())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.log").toFile()))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + binary, e);
    }
    process = p;
    // ready: the pid file exists (nginx writes it after binding) and the port accepts a connection;
    // or nginx exited trying
    boolean up = Await.value("nginx to listen on " + on.hostPort() + " or to exit",
        () -> !p.isAlive() ? Boolean.FALSE : Files.exists(pid) && accepts(on.port()) ? Boolean.TRUE : null,
        r -> r != null);
    if (up && p.isAlive()) {
      return null;
    }
    stop();
    return errorLog() + read(dir.resolve("stdout.log"));
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
      return true;
    } catch (IOException e) {
      return false; // not listening yet
    }
  }

  private void stop() {
    Process p = process;
    process = null;
    if (p == null) {
      return;
    }
    p.destroy(); // SIGTERM: nginx's fast shutdown
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private String config(int listenPort) {
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
    StringBuilder http = new StringBuilder();
    for (String d : httpDirectives) {
      http.append("  ").append(d).append('\n');
    }
    return "daemon off;\n"
        + "master_process off;\n"
        + "worker_processes 1;\n"
        + "pid " + q(dir.resolve("nginx.pid")) + ";\n"
        + "error_log " + q(dir.resolve("error.log")) + " info;\n"
        + "events { worker_connections 512; }\n"
        + "http {\n"
        + "  default_type application/octet-stream;\n"
        + "  server_tokens off;\n"
        + "  log_format otaclient_test '" + logFormat + "';\n"
        + "  access_log " + q(dir.resolve("access.log")) + " otaclient_test;\n"
        + "  client_body_temp_path " + q(dir.resolve("client_body")) + ";\n"
        + "  proxy_temp_path " + q(dir.resolve("proxy")) + ";\n"
        + "  fastcgi_temp_path " + q(dir.resolve("fastcgi")) + ";\n"
        + "  uwsgi_temp_path " + q(dir.resolve("uwsgi")) + ";\n"
        + "  scgi_temp_path " + q(dir.resolve("scgi")) + ";\n"
        + http
        + maps
        + "  server {\n"
        + "    listen 127.0.0.1:" + listenPort + ";\n"
        + "    server_name localhost;\n"
        + "    root " + q(root) + ";\n"
        + "    autoindex off;\n"
        + "    location / {\n"
        + checks
        + "    }\n"
        + String.join("", locations)
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

  private static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public String toString() {
    return "Nginx[" + (port == null ? "not started" : baseUri()) + " -> " + root + "]";
  }
}
