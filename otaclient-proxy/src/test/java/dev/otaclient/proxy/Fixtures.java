package dev.otaclient.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

/** Shared bits of the proxy tests: proxy configs, clients going through a proxy, test data. */
final class Fixtures {
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  private Fixtures() {}

  /**
   * A caching proxy on a free loopback port talking plain HTTP to the origin. The space limits are
   * near 100 % so these tests never depend on how full the build machine's disk is;
   * {@link ProxySpaceLimitTest} tests the limits on a filesystem of its own.
   */
  static ProxyConfig config(Path cacheDir) {
    return new ProxyConfig(new InetSocketAddress("127.0.0.1", 0), Optional.empty(), false, true, cacheDir,
        0.98, 0.99, Duration.ofSeconds(5));
  }

  static HttpClient clientVia(OtaProxy proxy) {
    InetSocketAddress a = proxy.address();
    return HttpClient.newBuilder()
        .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", a.getPort())))
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(TIMEOUT)
        .build();
  }

  /** GET with headers given as name, value pairs. */
  static HttpResponse<byte[]> get(HttpClient client, String url, String... headers)
      throws IOException, InterruptedException {
    return client.send(request(url, headers), HttpResponse.BodyHandlers.ofByteArray());
  }

  static HttpRequest request(String url, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).GET();
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return b.build();
  }

  static byte[] randomBytes(long seed, int size) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  static byte[] write(Path file, byte[] content) throws IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, content);
    return content;
  }

  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  static String sha256(Path file) throws IOException {
    return sha256(Files.readAllBytes(file));
  }

  /**
   * Names of the committed entries of {@code proxy}'s cache directory, once every download that has
   * finished is committed (commits are batched a few milliseconds behind the responses, so a listing
   * without the wait races them).
   */
  static Stream<String> entries(OtaProxy proxy, Path cacheDir) throws IOException, InterruptedException {
    proxy.awaitCommits();
    Path data = cacheDir.resolve("data");
    if (!Files.isDirectory(data)) {
      return Stream.empty();
    }
    try (Stream<Path> s = Files.list(data)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList().stream();
    }
  }

  /** Downloads in {@code proxy}'s cache directory not yet committed (or left behind), once the commits are done. */
  static long tmpFiles(OtaProxy proxy, Path cacheDir) throws IOException, InterruptedException {
    proxy.awaitCommits();
    try (Stream<Path> s = Files.list(cacheDir.resolve("tmp"))) {
      return s.count();
    }
  }

  /** Closes each of {@code resources} that is not null, in order. */
  static void closeAll(AutoCloseable... resources) throws Exception {
    for (AutoCloseable r : resources) {
      if (r != null) {
        r.close();
      }
    }
  }

  /** Sends bytes verbatim to a server and returns everything it answers until it closes. */
  static String raw(InetSocketAddress server, String request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", server.getPort())) {
      s.setSoTimeout((int) TIMEOUT.toMillis());
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }
}
