package dev.otaclient.internal.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fetch.BlobRequest;
import dev.otaclient.internal.fetch.BlobWriter;
import dev.otaclient.internal.fetch.Blobs;
import dev.otaclient.internal.fetch.Cookies;
import dev.otaclient.internal.fetch.FetchListener;
import dev.otaclient.internal.fetch.FetchResult;
import dev.otaclient.internal.fetch.HttpSettings;
import dev.otaclient.internal.fetch.RetryPolicy;
import dev.otaclient.testing.Await;
import dev.otaclient.testing.FaultyHttpServer;
import dev.otaclient.testing.FaultyHttpServer.Fault;
import dev.otaclient.testing.FaultyHttpServer.Recorded;
import dev.otaclient.testing.ReservedPort;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HttpImageSourceTest {
  /** Far above any pause of a healthy transfer on a loaded machine; stalls that must trip it last 10 s. */
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(1);
  private static final RetryPolicy FAST = new RetryPolicy(5, Duration.ofMillis(1), Duration.ofMillis(8),
      Duration.ofSeconds(30));
  private static final HttpSettings SETTINGS = HttpSettings.defaults().withTimeouts(Duration.ofSeconds(2), READ_TIMEOUT);

  @TempDir Path image;
  @TempDir Path out;
  private FaultyHttpServer server;

  @BeforeEach
  void start() throws Exception {
    server = FaultyHttpServer.serving(image);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpImageSource fetcher() {
    return source(server.baseUri(), Cookies.none(), SETTINGS, FAST, 4);
  }

  private static HttpImageSource source(URI base, Cookies cookies, HttpSettings http, RetryPolicy retry, int connections) {
    return (HttpImageSource) ImageSources.open(ImageLocation.parse(base.toString()), cookies, http, retry, connections, null);
  }

  @Test
  void aBandwidthCapSlowsTheTransferDown() throws Exception {
    byte[] data = Blobs.random(600_000, 40);
    Blobs.put(image, "data/capped", data);
    long rate = 200_000;
    try (HttpImageSource f = source(server.baseUri(), Cookies.none(), SETTINGS.withBandwidthLimit(rate), FAST, 4)) {
      long t0 = System.nanoTime();
      FetchResult r = f.fetch(BlobRequest.plain("data/capped", Blobs.sha256(data), data.length), out.resolve("c"), null);
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertThat(r.writtenBytes()).isEqualTo(data.length);
      // a lower bound only: without the cap this takes milliseconds, a busy machine only adds time
      assertThat(seconds).isGreaterThanOrEqualTo((data.length - 64 * 1024) / (double) rate);
    }
    assertThat(Files.readAllBytes(out.resolve("c"))).isEqualTo(data);
  }

  @Test
  void normalDownload() throws Exception {
    byte[] data = Blobs.random(3 * 1024 * 1024 + 17, 1);
    String sha = Blobs.sha256(data);
    Blobs.put(image, "data/usr/bin/x", data);
    Blobs.Recorder rec = new Blobs.Recorder();
    try (HttpImageSource f = fetcher()) {
      FetchResult r = f.fetch(BlobRequest.plain("data/usr/bin/x", sha, data.length), out.resolve("x"), rec);
      assertThat(r).isEqualTo(new FetchResult(data.length, data.length, 0));
    }
    assertThat(Files.readAllBytes(out.resolve("x"))).isEqualTo(data);
    assertThat(rec.bytes.get()).isEqualTo(data.length);
    assertThat(rec.retries.get()).isZero();
    List<Recorded> reqs = server.requests("data/usr/bin/x");
    assertThat(reqs).hasSize(1);
    assertThat(reqs.get(0).target()).isEqualTo("/data/usr/bin/x");
    assertThat(reqs.get(0).header("ota-file-cache-control")).isEqualTo("file_sha256=" + sha);
    assertThat(reqs.get(0).header("cookie")).isNull();
  }

  @Test
  void redirectsAreFollowedAndAfterTheFirstOneEveryRequestGoesStraightToTheClientThatFollowsThem()
      throws Exception {
    byte[] a = Blobs.random(70_000, 2);
    byte[] b = Blobs.random(50_000, 3);
    byte[] c = Blobs.random(30_000, 4);
    Blobs.put(image, "data/plain", c);
    Blobs.put(image, "moved/a", a);
    Blobs.put(image, "moved/b", b);
    server.always("data/a", Fault.redirect(302, "/moved/a"));
    server.always("data/b", Fault.redirect(301, server.baseUri() + "moved/b"));
    try (HttpImageSource f = fetcher()) {
      fetchPlainThenTwoRedirected(f, c, a, b);
    }
    // the first redirect is met by the minimal client and asked again by the full one; later ones once
    assertThat(server.requests("data/a")).hasSize(2);
    assertThat(server.requests("moved/a")).hasSize(1);
    assertThat(server.requests("data/b")).hasSize(1);
    assertThat(server.requests("moved/b")).hasSize(1);
  }

  /** Fetches {@code data/plain}, then {@code data/a} and {@code data/b} (the two the tests redirect), and checks all three. */
  private void fetchPlainThenTwoRedirected(HttpImageSource f, byte[] plain, byte[] a, byte[] b) throws Exception {
    f.fetch(BlobRequest.plain("data/plain", Blobs.sha256(plain), plain.length), out.resolve("c"), null);
    f.fetch(BlobRequest.plain("data/a", Blobs.sha256(a), a.length), out.resolve("a"), null);
    f.fetch(BlobRequest.plain("data/b", Blobs.sha256(b), b.length), out.resolve("b"), null);
    assertThat(Files.readAllBytes(out.resolve("a"))).isEqualTo(a);
    assertThat(Files.readAllBytes(out.resolve("b"))).isEqualTo(b);
    assertThat(Files.readAllBytes(out.resolve("c"))).isEqualTo(plain);
  }

  @Test
  void existingDestinationIsTruncated() throws Exception {
    byte[] data = Blobs.random(100, 2);
    Blobs.put(image, "data/small", data);
    Files.write(out.resolve("small"), Blobs.random(5000, 3));
    try (HttpImageSource f = fetcher()) {
      f.fetch(BlobRequest.plain("data/small", Blobs.sha256(data), 100), out.resolve("small"), null);
    }
    assertThat(Files.readAllBytes(out.resolve("small"))).isEqualTo(data);
  }

  @Test
  void zstBlob() throws Exception {
    byte[] data = new byte[2_000_000];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) ((i / 100) % 13);
    }
    byte[] z = Blobs.zstd(data);
    String sha = Blobs.sha256(data);
    Blobs.put(image, "data.zst/" + sha + ".zst", z);
    Blobs.Recorder rec = new Blobs.Recorder();
    try (HttpImageSource f = fetcher()) {
      FetchResult r = f.fetch(new BlobRequest("data.zst/" + sha + ".zst", sha, data.length, "zst"),
          out.resolve("z"), rec);
      assertThat(r).isEqualTo(new FetchResult(z.length, data.length, 0));
    }
    assertThat(z.length).isLessThan(data.length / 10);
    assertThat(rec.bytes.get()).isEqualTo(z.length);
    assertThat(Blobs.sha256(Files.readAllBytes(out.resolve("z")))).isEqualTo(sha);
    assertThat(server.requests().get(0).header("ota-file-cache-control"))
        .isEqualTo("file_sha256=" + sha + ",file_compression_alg=zst");
  }

  static Stream<Arguments> faults() {
    return Stream.of(
        Arguments.of("reset mid-body", Fault.resetAfter(70_000)),
        Arguments.of("truncated body", Fault.truncateAfter(70_000)),
        Arguments.of("stall longer than the read timeout", Fault.stallAfter(70_000, Duration.ofSeconds(10))),
        Arguments.of("stall before the body", Fault.stallAfter(0, Duration.ofSeconds(10))),
        Arguments.of("bit flip", Fault.flipBit(123_456)),
        Arguments.of("HTTP 500", Fault.status(500)),
        Arguments.of("HTTP 502", Fault.status(502)),
        Arguments.of("HTTP 503", Fault.status(503)),
        Arguments.of("HTTP 429", Fault.status(429)),
        Arguments.of("HTTP 413", Fault.status(413)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("faults")
  void eachFaultIsRetriedAndRecovers(String name, Fault fault) throws Exception {
    byte[] data = Blobs.random(300_000, 4);
    String sha = Blobs.sha256(data);
    Blobs.put(image, "data/f", data);
    server.script("data/f", fault);
    Blobs.Recorder rec = new Blobs.Recorder();
    FetchResult r;
    try (HttpImageSource f = fetcher()) {
      r = f.fetch(BlobRequest.plain("data/f", sha, data.length), out.resolve("f"), rec);
    }
    assertThat(r).isEqualTo(new FetchResult(data.length, data.length, 1));
    assertThat(rec.retries.get()).isEqualTo(1);
    assertThat(rec.retriedAttempts).containsExactly(1);
    assertThat(Files.readAllBytes(out.resolve("f"))).isEqualTo(data);
    List<Recorded> reqs = server.requests("data/f");
    assertThat(reqs).hasSize(2);
    assertThat(reqs.get(0).header("ota-file-cache-control")).isEqualTo("file_sha256=" + sha);
    assertThat(reqs.get(1).header("ota-file-cache-control")).isEqualTo("file_sha256=" + sha + ",retry_caching");
  }

  @Test
  void severalFaultsInARowOnACompressedBlob() throws Exception {
    byte[] data = Blobs.random(400_000, 5);
    byte[] z = Blobs.zstd(data);
    String sha = Blobs.sha256(data);
    String rel = "data.zst/" + sha + ".zst";
    Blobs.put(image, rel, z);
    // a flipped bit in a zstd frame is either a decoder error or a hash mismatch: both are retried
    server.script(rel, Fault.status(503), Fault.flipBit(z.length / 2), Fault.resetAfter(1000),
        Fault.truncateAfter(z.length - 1));
    Blobs.Recorder rec = new Blobs.Recorder();
    try (HttpImageSource f = fetcher()) {
      FetchResult r = f.fetch(new BlobRequest(rel, sha, data.length, "zst"), out.resolve("z"), rec);
      assertThat(r).isEqualTo(new FetchResult(z.length, data.length, 4));
    }
    assertThat(rec.retriedAttempts).containsExactly(1, 2, 3, 4);
    assertThat(server.requests(rel)).extracting(q -> q.header("ota-file-cache-control").endsWith(",retry_caching"))
        .containsExactly(false, true, true, true, true);
    assertThat(Files.readAllBytes(out.resolve("z"))).isEqualTo(data);
  }

  /**
   * A connection closed before any response byte: the JDK client itself resends an idempotent GET once
   * (like urllib3's inner retry), so four drops cost fewer than four of our attempts.
   */
  @Test
  void droppedConnectionsAreRetried() throws Exception {
    byte[] data = Blobs.random(1000, 30);
    Blobs.put(image, "data/d", data);
    server.script("data/d", Fault.drop(), Fault.drop(), Fault.drop(), Fault.drop());
    Blobs.Recorder rec = new Blobs.Recorder();
    try (HttpImageSource f = fetcher()) {
      FetchResult r = f.fetch(BlobRequest.plain("data/d", Blobs.sha256(data), 1000), out.resolve("d"), rec);
      assertThat(r.writtenBytes()).isEqualTo(1000);
      assertThat(r.failedAttempts()).isBetween(1, 4).isEqualTo(rec.retries.get());
    }
    assertThat(server.requests("data/d")).hasSize(5);
    assertThat(Files.readAllBytes(out.resolve("d"))).isEqualTo(data);
  }

  @Test
  void silentServerTimesOutWaitingForHeaders() throws Exception {
    byte[] data = Blobs.random(1000, 31);
    Blobs.put(image, "data/quiet", data);
    // silent ten times longer than the read timeout; the second attempt is served normally
    server.script("data/quiet", Fault.silent(Duration.ofSeconds(10)));
    Blobs.Recorder rec = new Blobs.Recorder();
    try (HttpImageSource f = source(server.baseUri(), Cookies.none(), SETTINGS, FAST, 1)) {
      FetchResult r = f.fetch(BlobRequest.plain("data/quiet", Blobs.sha256(data), 1000), out.resolve("q"), rec);
      assertThat(r.failedAttempts()).isEqualTo(1);
    }
    assertThat(rec.causes).singleElement().asString().containsIgnoringCase("timed out");
    assertThat(server.requests("data/quiet")).hasSize(2);
  }

  @Test
  void fixtureCanInjectFaultsInFrontOfAnUpstream() throws Exception {
    byte[] data = Blobs.random(200_000, 32);
    Blobs.put(image, "img/data/u", data);
    try (FaultyHttpServer front = FaultyHttpServer.proxyingTo(server.baseUri().resolve("img/"))) {
      front.script("data/u", Fault.resetAfter(50_000));
      try (HttpImageSource f = source(front.baseUri(), Cookies.of(Map.of("a", "b")), SETTINGS, FAST, 2)) {
        FetchResult r = f.fetch(BlobRequest.plain("data/u", Blobs.sha256(data), data.length), out.resolve("u"), null);
        assertThat(r).isEqualTo(new FetchResult(data.length, data.length, 1));
      }
      assertThat(front.requests("data/u")).hasSize(2);
    }
    // the upstream saw both requests with the client's headers relayed
    assertThat(server.requests("img/data/u")).hasSize(2);
    assertThat(server.requests("img/data/u").get(1).header("ota-file-cache-control")).endsWith(",retry_caching");
    assertThat(server.requests("img/data/u").get(1).header("cookie")).isEqualTo("a=b");
    assertThat(Files.readAllBytes(out.resolve("u"))).isEqualTo(data);
  }

  @Test
  void closedFetcherRefusesWork() {
    HttpImageSource f = fetcher();
    f.close();
    assertThatThrownBy(() -> f.fetch(BlobRequest.plain("data/x", null, 1), out.resolve("x"), null))
        .isInstanceOfSatisfying(OtaException.class, e -> assertThat(e.detail()).endsWith("data/x: transport closed"));
  }

  @Test
  void slowDripWithinTheReadTimeoutIsNotAFailure() throws Exception {
    byte[] data = Blobs.random(200_000, 6);
    Blobs.put(image, "data/slow", data);
    // 20 chunks, 100 ms apart: the whole body takes longer than the read timeout (a lower bound a slow
    // machine only lengthens), no single gap comes near it
    server.always("data/slow", Fault.drip(10_000, Duration.ofMillis(100)));
    try (HttpImageSource f = fetcher()) {
      FetchResult r = f.fetch(BlobRequest.plain("data/slow", Blobs.sha256(data), data.length), out.resolve("s"), null);
      assertThat(r.failedAttempts()).isZero();
    }
    assertThat(server.requests("data/slow")).hasSize(1);
  }

  @Test
  void cookiesOnEveryRequestIncludingRetries() throws Exception {
    byte[] data = Blobs.random(1000, 7);
    Blobs.put(image, "data/c", data);
    server.script("data/c", Fault.status(500));
    Map<String, String> values = new LinkedHashMap<>();
    values.put("CloudFront-Policy", "eyJTdGF0ZW1l");
    values.put("CloudFront-Key-Pair-Id", "K2ABC");
    try (HttpImageSource f = source(server.baseUri(), Cookies.of(values), SETTINGS, FAST, 2)) {
      f.fetch(BlobRequest.plain("data/c", Blobs.sha256(data), 1000), out.resolve("c"), null);
    }
    assertThat(server.requests("data/c")).hasSize(2).allSatisfy(r ->
        assertThat(r.header("cookie")).isEqualTo("CloudFront-Policy=eyJTdGF0ZW1l; CloudFront-Key-Pair-Id=K2ABC"));
  }

  @Test
  void notFoundAndForbiddenFailAtOnce() throws Exception {
    Blobs.put(image, "data/secret", Blobs.random(10, 8));
    server.always("data/secret", Fault.status(403));
    Blobs.Recorder rec = new Blobs.Recorder();
    try (HttpImageSource f = fetcher()) {
      assertThatThrownBy(() -> f.fetch(BlobRequest.plain("data/missing", null, 10), out.resolve("m"), rec))
          .isInstanceOfSatisfying(OtaException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.APPLY_UPDATE);
            assertThat(e.module()).isEqualTo(ErrorModule.DOWNLOADER);
            assertThat(e.detail()).isEqualTo(server.baseUri() + "data/missing: HTTP 404");
          });
      assertThatThrownBy(() -> f.fetch(BlobRequest.plain("data/secret", null, 10), out.resolve("s"), rec))
          .isInstanceOfSatisfying(OtaException.class,
              e -> assertThat(e.detail()).isEqualTo(server.baseUri() + "data/secret: HTTP 403"));
    }
    assertThat(server.requests("data/missing")).hasSize(1);
    assertThat(server.requests("data/secret")).hasSize(1);
    assertThat(rec.retries.get()).isZero();
    assertThat(out.resolve("m")).doesNotExist();
  }

  @Test
  void unsupportedCompressionFailsWithoutRequest() {
    try (HttpImageSource f = fetcher()) {
      assertThatThrownBy(() -> f.fetch(new BlobRequest("data.lz4/x.lz4", null, 1, "lz4"), out.resolve("x"), null))
          .isInstanceOfSatisfying(OtaException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.APPLY_UPDATE);
            assertThat(e.detail()).isEqualTo(server.baseUri() + "data.lz4/x.lz4: unsupported compression 'lz4'");
          });
    }
    assertThat(server.requests()).isEmpty();
  }

  @Test
  void serverErrorForeverEndsAsNetworkFailureAfterMaxAttempts() throws Exception {
    Blobs.put(image, "data/e", Blobs.random(10, 9));
    server.always("data/e", Fault.status(500));
    Blobs.Recorder rec = new Blobs.Recorder();
    try (HttpImageSource f = fetcher()) {
      assertThatThrownBy(() -> f.fetch(BlobRequest.plain("data/e", null, 10), out.resolve("e"), rec))
          .isInstanceOfSatisfying(OtaException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.NETWORK);
            assertThat(e.module()).isEqualTo(ErrorModule.DOWNLOADER);
            assertThat(e.failureReason()).startsWith("E1-0103-100: ");
            assertThat(e.detail()).isEqualTo(server.baseUri() + "data/e: giving up after 5 attempts; last error: HTTP 500");
          });
    }
    assertThat(server.requests("data/e")).hasSize(FAST.maxAttemptsPerFile());
    assertThat(rec.retriedAttempts).containsExactly(1, 2, 3, 4);
  }

  @Test
  void connectionRefusedIsANetworkFailure() throws Exception {
    RetryPolicy two = new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofSeconds(30));
    try (ReservedPort closed = ReservedPort.reserve();
         HttpImageSource f = source(URI.create("http://" + closed.hostPort() + "/"), Cookies.none(),
             SETTINGS, two, 1)) {
      URI dead = URI.create("http://" + closed.hostPort() + "/");
      assertThatThrownBy(() -> f.fetch(BlobRequest.plain("data/x", null, 1), out.resolve("x"), null))
          .isInstanceOfSatisfying(OtaException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.NETWORK);
            assertThat(e.detail()).startsWith(dead + "data/x: giving up after 2 attempts; last error: ");
          });
    }
  }

  @Test
  void noSuccessBudgetEndsRetriesEarly() throws Exception {
    Blobs.put(image, "data/b", Blobs.random(10, 10));
    server.always("data/b", Fault.status(503));
    RetryPolicy budget = new RetryPolicy(100_000, Duration.ofMillis(20), Duration.ofMillis(20), Duration.ofMillis(300));
    try (HttpImageSource f = source(server.baseUri(), Cookies.none(), SETTINGS, budget, 1)) {
      assertThatThrownBy(() -> f.fetch(BlobRequest.plain("data/b", null, 10), out.resolve("b"), null))
          .isInstanceOfSatisfying(OtaException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.NETWORK);
            assertThat(e.detail()).contains("no download succeeded for 300 ms").endsWith("last error: HTTP 503");
          });
      assertThat(f.transport().budget().exhausted()).isTrue();
      // the budget is shared: another file is not retried either
      server.always("data/b2", Fault.status(503));
      assertThatThrownBy(() -> f.fetch(BlobRequest.plain("data/b2", null, 10), out.resolve("b2"), null))
          .isInstanceOf(OtaException.class);
    }
    // how many attempts fit in 300 ms depends on the machine; that it stopped far short of 100 000 does not
    assertThat(server.requests("data/b").size()).isBetween(1, 100);
    assertThat(server.requests("data/b2")).hasSize(1);
  }

  @Test
  void wrongHashEndsAsApplyUpdate() throws Exception {
    byte[] data = Blobs.random(5000, 11);
    Blobs.put(image, "data/h", data);
    String wrong = Blobs.sha256(Blobs.random(5000, 12));
    Blobs.Recorder rec = new Blobs.Recorder();
    try (HttpImageSource f = fetcher()) {
      assertThatThrownBy(() -> f.fetch(BlobRequest.plain("data/h", wrong, 5000), out.resolve("h"), rec))
          .isInstanceOfSatisfying(OtaException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.APPLY_UPDATE);
            assertThat(e.module()).isEqualTo(ErrorModule.DOWNLOADER);
            assertThat(e.detail()).startsWith(server.baseUri() + "data/h: giving up after 5 attempts; last error: sha256 mismatch: got "
                + Blobs.sha256(data));
          });
    }
    assertThat(server.requests("data/h")).hasSize(5);
    assertThat(rec.causes).allSatisfy(c -> assertThat(c).isInstanceOf(BlobWriter.ContentMismatchException.class));
    assertThat(out.resolve("h")).doesNotExist();
  }

  @Test
  void zstdBombIsRefused() throws Exception {
    byte[] bomb = Blobs.zstd(new byte[32 << 20]);
    Blobs.put(image, "data.zst/bomb.zst", bomb);
    RetryPolicy two = new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofSeconds(30));
    AtomicReference<Long> maxSeen = new AtomicReference<>(0L);
    Path dest = out.resolve("bomb");
    FetchListener watchDisk = new FetchListener() {
      @Override
      public void onBytes(long wireBytes) {
        try {
          if (Files.exists(dest)) {
            maxSeen.accumulateAndGet(Files.size(dest), Math::max);
          }
        } catch (java.io.IOException ignored) {
          // file deleted concurrently
        }
      }
    };
    try (HttpImageSource f = source(server.baseUri(), Cookies.none(), SETTINGS, two, 1)) {
      assertThatThrownBy(() -> f.fetch(new BlobRequest("data.zst/bomb.zst", null, 4096, "zst"), dest, watchDisk))
          .isInstanceOfSatisfying(OtaException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.APPLY_UPDATE);
            assertThat(e.detail()).contains("content is longer than the listed size 4096");
          });
    }
    assertThat(maxSeen.get()).isLessThanOrEqualTo(4096L);
    assertThat(dest).doesNotExist();
  }

  @Test
  void plainBlobLongerThanListedIsRefused() throws Exception {
    Blobs.put(image, "data/long", Blobs.random(3 << 20, 13));
    RetryPolicy one = new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofSeconds(30));
    try (HttpImageSource f = source(server.baseUri(), Cookies.none(), SETTINGS, one, 1)) {
      assertThatThrownBy(() -> f.fetch(BlobRequest.plain("data/long", null, 1000), out.resolve("l"), null))
          .isInstanceOfSatisfying(OtaException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.APPLY_UPDATE);
            assertThat(e.detail()).endsWith("content is longer than the listed size 1000 (at least "
                + BlobWriter.BUFFER_SIZE + " bytes)");
          });
    }
  }

  @Test
  void noSpaceLeftIsStandbySpaceWithoutRetry() throws Exception {
    byte[] data = Blobs.random(10_000, 14);
    Blobs.put(image, "data/big", data);
    // writes to /dev/full fail with ENOSPC; the link keeps the delete-on-failure inside our temp dir
    Path dest = out.resolve("full");
    Files.createSymbolicLink(dest, Path.of("/dev/full"));
    Blobs.Recorder rec = new Blobs.Recorder();
    try (HttpImageSource f = fetcher()) {
      assertThatThrownBy(() -> f.fetch(BlobRequest.plain("data/big", Blobs.sha256(data), data.length), dest, rec))
          .isInstanceOfSatisfying(OtaException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.STANDBY_SPACE);
            assertThat(e.module()).isEqualTo(ErrorModule.STANDBY_SLOT);
            assertThat(e.failureType()).isEqualTo(dev.otaclient.error.FailureType.UNRECOVERABLE);
          });
    }
    assertThat(server.requests("data/big")).hasSize(1);
    assertThat(rec.retries.get()).isZero();
    assertThat(Path.of("/dev/full")).exists();
  }

  @Test
  void concurrentFetchesFromSixteenThreads() throws Exception {
    int files = 64;
    List<byte[]> contents = new ArrayList<>();
    for (int i = 0; i < files; i++) {
      byte[] data = Blobs.random((i * 7919) % 400_000 + 1000, 100 + i);
      contents.add(data);
      Blobs.put(image, "data/many/f" + i, data);
      if (i % 5 == 0) {
        server.script("data/many/f" + i, Fault.resetAfter(data.length / 2));
      } else if (i % 5 == 1) {
        server.script("data/many/f" + i, Fault.status(503));
      }
    }
    Blobs.Recorder rec = new Blobs.Recorder();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try (HttpImageSource f = fetcher()) {
      List<Future<FetchResult>> results = new ArrayList<>();
      for (int i = 0; i < files; i++) {
        int n = i;
        results.add(pool.submit(() -> f.fetch(BlobRequest.plain("data/many/f" + n, Blobs.sha256(contents.get(n)),
            contents.get(n).length), out.resolve("f" + n), rec)));
      }
      long wire = 0;
      for (int i = 0; i < files; i++) {
        FetchResult r = results.get(i).get(60, TimeUnit.SECONDS);
        assertThat(r.writtenBytes()).isEqualTo(contents.get(i).length);
        assertThat(r.failedAttempts()).isEqualTo(i % 5 <= 1 ? 1 : 0);
        assertThat(Files.readAllBytes(out.resolve("f" + i))).isEqualTo(contents.get(i));
        wire += r.wireBytes();
      }
      assertThat(wire).isEqualTo(contents.stream().mapToLong(b -> b.length).sum());
    } finally {
      pool.shutdownNow();
    }
    int faulted = (int) java.util.stream.IntStream.range(0, files).filter(i -> i % 5 <= 1).count();
    assertThat(rec.retries.get()).isEqualTo(faulted);
    assertThat(server.requests()).hasSize(files + faulted);
    // connections are reused: far fewer TCP connections than requests
    assertThat(server.connectionsAccepted()).isLessThan(files / 2);
  }

  @Test
  void atMostMaxConcurrentConnectionsInFlight() throws Exception {
    // responses wait at the gate until two are there: the two permits surely overlap
    FaultyHttpServer.Gate gate = new FaultyHttpServer.Gate();
    for (int i = 0; i < 6; i++) {
      Blobs.put(image, "data/c" + i, Blobs.random(50_000, 200 + i));
      server.always("data/c" + i, Fault.holdAfter(10_000, gate));
    }
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try (HttpImageSource f = source(server.baseUri(), Cookies.none(), SETTINGS, FAST, 2)) {
      List<Future<FetchResult>> results = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        int n = i;
        results.add(pool.submit(() -> f.fetch(BlobRequest.plain("data/c" + n, null, 50_000), out.resolve("c" + n), null)));
      }
      gate.awaitReached(2);
      gate.open();
      for (Future<FetchResult> r : results) {
        assertThat(r.get(30, TimeUnit.SECONDS).writtenBytes()).isEqualTo(50_000);
      }
    } finally {
      pool.shutdownNow();
    }
    // two permits: two requests overlapped, never more
    assertThat(server.maxConcurrentRequests()).isEqualTo(2);
  }

  @Test
  void percentEncodedUrl() throws Exception {
    String name = "data/path;adf.ae?qu.er\\y=str#fragファイルement";
    byte[] data = Blobs.random(100, 15);
    Blobs.put(image, name, data);
    try (HttpImageSource f = fetcher()) {
      assertThat(f.urlOf(name).toString()).isEqualTo(server.baseUri()
          + "data/path%3Badf.ae%3Fqu.er%5Cy%3Dstr%23frag%E3%83%95%E3%82%A1%E3%82%A4%E3%83%ABement");
      f.fetch(BlobRequest.plain(name, Blobs.sha256(data), 100), out.resolve("q"), null);
    }
    assertThat(server.requests().get(0).target())
        .isEqualTo("/data/path%3Badf.ae%3Fqu.er%5Cy%3Dstr%23frag%E3%83%95%E3%82%A1%E3%82%A4%E3%83%ABement");
  }

  @Test
  void proxySeesAbsoluteFormHttpRequests() throws Exception {
    byte[] data = Blobs.random(5000, 16);
    Blobs.put(image, "ota/data/p", data);
    HttpSettings viaProxy = SETTINGS.withProxy(server.address());
    URI origin = URI.create("https://images.example.invalid:8443/ota//");
    try (HttpImageSource f = source(origin, Cookies.of(Map.of("k", "v")), viaProxy, FAST, 2)) {
      assertThat(f.urlOf("data/p"))
          .isEqualTo(URI.create("http://images.example.invalid:8443/ota/data/p"));
      FetchResult r = f.fetch(BlobRequest.plain("data/p", Blobs.sha256(data), data.length), out.resolve("p"), null);
      assertThat(r.writtenBytes()).isEqualTo(5000);
    }
    Recorded req = server.requests().get(0);
    assertThat(req.method()).isEqualTo("GET");
    assertThat(req.target()).isEqualTo("http://images.example.invalid:8443/ota/data/p");
    assertThat(req.header("cookie")).isEqualTo("k=v");
    assertThat(req.header("ota-file-cache-control")).isEqualTo("file_sha256=" + Blobs.sha256(data));
  }

  @Test
  void behindAProxyRedirectsAreFollowedThroughItAndEveryRequestNamesTheOrigin() throws Exception {
    byte[] a = Blobs.random(40_000, 21);
    byte[] b = Blobs.random(20_000, 22);
    byte[] c = Blobs.random(10_000, 23);
    Blobs.put(image, "ota/data/plain", c);
    Blobs.put(image, "ota/moved/a", a);
    Blobs.put(image, "ota/moved/b", b);
    server.always("ota/data/a", Fault.redirect(302, "/ota/moved/a"));
    server.always("ota/data/b", Fault.redirect(307, "http://images.example.invalid:8080/ota/moved/b"));
    HttpSettings viaProxy = SETTINGS.withProxy(server.address());
    try (HttpImageSource f = source(URI.create("http://images.example.invalid:8080/ota/"), Cookies.none(), viaProxy,
        FAST, 2)) {
      fetchPlainThenTwoRedirected(f, c, a, b);
    }
    // the minimal client sends plain-HTTP requests to the proxy until the first redirect, which the
    // full client asks again and follows through the proxy; after that only the full client asks
    assertThat(server.requests("ota/data/a")).hasSize(2);
    assertThat(server.requests("ota/moved/a")).hasSize(1);
    assertThat(server.requests("ota/data/b")).hasSize(1);
    assertThat(server.requests("ota/moved/b")).hasSize(1);
    assertThat(server.requests()).hasSize(6).allSatisfy(r -> {
      assertThat(r.target()).startsWith("http://images.example.invalid:8080/ota/");
      assertThat(r.header("host")).isEqualTo("images.example.invalid:8080");
    });
  }

  @Test
  void interruptAbortsPromptly() throws Exception {
    Blobs.put(image, "data/stuck", Blobs.random(100_000, 17));
    // the body stops after 1000 bytes for as long as the test runs: only the interrupt can end the fetch
    FaultyHttpServer.Gate never = new FaultyHttpServer.Gate();
    server.always("data/stuck", Fault.holdAfter(1000, never));
    HttpSettings patient = SETTINGS.withTimeouts(Duration.ofSeconds(2), Duration.ofMinutes(5));
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicReference<Boolean> flag = new AtomicReference<>();
    try (HttpImageSource f = source(server.baseUri(), Cookies.none(), patient, FAST, 1)) {
      Thread t = new Thread(() -> {
        try {
          f.fetch(BlobRequest.plain("data/stuck", null, 100_000), out.resolve("stuck"), null);
        } catch (Throwable e) {
          thrown.set(e);
          flag.set(Thread.currentThread().isInterrupted());
        }
      });
      t.start();
      never.awaitReached(1); // the request arrived and part of the body is on its way
      t.interrupt();
      // far below the 5 min read timeout: the interrupt, not a timeout, ended the fetch
      Await.join("the interrupted fetch", t, Duration.ofSeconds(60));
    }
    assertThat(thrown.get()).isInstanceOfSatisfying(OtaException.class,
        e -> assertThat(e.detail()).endsWith("data/stuck: interrupted"));
    assertThat(flag.get()).isTrue();
    assertThat(server.requests("data/stuck")).hasSize(1);
    assertThat(out.resolve("stuck")).doesNotExist();
  }
}
