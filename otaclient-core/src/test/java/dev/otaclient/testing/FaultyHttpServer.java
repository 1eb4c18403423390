package dev.otaclient.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.IntFunction;

/**
 * A real HTTP/1.1 server on 127.0.0.1 for downloader tests, written on raw sockets so that every
 * transport fault can be produced exactly: connection reset (RST) or clean close mid-body, stalls,
 * slow drip, flipped bits, error statuses. Content comes from a directory or, as a fault proxy, from
 * an upstream base URL (e.g. an nginx serving a real image).
 *
 * <p>Faults are scripted per path (the decoded request path without its leading {@code /}) and
 * attempt number: {@code script("data/a", Fault.status(503), Fault.resetAfter(10))} makes the first
 * request fail with 503, the second reset after 10 body bytes, and later ones succeed. Every request is
 * recorded, including its raw request target, so absolute-form (proxy) requests can be asserted.
 *
 * <p>Keep-alive is supported; a connection is closed after a fault that breaks it.
 */
public final class FaultyHttpServer implements AutoCloseable {

  /**
   * Holds responses ({@link Fault#holdAfter}) until the test opens it: a download that is in progress
   * for exactly as long as the test needs, instead of one slowed down and hoped to be still running.
   */
  public static final class Gate {
    private final CountDownLatch open = new CountDownLatch(1);
    private final AtomicInteger reached = new AtomicInteger();

    /** Lets every held response, and every later one, go on. */
    public void open() {
      open.countDown();
    }

    /** How many responses have reached the gate so far (held, or passed once it was open). */
    public int reached() {
      return reached.get();
    }

    /** Waits until {@code n} responses have reached the gate. */
    public void awaitReached(int n) {
      Await.until(n + " response(s) held at the gate", () -> reached.get() >= n);
    }

    private void pass() throws IOException {
      reached.incrementAndGet();
      try {
        // bounded so that a test that forgot to open it ends; the bound is not the mechanism
        if (!open.await(10, TimeUnit.MINUTES)) {
          throw new IOException("gate never opened");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("server closing", e);
      }
    }
  }

  /** What to do with one request. */
  public record Fault(Kind kind, long bytes, long millis, int status, Gate gate, String location) {
    public enum Kind { NONE, STATUS, RESET_AFTER, TRUNCATE_AFTER, STALL_AFTER, FLIP_BIT, DRIP, DROP, SILENT, HOLD, REDIRECT }

    private Fault(Kind kind, long bytes, long millis, int status) {
      this(kind, bytes, millis, status, null, null);
    }

    /** Answer {@code status} (a 3xx) with {@code Location: location}, on a connection that stays open. */
    public static Fault redirect(int status, String location) {
      return new Fault(Kind.REDIRECT, 0, 0, status, null, java.util.Objects.requireNonNull(location));
    }

    /** Serve normally. */
    public static Fault none() {
      return new Fault(Kind.NONE, 0, 0, 200);
    }

    /** Send the headers and {@code bytes} body bytes, then hold until {@code gate} opens, then the rest. */
    public static Fault holdAfter(long bytes, Gate gate) {
      return new Fault(Kind.HOLD, bytes, 0, 200, java.util.Objects.requireNonNull(gate), null);
    }

    /** Respond with this status and a short text body (keeps the connection). */
    public static Fault status(int status) {
      return new Fault(Kind.STATUS, 0, 0, status);
    }

    /** Send the headers (full Content-Length) and {@code bytes} body bytes, then reset the connection (RST). */
    public static Fault resetAfter(long bytes) {
      return new Fault(Kind.RESET_AFTER, bytes, 0, 200);
    }

    /** Announce the full Content-Length, send {@code bytes} body bytes, then close cleanly (FIN). */
    public static Fault truncateAfter(long bytes) {
      return new Fault(Kind.TRUNCATE_AFTER, bytes, 0, 200);
    }

    /** Send {@code bytes} body bytes, then nothing for {@code stall}, then the rest. */
    public static Fault stallAfter(long bytes, Duration stall) {
      return new Fault(Kind.STALL_AFTER, bytes, stall.toMillis(), 200);
    }

    /** Serve the whole body with the lowest bit of the byte at {@code offset} flipped. */
    public static Fault flipBit(long offset) {
      return new Fault(Kind.FLIP_BIT, offset, 0, 200);
    }

    /** Serve the whole body in {@code chunk}-byte pieces with {@code delay} between them. */
    public static Fault drip(int chunk, Duration delay) {
      return new Fault(Kind.DRIP, chunk, delay.toMillis(), 200);
    }

