package dev.otaclient.proxy;

import static dev.otaclient.proxy.Fixtures.clientVia;
import static dev.otaclient.proxy.Fixtures.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.internal.fetch.CacheControl;
import dev.otaclient.testing.Await;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What is committed to the cache, and what happens to broken, stale and partial entries. */
class ProxyCacheIntegrityTest {
  @TempDir Path tmp;
  private Path root;
  private Path cache;
  private OriginServer origin;
  private OtaProxy proxy;
  private HttpClient client;

  @BeforeEach
  void setUp() throws Exception {
    root = tmp.resolve("www");
    Files.createDirectories(root);
    cache = tmp.resolve("cache");
    origin = OriginServer.start(root, "c", "v");
    proxy = OtaProxy.start(Fixtures.config(cache));
    client = clientVia(proxy);
  }

  @AfterEach
  void tearDown() throws Exception {
    Fixtures.closeAll(proxy, origin);
  }

  private long tmpFiles() {
    try {
      return Fixtures.tmpFiles(proxy, cache);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static String[] sha(String sha256, boolean retry) {
    return new String[] {CacheControl.HEADER, CacheControl.forFile(sha256, null, retry)};
  }

  @Test
  void corruptedEntryIsServedUntilRetryCachingRefetchesIt() throws Exception {
    byte[] content = Fixtures.write(root.resolve("a.bin"), Fixtures.randomBytes(1, 300_000));
    String sha = Fixtures.sha256(content);
    assertThat(get(client, origin.url("/a.bin"), sha(sha, false)).body()).isEqualTo(content);
    proxy.awaitCommits();

    Path entry = cache.resolve("data").resolve(sha);
    byte[] corrupt = content.clone();
    corrupt[1234] ^= 0x5a;
    Files.write(entry, corrupt);

    // No scrub: the proxy trusts its entries until a client reports them with retry_caching.
    assertThat(get(client, origin.url("/a.bin"), sha(sha, false)).body()).isEqualTo(corrupt);
    assertThat(origin.count("/a.bin")).isEqualTo(1);

    assertThat(get(client, origin.url("/a.bin"), sha(sha, true)).body()).isEqualTo(content);
    assertThat(origin.count("/a.bin")).isEqualTo(2);
    proxy.awaitCommits();
    assertThat(Fixtures.sha256(entry)).isEqualTo(sha);

    assertThat(get(client, origin.url("/a.bin"), sha(sha, false)).body()).isEqualTo(content);
    assertThat(origin.count("/a.bin")).isEqualTo(2);
  }

  @Test
  void urlKeyedEntryIsReplacedOnRetryCaching() throws Exception {
    byte[] v1 = Fixtures.write(root.resolve("b.bin"), Fixtures.randomBytes(2, 5000));
    assertThat(get(client, origin.url("/b.bin")).body()).isEqualTo(v1);
    proxy.awaitCommits();
    byte[] v2 = Fixtures.write(root.resolve("b.bin"), Fixtures.randomBytes(3, 6000));
    assertThat(get(client, origin.url("/b.bin")).body()).isEqualTo(v1);
    assertThat(get(client, origin.url("/b.bin"), CacheControl.HEADER, CacheControl.RETRY_CACHING).body()).isEqualTo(v2);
    proxy.awaitCommits();
    assertThat(get(client, origin.url("/b.bin")).body()).isEqualTo(v2);
    assertThat(origin.count("/b.bin")).isEqualTo(2);
    assertThat(Fixtures.entries(proxy, cache).toList()).singleElement().asString().startsWith("URL_");
  }

  @Test
  void bodyNotMatchingItsFileSha256IsServedButNotCommitted() throws Exception {
    byte[] content = Fixtures.write(root.resolve("c.bin"), Fixtures.randomBytes(4, 70_000));
    String wrong = Fixtures.sha256("something else".getBytes());
    HttpResponse<byte[]> r = get(client, origin.url("/c.bin"), sha(wrong, false));
    assertThat(r.body()).isEqualTo(content); // the client's own hash check rejects it
    assertThat(Fixtures.entries(proxy, cache).toList()).isEmpty();
    assertThat(Fixtures.tmpFiles(proxy, cache)).isZero();
  }

  @Test
  void compressedAndPlainVariantsOfOneFileAreSeparateEntries() throws Exception {
    byte[] plain = Fixtures.write(root.resolve("d.bin"), Fixtures.randomBytes(5, 40_000));
    byte[] packed = Fixtures.write(root.resolve("d.bin.zst"), Fixtures.randomBytes(6, 9_000));
    String sha = Fixtures.sha256(plain);
    String zst = CacheControl.forFile(sha, "zst", false);

    assertThat(get(client, origin.url("/d.bin.zst"), CacheControl.HEADER, zst).body()).isEqualTo(packed);
    assertThat(get(client, origin.url("/d.bin"), sha(sha, false)).body()).isEqualTo(plain);
    HttpResponse<byte[]> again = get(client, origin.url("/d.bin.zst"), CacheControl.HEADER, zst);
    assertThat(again.body()).isEqualTo(packed);
    assertThat(again.headers().firstValue(CacheControl.HEADER)).contains(zst);
    assertThat(get(client, origin.url("/d.bin"), sha(sha, false)).body()).isEqualTo(plain);

    assertThat(Fixtures.entries(proxy, cache).toList()).containsExactlyInAnyOrder(sha, sha + ".zst");
    assertThat(origin.count("/d.bin")).isEqualTo(1);
    assertThat(origin.count("/d.bin.zst")).isEqualTo(1);
  }

  @Test
  void noCacheAlwaysGoesToTheOriginAndStoresNothing() throws Exception {
    byte[] content = Fixtures.write(root.resolve("metadata.jwt"), "header.payload.sig".getBytes());
    for (int i = 0; i < 3; i++) {
      assertThat(get(client, origin.url("/metadata.jwt"), CacheControl.HEADER, CacheControl.NO_CACHE).body())
          .isEqualTo(content);
    }
    assertThat(origin.count("/metadata.jwt")).isEqualTo(3);
    assertThat(Fixtures.entries(proxy, cache).toList()).isEmpty();
  }

  @Test
  void contentTypeIsReplayedFromTheCache() throws Exception {
    Files.writeString(root.resolve("notes.txt"), "hello\n");
    HttpResponse<byte[]> miss = get(client, origin.url("/notes.txt"));
    HttpResponse<byte[]> hit = get(client, origin.url("/notes.txt"));
    assertThat(miss.headers().firstValue("Content-Type")).contains("text/plain");
    assertThat(hit.headers().firstValue("Content-Type")).contains("text/plain");
    assertThat(hit.headers().firstValue("Content-Length")).contains("6");
    assertThat(origin.count("/notes.txt")).isEqualTo(1);
    assertThat(proxy.stats().hits()).isEqualTo(1);
  }

  @Test
  void clientDisconnectMidStreamNeverLeavesATruncatedEntry() throws Exception {
    // /slow/ runs at 1 MiB/s: the client leaves after 64 KiB of a 3 MiB file.
    byte[] content = Fixtures.write(root.resolve("slow/big.bin"), Fixtures.randomBytes(7, 3 << 20));
    String sha = Fixtures.sha256(content);
    HttpResponse<InputStream> r = client.send(Fixtures.request(origin.url("/slow/big.bin"), sha(sha, false)),
        HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = r.body()) {
      assertThat(in.readNBytes(64 << 10)).hasSize(64 << 10);
    }

    Path entry = cache.resolve("data").resolve(sha);
    // The leader finishes the download for the cache; what gets committed (renamed into place) is
    // the whole file.
    Await.until("the leader to commit " + entry, () -> Files.exists(entry));
    assertThat(Files.size(entry)).isEqualTo(content.length);
    assertThat(Fixtures.sha256(entry)).isEqualTo(sha);
    assertThat(get(client, origin.url("/slow/big.bin"), sha(sha, false)).body()).isEqualTo(content);
    assertThat(origin.count("/slow/big.bin")).isEqualTo(1);
  }

  @Test
  void truncatedUpstreamBodyIsNotCommittedAndTheClientSeesAShortBody() throws Exception {
    byte[] half = Fixtures.randomBytes(8, 200_000);
    try (BrokenOrigin broken = new BrokenOrigin(half, 400_000, 4, 20)) {
      for (int i = 1; i <= 2; i++) {
        String url = broken.url("/broken.bin");
        assertThatThrownBy(() -> get(client, url)).isInstanceOf(IOException.class);
        assertThat(broken.requests()).isEqualTo(i);
        assertThat(Fixtures.entries(proxy, cache).toList()).isEmpty();
        assertThat(Fixtures.tmpFiles(proxy, cache)).isZero();
      }
    }
  }

  @Test
  void clientDisconnectThenUpstreamBreakLeavesNoEntry() throws Exception {
    byte[] part = Fixtures.randomBytes(9, 500_000);
    try (BrokenOrigin broken = new BrokenOrigin(part, 1_000_000, 10, 100)) {
      HttpResponse<InputStream> r = client.send(Fixtures.request(broken.url("/x.bin")),
          HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = r.body()) {
        in.readNBytes(10_000);
      }
      Await.until("the origin to end the short body", () -> broken.finished() >= 1);
      assertThat(broken.finished()).isEqualTo(1);
      // the leader notices the short body and drops its temp file instead of committing it
      Await.until("the leader to drop its temp file", () -> tmpFiles() == 0);
      assertThat(Fixtures.entries(proxy, cache).toList()).isEmpty();
    }
  }

  @Test
  void followersOfABrokenDownloadGetAnErrorToo() throws Exception {
    byte[] part = Fixtures.randomBytes(10, 300_000);
    try (BrokenOrigin broken = new BrokenOrigin(part, 600_000, 10, 100).holdAfterFirstSlice()) {
      String url = broken.url("/shared.bin");
      CompletableFuture<HttpResponse<byte[]>> leader =
          client.sendAsync(Fixtures.request(url), HttpResponse.BodyHandlers.ofByteArray());
      broken.awaitFirstSlice();
      CompletableFuture<HttpResponse<byte[]>> follower =
          clientVia(proxy).sendAsync(Fixtures.request(url), HttpResponse.BodyHandlers.ofByteArray());
      // the follower joined the download (a hit) while it was held; only then does it break
      Await.until("the follower to join the leader's download", () -> proxy.stats().hits() == 1);
      broken.release();
      assertThatThrownBy(leader::get).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IOException.class);
      assertThatThrownBy(follower::get).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IOException.class);
      assertThat(broken.requests()).isEqualTo(1);
      assertThat(proxy.stats().hits()).isEqualTo(1);
      assertThat(Fixtures.entries(proxy, cache).toList()).isEmpty();
    }
  }

  @Test
  void entryLeftInconsistentByACrashIsNeverServed() throws Exception {
    byte[] content = Fixtures.write(root.resolve("e.bin"), Fixtures.randomBytes(11, 100_000));
    String sha = Fixtures.sha256(content);
    assertThat(get(client, origin.url("/e.bin"), sha(sha, false)).body()).isEqualTo(content);
    proxy.awaitCommits();
    proxy.close();

    // As after a power cut: the rename reached the disk but not all data; a download was in flight.
    Path entry = cache.resolve("data").resolve(sha);
    Files.write(entry, java.util.Arrays.copyOf(content, 4096));
    Files.write(cache.resolve("tmp").resolve("0123abcd"), new byte[1000]);

    proxy = OtaProxy.start(Fixtures.config(cache));
    client = clientVia(proxy);
    assertThat(Fixtures.tmpFiles(proxy, cache)).isZero();
    assertThat(get(client, origin.url("/e.bin"), sha(sha, false)).body()).isEqualTo(content);
    assertThat(origin.count("/e.bin")).isEqualTo(2);
    proxy.awaitCommits();
    assertThat(Fixtures.sha256(entry)).isEqualTo(sha);
  }
}
