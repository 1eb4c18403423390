package dev.otaclient.proxy;

import static dev.otaclient.proxy.Fixtures.clientVia;
import static dev.otaclient.proxy.Fixtures.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.internal.fetch.CacheControl;
import dev.otaclient.testing.FileClock;
import dev.otaclient.testing.Tmpfs;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Soft/hard limits on a real small filesystem: an 8 MiB tmpfs mounted for each test (needs root;
 * skipped with the reason otherwise). Cache files are whole MiB so the arithmetic below is exact:
 * tmpfs charges one 4 KiB page per sidecar and nothing for directories.
 */
class ProxySpaceLimitTest {
  private static final int MIB = 1 << 20;
  private static final long FS_BYTES = 8L * MIB;

  @TempDir Path tmp;
  private Tmpfs fs;
  private Path mount;
  private Path cache;
  private OriginServer origin;
  private OtaProxy proxy;
  private final Map<String, byte[]> files = new HashMap<>();

  @BeforeEach
  void setUp() throws Exception {
    fs = Tmpfs.mount(tmp.resolve("fs"), "size=" + FS_BYTES);
    mount = fs.dir();
    cache = mount.resolve("cache");
    Path root = tmp.resolve("www");
    for (int i = 1; i <= 8; i++) {
      files.put("/f" + i + ".bin", Fixtures.write(root.resolve("f" + i + ".bin"), Fixtures.randomBytes(i, MIB)));
    }
    files.put("/big3.bin", Fixtures.write(root.resolve("big3.bin"), Fixtures.randomBytes(30, 3 * MIB)));
    files.put("/big4.bin", Fixtures.write(root.resolve("big4.bin"), Fixtures.randomBytes(40, 4 * MIB)));
    files.put("/half.bin", Fixtures.write(root.resolve("half.bin"), Fixtures.randomBytes(50, MIB / 2)));
    for (int i = 1; i <= 3; i++) {
      files.put("/q" + i + ".bin", Fixtures.write(root.resolve("q" + i + ".bin"), Fixtures.randomBytes(60 + i, MIB / 4)));
    }
    origin = OriginServer.start(root, "c", "v");
  }

  @AfterEach
  void tearDown() throws Exception {
    Fixtures.closeAll(proxy, origin);
    if (fs != null) {
      fs.close();
    }
  }

  private void startProxy(double soft, double hard) {
    ProxyConfig base = Fixtures.config(cache);
    proxy = OtaProxy.start(new ProxyConfig(base.listen(), Optional.empty(), false, true, cache, soft, hard,
        Duration.ofSeconds(5)));
  }

  @Test
  void aboveTheSoftLimitTheLeastRecentlyUsedEntriesAreEvicted() throws Exception {
    startProxy(0.70, 0.80);
    HttpClient client = clientVia(proxy);
    for (int i = 1; i <= 5; i++) {
      fetch(client, "/f" + i + ".bin");
      laterAccess("/f" + i + ".bin");
    }
    assertThat(cachedFiles()).containsExactlyInAnyOrder("/f1.bin", "/f2.bin", "/f3.bin", "/f4.bin", "/f5.bin");
    assertThat(usage()).isLessThan(0.70);

    fetch(client, "/f1.bin"); // a hit: f2 is now the least recently used
    laterAccess("/f1.bin");
    fetch(client, "/f6.bin"); // 5 entries + 1 MiB download = 75 % > soft
    laterAccess("/f6.bin");
    assertThat(cachedFiles()).containsExactlyInAnyOrder("/f1.bin", "/f3.bin", "/f4.bin", "/f5.bin", "/f6.bin");
    assertThat(usage()).isLessThan(0.70);

    // used after the eviction above ordered the entries, f3 is no longer the oldest: f4 is
    fetch(client, "/f3.bin");
    laterAccess("/f3.bin");
    fetch(client, "/f8.bin");
    assertThat(cachedFiles()).containsExactlyInAnyOrder("/f1.bin", "/f3.bin", "/f5.bin", "/f6.bin", "/f8.bin");

    // The order survives a restart: it is kept in the files' modification times.
    proxy.close();
    startProxy(0.70, 0.80);
    fetch(clientVia(proxy), "/f7.bin");
    assertThat(cachedFiles()).containsExactlyInAnyOrder("/f1.bin", "/f3.bin", "/f6.bin", "/f7.bin", "/f8.bin");
    assertThat(origin.count("/f1.bin")).isEqualTo(1);
  }