    /** Send nothing at all (not even headers) for {@code silence}, then close the connection. */
    public static Fault silent(Duration silence) {
      return new Fault(Kind.SILENT, 0, silence.toMillis(), 0);
    }

    /** Close the connection without sending anything. */
    public static Fault drop() {
      return new Fault(Kind.DROP, 0, 0, 0);
    }
  }

  /**
   * One request as received.
   *
   * @param target the raw request target (absolute-form {@code http://host/p} when sent to a proxy)
   * @param path the decoded path without its leading {@code /}
   * @param headers header names in lower case; the last value wins
   * @param attempt 1-based number of this request among the requests for {@code path}
   */
  public record Recorded(String method, String target, String path, Map<String, String> headers, int attempt) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /** Where bodies come from. */
  private interface Source {
    /** Null when there is no such resource (served as 404). */
    Body open(String path, Recorded request) throws IOException;
  }

  private record Body(int status, long length, InputStream in) {}

  private final ReservedPort port;
  private final ServerSocket server;
  private final Source source;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "faulty-http");
    t.setDaemon(true);
    return t;
  });
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Map<String, IntFunction<Fault>> scripts = new ConcurrentHashMap<>();
  private volatile BiFunction<String, Integer, Fault> defaultScript = (path, attempt) -> Fault.none();
  private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
  private final List<Recorded> recorded = new CopyOnWriteArrayList<>();
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private volatile boolean closed;

  private FaultyHttpServer(Source source) throws IOException {
    this.source = source;
    // bound to a reserved port, which stays reserved after refuseConnections(): "the server is gone"
    // then means connections refused, never someone else's server on the same port
    this.port = ReservedPort.reserve();
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port.port()), 256);
    this.server = s;
    pool.execute(this::acceptLoop);
  }

  /** Serves files below {@code root}. */
  public static FaultyHttpServer serving(Path root) throws IOException {
    Path r = root.toAbsolutePath().normalize();
    return new FaultyHttpServer((path, request) -> {
      Path p = r.resolve(path).normalize();
      if (!p.startsWith(r) || !Files.isRegularFile(p)) {
        return null;
      }
      return new Body(200, Files.size(p), Files.newInputStream(p));
    });
  }

  /**
   * Forwards each request path to {@code upstreamBase} (with the {@code Cookie} and
   * {@code ota-file-cache-control} headers) and relays the answer with the scripted faults applied.
   */
  public static FaultyHttpServer proxyingTo(URI upstreamBase) throws IOException {
    String base = upstreamBase.toString().endsWith("/") ? upstreamBase.toString() : upstreamBase + "/";
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .proxy(HttpClient.Builder.NO_PROXY).build();
    return new FaultyHttpServer((path, request) -> {
      String rawPath = URI.create(request.target()).getRawPath();
      HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(base + rawPath.substring(1))).GET();
      for (String h : List.of("cookie", "ota-file-cache-control")) {
        if (request.header(h) != null) {
          rb.header(h, request.header(h));
        }
      }
      try {
        HttpResponse<InputStream> resp = client.send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
        long len = resp.headers().firstValueAsLong("content-length").orElse(-1);
        if (len < 0) {
          byte[] all;
          try (InputStream in = resp.body()) {
            all = in.readAllBytes();
          }
          return new Body(resp.statusCode(), all.length, new java.io.ByteArrayInputStream(all));
        }
        return new Body(resp.statusCode(), len, resp.body());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    });
  }

  /** {@code http://127.0.0.1:<port>/}. */
  public URI baseUri() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/");
  }

  public InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
  }

  /** Attempt n (1-based) of {@code path} gets {@code faults[n-1]}; later attempts are served normally. */
  public FaultyHttpServer script(String path, Fault... faults) {
    List<Fault> list = List.of(faults);
    scripts.put(path, attempt -> attempt <= list.size() ? list.get(attempt - 1) : Fault.none());
    return this;
  }

  /** Every request for {@code path} gets {@code fault}. */
  public FaultyHttpServer always(String path, Fault fault) {
    scripts.put(path, attempt -> fault);
    return this;
  }

  /** Full control: the fault for each attempt number of {@code path}. */
  public FaultyHttpServer script(String path, IntFunction<Fault> byAttempt) {
    scripts.put(path, Objects.requireNonNull(byAttempt));
    return this;
  }

  /** Script for paths without their own. */
  public FaultyHttpServer byDefault(IntFunction<Fault> byAttempt) {
    Objects.requireNonNull(byAttempt);
    defaultScript = (path, attempt) -> byAttempt.apply(attempt);
    return this;
  }

  /** Script for paths without their own, by path and attempt number. */
  public FaultyHttpServer byDefault(BiFunction<String, Integer, Fault> byPathAndAttempt) {
    defaultScript = Objects.requireNonNull(byPathAndAttempt);
    return this;
  }

  public List<Recorded> requests() {
    return List.copyOf(recorded);
  }

  public List<Recorded> requests(String path) {
    List<Recorded> out = new ArrayList<>();
    for (Recorded r : recorded) {
      if (r.path().equals(path)) {
        out.add(r);
      }
    }
    return out;
  }

  /** TCP connections accepted so far (to observe connection reuse). */
  public int connectionsAccepted() {
    return connections.get();
  }

  /**
   * Most requests ever in progress at once. A request counts from its arrival until just before the
   * last byte of its response is written, so a client that sends the next request only after reading
   * a whole response is never counted twice.
   */
  public int maxConcurrentRequests() {
    return maxInFlight.get();
  }

  /** Forgets scripts, attempt counters and recorded requests. */
  public void reset() {
    scripts.clear();
    attempts.clear();
    recorded.clear();
    defaultScript = (path, attempt) -> Fault.none();
  }

  /**
   * The server is gone: stops listening and drops every connection; the port stays reserved (connections
   * to it are refused) until {@link #close()}.
   */
  public void refuseConnections() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    for (Socket s : open) {
      closeQuietly(s);
    }
    pool.shutdownNow();
  }

  @Override
  public void close() {
    refuseConnections();
    port.close();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        return;
      }
      connections.incrementAndGet();
      open.add(s);
      pool.execute(() -> {
        try {
          serveConnection(s);
        } catch (IOException | RuntimeException e) {
          // client went away or a fault closed the socket
        } finally {
          open.remove(s);
          closeQuietly(s);
        }
      });
    }
  }

  private void serveConnection(Socket s) throws IOException {
    s.setSoTimeout(60_000);
    s.setTcpNoDelay(true);
    InputStream in = new BufferedInputStream(s.getInputStream());
    OutputStream out = s.getOutputStream();
    while (!closed) {
      List<String> head = readHead(in);
      if (head == null) {
        return;
      }
      String[] requestLine = head.get(0).split(" ");
      if (requestLine.length != 3) {
        writeSimple(out, 400, true);
        return;
      }
      Map<String, String> headers = new LinkedHashMap<>();
      for (String line : head.subList(1, head.size())) {
        int colon = line.indexOf(':');
        if (colon > 0) {
          headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
      }
      String target = requestLine[1];
      String path;
      try {
        String p = URI.create(target).getPath();
        path = p == null ? "" : p.startsWith("/") ? p.substring(1) : p;
      } catch (IllegalArgumentException e) {
        writeSimple(out, 400, true);
        return;
      }
      int attempt = attempts.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
      Recorded rec = new Recorded(requestLine[0], target, path, Collections.unmodifiableMap(headers), attempt);
      recorded.add(rec);
      boolean clientCloses = "close".equalsIgnoreCase(headers.get("connection"));
      IntFunction<Fault> script = scripts.get(path);
      Fault fault = script != null ? script.apply(attempt) : defaultScript.apply(path, attempt);
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      boolean keep;
      Finish finish = new Finish();
      try {
        keep = respond(s, out, rec, fault, finish);
      } finally {
        finish.run();
      }
      if (!keep || clientCloses) {
        return;
      }
    }
  }

  /** Ends the in-flight count of one request exactly once. */
  private final class Finish implements Runnable {
    private boolean done;

    @Override
    public void run() {
      if (!done) {
        done = true;
        inFlight.decrementAndGet();
      }
    }
  }

  /** Writes the response; false when the connection must be closed afterwards. */
  private boolean respond(Socket s, OutputStream out, Recorded rec, Fault fault, Finish finish) throws IOException {
    switch (fault.kind()) {
      case DROP -> {
        return false;
      }
      case SILENT -> {
        sleep(fault.millis());
        return false;
      }
      case STATUS -> {
        finish.run();
        writeSimple(out, fault.status(), false);
        return true;
      }
      case REDIRECT -> {
        finish.run();
        writeSimple(out, fault.status(), false, "Location: " + fault.location() + "\r\n");
        return true;
      }
      default -> { }
    }
    if (!rec.method().equals("GET") && !rec.method().equals("HEAD")) {
      finish.run();
      writeSimple(out, 405, false);
      return true;
    }
    Body body = source.open(rec.path(), rec);
    if (body == null) {
      finish.run();
      writeSimple(out, 404, false);
      return true;
    }
    try (InputStream content = body.in()) {
      String head = "HTTP/1.1 " + body.status() + " " + reason(body.status()) + "\r\n"
          + "Content-Length: " + body.length() + "\r\n"
          + "Content-Type: application/octet-stream\r\n\r\n";
      if (rec.method().equals("HEAD") || body.length() == 0) {
        finish.run();
      }
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      if (rec.method().equals("HEAD")) {
        out.flush();
        return true;
      }
      return sendBody(s, out, content, body.length(), fault, finish);
    }
  }

  private boolean sendBody(Socket s, OutputStream out, InputStream content, long length, Fault fault,
                           Runnable beforeLastWrite) throws IOException {
    byte[] buf = new byte[64 * 1024];
    long sent = 0;
    long limit = switch (fault.kind()) {
      case RESET_AFTER, TRUNCATE_AFTER, STALL_AFTER, HOLD -> Math.min(fault.bytes(), length);
      default -> length;
    };
    int chunk = fault.kind() == Fault.Kind.DRIP ? (int) Math.max(1, fault.bytes()) : buf.length;
    while (sent < limit) {
      int n = content.read(buf, 0, (int) Math.min(chunk, limit - sent));
      if (n < 0) {
        break;
      }
      if (fault.kind() == Fault.Kind.FLIP_BIT && fault.bytes() >= sent && fault.bytes() < sent + n) {
        buf[(int) (fault.bytes() - sent)] ^= 1;
      }
      if (sent + n >= length) {
        beforeLastWrite.run();
      }
      out.write(buf, 0, n);
      sent += n;
      if (fault.kind() == Fault.Kind.DRIP && sent < length) {
        out.flush();
        sleep(fault.millis());
      }
    }
    out.flush();
    switch (fault.kind()) {
      case RESET_AFTER -> {
        s.setSoLinger(true, 0); // close() now sends RST instead of FIN
        return false;
      }
      case TRUNCATE_AFTER -> {
        s.shutdownOutput();
        return false;
      }
      case STALL_AFTER -> {
        sleep(fault.millis());
        content.transferTo(out);
        out.flush();
        return true;
      }
      case HOLD -> {
        fault.gate().pass();
        beforeLastWrite.run();
        content.transferTo(out);
        out.flush();
        return true;
      }
      default -> {
        return true;
      }
    }
  }

  private static void writeSimple(OutputStream out, int status, boolean close) throws IOException {
    writeSimple(out, status, close, "");
  }

  /** @param headers more header lines, each ending in CRLF */
  private static void writeSimple(OutputStream out, int status, boolean close, String headers) throws IOException {
    byte[] body = ("status " + status + "\n").getBytes(StandardCharsets.US_ASCII);
    String head = "HTTP/1.1 " + status + " " + reason(status) + "\r\n"
        + headers
        + "Content-Length: " + body.length + "\r\n"
        + "Content-Type: text/plain\r\n"
        + (close ? "Connection: close\r\n" : "")
        + "\r\n";
    out.write(head.getBytes(StandardCharsets.ISO_8859_1));
    out.write(body);
    out.flush();
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 413 -> "Payload Too Large";
      case 429 -> "Too Many Requests";
      case 500 -> "Internal Server Error";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      default -> "Status";
    };
  }

  /** Request line and header lines, or null at a clean end of the connection. */
  private static List<String> readHead(InputStream in) throws IOException {
    List<String> lines = new ArrayList<>();
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int c;
      try {
        c = in.read();
      } catch (SocketException e) {
        return null;
      }
      if (c < 0) {
        return null;
      }
      if (c == '\n') {
        String l = line.toString(StandardCharsets.ISO_8859_1);
        if (l.endsWith("\r")) {
          l = l.substring(0, l.length() - 1);
        }
        line.reset();
        if (l.isEmpty()) {
          if (lines.isEmpty()) {
            continue; // tolerate stray CRLF between requests
          }
          return lines;
        }
        lines.add(l);
        if (lines.size() > 200) {
          throw new IOException("too many header lines");
        }
      } else {
        line.write(c);
        if (line.size() > 64 * 1024) {
          throw new IOException("header line too long");
        }
      }
    }
  }

  private static void sleep(long millis) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("server closing", e);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // nothing to do
    }
  }
}
