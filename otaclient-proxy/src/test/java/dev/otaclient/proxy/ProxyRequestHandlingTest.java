package dev.otaclient.proxy;

import static dev.otaclient.proxy.Fixtures.clientVia;
import static dev.otaclient.proxy.Fixtures.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.OtaException;
import dev.otaclient.testing.ReservedPort;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which requests the proxy accepts, and how upstream errors reach the client. */
class ProxyRequestHandlingTest {
  @TempDir Path tmp;
  private Path root;
  private OriginServer origin;
  private OtaProxy proxy;
  private HttpClient client;

  @BeforeEach
  void setUp() throws Exception {
    root = tmp.resolve("www");
    Files.createDirectories(root);
    origin = OriginServer.start(root, "c", "v");
    proxy = OtaProxy.start(Fixtures.config(tmp.resolve("cache")));
    client = clientVia(proxy);
  }

  @AfterEach
  void tearDown() throws Exception {
    Fixtures.closeAll(proxy, origin);
  }

  @Test
  void origin404IsPassedThroughAndNotCached() throws Exception {
    HttpResponse<byte[]> r = get(client, origin.url("/later.bin"));
    assertThat(r.statusCode()).isEqualTo(404);
    byte[] content = Fixtures.write(root.resolve("later.bin"), "now it exists".getBytes(StandardCharsets.UTF_8));
    HttpResponse<byte[]> r2 = get(client, origin.url("/later.bin"));
    assertThat(r2.statusCode()).isEqualTo(200);
    assertThat(r2.body()).isEqualTo(content);
    assertThat(origin.count("/later.bin")).isEqualTo(2);
  }

  @Test
  void origin500IsPassedThroughWithItsBody() throws Exception {
    HttpResponse<byte[]> r = get(client, origin.url("/fail500"));
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("origin failure\n");
    assertThat(Fixtures.entries(proxy, tmp.resolve("cache")).toList()).isEmpty();
  }

  @Test
  void unreachableOriginGives502() throws Exception {
    try (ReservedPort closed = ReservedPort.reserve()) {
      HttpResponse<byte[]> r = get(client, "http://" + closed.hostPort() + "/x.bin");
      assertThat(r.statusCode()).isEqualTo(502);
      assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("ota_proxy").contains("/x.bin");
    }
  }

  @Test
  void gatewayReallyTalksHttpsToTheOrigin() throws Exception {
    // nginx here only speaks plain HTTP, so a TLS handshake towards it must fail: 502 proves the
    // proxy did not use the client's http scheme.
    Fixtures.write(root.resolve("tls.bin"), new byte[10]);
    proxy.close();
    ProxyConfig base = Fixtures.config(tmp.resolve("cache"));
    proxy = OtaProxy.start(new ProxyConfig(base.listen(), Optional.empty(), true, true, base.cacheDir(),
        base.softLimit(), base.hardLimit(), base.upstreamReadTimeout()));
    HttpResponse<byte[]> r = get(clientVia(proxy), origin.url("/tls.bin"));
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(origin.count("/tls.bin")).isZero();
  }

  @Test
  void methodsOtherThanGetGet405() throws Exception {
    for (String method : new String[] {"POST", "PUT", "DELETE", "HEAD"}) {
      String answer = Fixtures.raw(proxy.address(), method + " " + origin.url("/a") + " HTTP/1.1\r\nHost: 127.0.0.1:"
          + origin.port() + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      assertThat(answer).as(method).startsWith("HTTP/1.1 405 ");
      assertThat(answer).as(method).containsIgnoringCase("\r\nAllow: GET\r\n");
      if (!method.equals("HEAD")) {
        assertThat(answer).as(method).contains("only GET is supported");
      }
    }
    String connect = Fixtures.raw(proxy.address(),
        "CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\nConnection: close\r\n\r\n");
    assertThat(connect).startsWith("HTTP/1.1 405 ");
    assertThat(origin.accessLog()).isEmpty();
  }

  @Test
  void originFormTargetGets400() throws Exception {
    String answer = Fixtures.raw(proxy.address(),
        "GET /a.bin HTTP/1.1\r\nHost: 127.0.0.1:" + origin.port() + "\r\nConnection: close\r\n\r\n");
    assertThat(answer).startsWith("HTTP/1.1 400 ");
    assertThat(answer).contains("absolute http(s) URL").contains("/a.bin");
    assertThat(origin.accessLog()).isEmpty();
  }

  @Test
  void percentEncodingOfTheTargetReachesTheOriginUnchanged() throws Exception {
    byte[] content = Fixtures.write(root.resolve("dir/a b?c%d#e.bin"), "odd name".getBytes(StandardCharsets.UTF_8));
    String path = "/dir/a%20b%3Fc%25d%23e.bin";
    HttpResponse<byte[]> r = get(client, origin.url(path));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(content);
    assertThat(origin.count(path)).isEqualTo(1);
  }

  @Test
  void cachingDisabledRelaysEveryRequest() throws Exception {
    proxy.close();
    ProxyConfig base = Fixtures.config(tmp.resolve("nocache"));
    proxy = OtaProxy.start(new ProxyConfig(base.listen(), Optional.empty(), false, false, base.cacheDir(),
        base.softLimit(), base.hardLimit(), base.upstreamReadTimeout()));
    client = clientVia(proxy);
    byte[] content = Fixtures.write(root.resolve("n.bin"), Fixtures.randomBytes(1, 1000));
    for (int i = 0; i < 2; i++) {
      assertThat(get(client, origin.url("/n.bin")).body()).isEqualTo(content);
    }
    assertThat(origin.count("/n.bin")).isEqualTo(2);
    assertThat(tmp.resolve("nocache")).doesNotExist();
  }

  @Test
  void clearCacheEmptiesTheCache() throws Exception {
    byte[] content = Fixtures.write(root.resolve("k.bin"), Fixtures.randomBytes(2, 1000));
    get(client, origin.url("/k.bin"));
    proxy.awaitCommits();
    assertThat(Fixtures.entries(proxy, tmp.resolve("cache")).toList()).hasSize(1);
    proxy.clearCache();
    assertThat(Fixtures.entries(proxy, tmp.resolve("cache")).toList()).isEmpty();
    assertThat(get(client, origin.url("/k.bin")).body()).isEqualTo(content);
    assertThat(origin.count("/k.bin")).isEqualTo(2);
  }

  @Test
  void badConfigurationAndBusyPortFailWithProxyStart() {
    ProxyConfig base = Fixtures.config(tmp.resolve("c2"));
    assertThatThrownBy(() -> new ProxyConfig(base.listen(), Optional.empty(), false, true, base.cacheDir(), 0.9, 0.8,
        Duration.ofSeconds(1)))
        .isInstanceOfSatisfying(OtaException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PROXY_START))
        .hasMessageContaining("soft=0.9");
    assertThatThrownBy(() -> base.withUpperProxy(Optional.of(URI.create("https://main-ecu:8082"))))
        .isInstanceOf(OtaException.class).hasMessageContaining("https://main-ecu:8082");
    InetSocketAddress taken = new InetSocketAddress("127.0.0.1", proxy.address().getPort());
    assertThatThrownBy(() -> OtaProxy.start(base.withListen(taken)))
        .isInstanceOfSatisfying(OtaException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PROXY_START))
        .hasMessageContaining(String.valueOf(taken.getPort()));
  }
}
