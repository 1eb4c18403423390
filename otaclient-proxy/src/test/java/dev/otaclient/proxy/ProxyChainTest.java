package dev.otaclient.proxy;

import static dev.otaclient.proxy.Fixtures.clientVia;
import static dev.otaclient.proxy.Fixtures.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.internal.fetch.CacheControl;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sub-ECU proxy B (no cache, upper = A) -> main ECU proxy A (cache) -> nginx, with signed-cookie style
 * access control at the origin.
 */
class ProxyChainTest {
  private static final String COOKIE = "CloudFront-Signature=s1gn3d";
  private static final String AUTH = "Bearer token-123";

  @TempDir Path tmp;
  private OriginServer origin;
  private OtaProxy a;
  private OtaProxy b;
  private final List<String> paths = new ArrayList<>();
  private final List<byte[]> contents = new ArrayList<>();
  private int originPort;

  @BeforeEach
  void setUp() throws Exception {
    Path root = tmp.resolve("www");
    for (int i = 0; i < 8; i++) {
      String path = "/protected/img/file" + i + ".bin";
      contents.add(Fixtures.write(root.resolve(path.substring(1)), Fixtures.randomBytes(i, 20_000 + i * 50_000)));
      paths.add(path);
    }
    origin = OriginServer.start(root, "CloudFront-Signature", "s1gn3d");
    originPort = origin.port();
    a = OtaProxy.start(Fixtures.config(tmp.resolve("cacheA")));
    b = startB();
  }

  private OtaProxy startB() {
    ProxyConfig cfg = Fixtures.config(tmp.resolve("cacheB"));
    cfg = new ProxyConfig(cfg.listen(), Optional.of(URI.create("http://127.0.0.1:" + a.address().getPort())),
        true /* ignored with an upper proxy: that hop decides */, false, cfg.cacheDir(), cfg.softLimit(),
        cfg.hardLimit(), cfg.upstreamReadTimeout());
    return OtaProxy.start(cfg);
  }

  @AfterEach
  void tearDown() throws Exception {
    Fixtures.closeAll(b, a, origin);
  }

  @Test
  void cookiesAndAuthorizationReachTheOriginThroughBothHops() throws Exception {
    HttpClient client = clientVia(b);
    fetchAll(client);

    for (int i = 0; i < paths.size(); i++) {
      List<String[]> seen = origin.requests(paths.get(i));
      assertThat(seen).hasSize(1);
      assertThat(seen.get(0)[1]).isEqualTo("200");
      assertThat(seen.get(0)[2]).isEqualTo(COOKIE);
      assertThat(seen.get(0)[3]).isEqualTo(AUTH);
      // the cache-control header went B -> A but A stripped it towards the origin
      assertThat(seen.get(0)[4]).isEqualTo("-");
    }
    // A keyed its entries by the file_sha256 that B forwarded
    a.awaitCommits();
    b.awaitCommits();
    assertThat(Fixtures.entries(a, tmp.resolve("cacheA")).toList())
        .containsExactlyInAnyOrderElementsOf(contents.stream().map(Fixtures::sha256).toList());
    assertThat(Fixtures.entries(b, tmp.resolve("cacheB")).toList()).isEmpty();
    assertThat(b.stats().upstreamRequests()).isEqualTo(paths.size());
    assertThat(a.stats().misses()).isEqualTo(paths.size());
  }

  @Test
  void missingCookieIsRejectedByTheOriginAndThe403PassesThrough() throws Exception {
    HttpResponse<byte[]> r = get(clientVia(b), origin.url(paths.get(0)));
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(origin.requests(paths.get(0))).singleElement().satisfies(f -> {
      assertThat(f[1]).isEqualTo("403");
      assertThat(f[2]).isEqualTo("-");
    });
    assertThat(Fixtures.entries(a, tmp.resolve("cacheA")).toList()).isEmpty();
  }

  @Test
  void warmCacheAfterRestartServesWithoutTheOrigin() throws Exception {
    fetchAll(clientVia(b));
    int logged = origin.accessLog().size();
    assertThat(logged).isEqualTo(paths.size());

    b.close();
    a.close();
    a = OtaProxy.start(Fixtures.config(tmp.resolve("cacheA")));
    b = startB();

    fetchAll(clientVia(b));
    assertThat(origin.accessLog()).hasSize(logged);
    assertThat(a.stats().hits()).isEqualTo(paths.size());
    assertThat(a.stats().upstreamRequests()).isZero();

    // and with the origin gone altogether
    origin.close();
    origin = null;
    fetchAll(clientVia(b));
    assertThat(a.stats().hits()).isEqualTo(2L * paths.size());
  }

  private void fetchAll(HttpClient client) throws Exception {
    for (int i = 0; i < paths.size(); i++) {
      // the origin may be gone by now, so its port is remembered rather than asked for
      String url = "http://127.0.0.1:" + originPort + paths.get(i);
      HttpResponse<byte[]> r = get(client, url, "Cookie", COOKIE, "Authorization", AUTH,
          CacheControl.HEADER, CacheControl.forFile(Fixtures.sha256(contents.get(i)), null, false));
      assertThat(r.statusCode()).as(url).isEqualTo(200);
      assertThat(r.body()).as(url).isEqualTo(contents.get(i));
    }
  }
}
