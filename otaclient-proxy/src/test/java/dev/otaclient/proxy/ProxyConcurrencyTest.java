package dev.otaclient.proxy;

import static dev.otaclient.proxy.Fixtures.clientVia;
import static dev.otaclient.proxy.Fixtures.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.internal.fetch.CacheControl;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several ECUs downloading the same image through one proxy: the origin sees every file once. */
class ProxyConcurrencyTest {
  private static final int FILES = 50;
  private static final int CLIENTS = 6;

  @TempDir Path tmp;
  private OriginServer origin;
  private OtaProxy proxy;

  /** URL path (percent-encoded as the client sends it), content. */
  private record ImageFile(String path, byte[] content, String sha256) {}

  private final List<ImageFile> files = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    Path root = tmp.resolve("www");
    Random sizes = new Random(7);
    for (int i = 0; i < FILES; i++) {
      // mostly small files like a rootfs, some empty, a few of several MiB
      int size = i % 10 == 0 ? 0 : i % 7 == 0 ? (2 << 20) + sizes.nextInt(1 << 20) : sizes.nextInt(96 << 10);
      String name = switch (i) {
        case 3 -> "with space.bin";
        case 4 -> "100%.bin";
        default -> String.format("f%02d.bin", i);
      };
      String encoded = name.replace("%", "%25").replace(" ", "%20");
      byte[] content = Fixtures.write(root.resolve("data").resolve(name), Fixtures.randomBytes(1000 + i, size));
      // Empty files all have the same sha256; give them URL keys so each still reaches the origin once.
      files.add(new ImageFile("/data/" + encoded, content, size == 0 ? null : Fixtures.sha256(content)));
    }
    origin = OriginServer.start(root, "c", "v");
    proxy = OtaProxy.start(Fixtures.config(tmp.resolve("cache")));
  }

  @AfterEach
  void tearDown() throws Exception {
    Fixtures.closeAll(proxy, origin);
  }

  @Test
  void sixClientsFetchEveryFileOnceFromTheOrigin() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        List<ImageFile> order = new ArrayList<>(files);
        if (c % 2 == 1) {
          Collections.reverse(order); // half the clients meet the others in the middle
        }
        results.add(pool.submit(() -> fetchAll(order)));
      }
      for (Future<Integer> r : results) {
        assertThat(r.get()).isEqualTo(FILES);
      }
    } finally {
      pool.shutdownNow();
    }

    for (ImageFile f : files) {
      assertThat(origin.count(f.path())).as("origin requests for %s", f.path()).isEqualTo(1);
    }
    assertThat(origin.accessLog()).hasSize(FILES);
    ProxyStats stats = proxy.stats();
    assertThat(stats.misses()).isEqualTo(FILES);
    assertThat(stats.upstreamRequests()).isEqualTo(FILES);
    assertThat(stats.hits()).isEqualTo((long) FILES * (CLIENTS - 1));
    long imageBytes = files.stream().mapToLong(f -> f.content().length).sum();
    assertThat(stats.bytesFromUpstream()).isEqualTo(imageBytes);
    assertThat(stats.bytesServed()).isEqualTo(imageBytes * CLIENTS);

    Path cache = tmp.resolve("cache");
    List<String> expectedEntries = files.stream().filter(f -> f.sha256() != null).map(ImageFile::sha256).toList();
    assertThat(Fixtures.entries(proxy, cache).filter(e -> !e.startsWith("URL_")).toList())
        .containsExactlyInAnyOrderElementsOf(expectedEntries);
    assertThat(Fixtures.entries(proxy, cache).filter(e -> e.startsWith("URL_")).count()).isEqualTo(FILES - expectedEntries.size());
    assertThat(Fixtures.tmpFiles(proxy, cache)).isZero();
  }

  @Test
  void sameContentUnderTwoUrlsIsFetchedOnce() throws Exception {
    ImageFile a = files.get(11);
    Path root = tmp.resolve("www");
    Fixtures.write(root.resolve("copy/f11-again.bin"), a.content());
    HttpClient client = clientVia(proxy);
    String header = CacheControl.forFile(a.sha256(), null, false);

    HttpResponse<byte[]> first = get(client, origin.url(a.path()), CacheControl.HEADER, header);
    HttpResponse<byte[]> second = get(client, origin.url("/copy/f11-again.bin"), CacheControl.HEADER, header);

    assertThat(Fixtures.sha256(first.body())).isEqualTo(a.sha256());
    assertThat(Fixtures.sha256(second.body())).isEqualTo(a.sha256());
    assertThat(origin.count(a.path())).isEqualTo(1);
    assertThat(origin.count("/copy/f11-again.bin")).isZero();
    // the directives are echoed so a client can tell which variant it got
    assertThat(second.headers().firstValue(CacheControl.HEADER)).contains(header);
  }

  private int fetchAll(List<ImageFile> order) throws Exception {
    HttpClient client = clientVia(proxy);
    int ok = 0;
    for (ImageFile f : order) {
      HttpResponse<byte[]> r = f.sha256() == null
          ? get(client, origin.url(f.path()))
          : get(client, origin.url(f.path()), CacheControl.HEADER, CacheControl.forFile(f.sha256(), null, false));
      assertThat(r.statusCode()).as(f.path()).isEqualTo(200);
      assertThat(r.body().length).as(f.path()).isEqualTo(f.content().length);
      assertThat(Fixtures.sha256(r.body())).as(f.path()).isEqualTo(Fixtures.sha256(f.content()));
      ok++;
    }
    return ok;
  }
}