  /**
   * Something other than the cache pushed the disk past the soft limit: emptying the cache would not
   * bring it below, and the ECUs still updating would fetch again what it holds. A new entry takes
   * the place of the least recently used one instead (the cache does not grow), and nothing else is
   * evicted, not by the commit and not by the background check.
   */
  @Test
  void aboveTheSoftLimitByOtherDataANewEntryOnlyTakesThePlaceOfTheOldest() throws Exception {
    ballast("ballast", 5L * MIB);
    startProxy(0.70, 0.80);
    HttpClient client = clientVia(proxy);
    fetch(client, "/q1.bin");
    laterAccess("/q1.bin");
    fetch(client, "/q2.bin");
    laterAccess("/q2.bin");
    assertThat(usage()).isLessThan(0.70);
    ballast("other", 3L * MIB / 4); // 78 %: above soft by more than the cache's 512 KiB, below hard
    assertThat(usage()).isBetween(0.70, 0.80);
    proxy.awaitSpaceCheck(); // the background check has seen it, and left the cache alone
    assertThat(cachedFiles()).containsExactlyInAnyOrder("/q1.bin", "/q2.bin");

    fetch(client, "/q3.bin"); // 81 % when complete: q1 makes room
    assertThat(cachedFiles()).containsExactlyInAnyOrder("/q2.bin", "/q3.bin");
    assertThat(usage()).isBetween(0.70, 0.80);
    fetch(client, "/q2.bin");
    assertThat(origin.count("/q2.bin")).as("q2 served from the cache").isEqualTo(1);
  }

  @Test
  void aboveTheHardLimitNothingIsCachedButClientsAreServed() throws Exception {
    ballast(7L * MIB); // 87.5 %
    startProxy(0.70, 0.80);
    HttpClient client = clientVia(proxy);
    fetch(client, "/half.bin");
    fetch(client, "/half.bin");
    assertThat(origin.count("/half.bin")).isEqualTo(2);
    assertThat(cachedFiles()).isEmpty();
    assertThat(Fixtures.tmpFiles(proxy, cache)).isZero();
  }

  @Test
  void crossingTheHardLimitMidDownloadAbortsTheCacheWriteNotTheClient() throws Exception {
    ballast(4L * MIB + MIB / 2); // 56 %: caching starts, and stops when the download passes 2 MiB
    startProxy(0.70, 0.80);
    fetch(clientVia(proxy), "/big3.bin");
    assertThat(cachedFiles()).isEmpty();
    assertThat(Fixtures.tmpFiles(proxy, cache)).isZero();
    assertThat(usage()).isLessThan(0.60);
  }

  @Test
  void fullDiskNeverReachesTheClients() throws Exception {
    // Limits above 100 % of what is left: the cache write runs into ENOSPC after ~2.9 MiB.
    ballast(5L * MIB + 100 * 1024);
    startProxy(0.995, 0.999);
    // Three clients at once: a leader that hits ENOSPC and followers reading its temp file.
    List<CompletableFuture<HttpResponse<byte[]>>> all = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      all.add(clientVia(proxy).sendAsync(Fixtures.request(origin.url("/big4.bin"), header("/big4.bin")),
          HttpResponse.BodyHandlers.ofByteArray()));
    }
    for (CompletableFuture<HttpResponse<byte[]>> r : all) {
      HttpResponse<byte[]> response = r.get(60, TimeUnit.SECONDS);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo(files.get("/big4.bin"));
    }
    assertThat(cachedFiles()).isEmpty();
    assertThat(Fixtures.tmpFiles(proxy, cache)).isZero();

    // Still caching what fits afterwards.
    fetch(clientVia(proxy), "/half.bin");
    assertThat(cachedFiles()).containsExactly("/half.bin");
  }

  private String[] header(String path) {
    return new String[] {CacheControl.HEADER, CacheControl.forFile(Fixtures.sha256(files.get(path)), null, false)};
  }

  private void fetch(HttpClient client, String path) throws Exception {
    HttpResponse<byte[]> r = get(client, origin.url(path), header(path));
    assertThat(r.statusCode()).as(path).isEqualTo(200);
    assertThat(r.body()).as(path).isEqualTo(files.get(path));
    proxy.awaitCommits(); // commits are batched a few ms behind the response
  }

  /**
   * Returns once the next access gets a later time than the last one of {@code path}, in the proxy's
   * memory (milliseconds) and on disk (file times, which a restart reads back).
   */
  private void laterAccess(String path) {
    FileClock.tickPast(cache.resolve("data").resolve(Fixtures.sha256(files.get(path))));
  }

  /** Paths of the files currently in the cache. */
  private List<String> cachedFiles() throws Exception {
    Map<String, String> bySha = new HashMap<>();
    files.forEach((path, content) -> bySha.put(Fixtures.sha256(content), path));
    return Fixtures.entries(proxy, cache).map(e -> bySha.getOrDefault(e, e)).toList();
  }

  private double usage() throws IOException {
    var store = Files.getFileStore(mount);
    assertThat(store.getTotalSpace()).isEqualTo(FS_BYTES);
    return (double) (store.getTotalSpace() - store.getUsableSpace()) / store.getTotalSpace();
  }

  private void ballast(long bytes) throws IOException {
    ballast("ballast", bytes);
  }

  private void ballast(String name, long bytes) throws IOException {
    Files.write(mount.resolve(name), new byte[(int) bytes]);
  }
}
