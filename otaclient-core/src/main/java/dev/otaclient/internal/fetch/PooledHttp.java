package dev.otaclient.internal.fetch;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLSocket;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SchemePortResolver;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.DefaultHttpClientConnectionOperator;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.io.HttpClientConnectionOperator;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.URIScheme;
import org.apache.hc.core5.http.config.RegistryBuilder;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The blocking HTTP/1.1 client shared by the update engine's downloads and the ota_proxy's upstream
 * requests: a pool of keep-alive connections, each used by one request at a time on the caller's
 * thread. Retries, cookies and caching headers are the callers' business; compression stays off so
 * the bytes hashed, counted and cached are the blob's own.
 */
public final class PooledHttp {
  /** A pooled connection idle for longer is checked before reuse, so a keep-alive the server closed is not a failed request. */
  private static final TimeValue VALIDATE_AFTER_IDLE = TimeValue.ofSeconds(1);

  private PooledHttp() {}

  /**
   * @param readTimeout bounds every silence: before the status line, in the headers and in the body
   * @param proxy forward HTTP proxy to send every request through, or empty for direct connections
   *     (JVM-wide proxy properties are never used)
   * @param relay a transparent hop (the ota_proxy): redirects are passed back rather than followed and
   *     no User-Agent of its own is sent
   */
  public static CloseableHttpClient client(Duration connectTimeout, Duration readTimeout, int maxConnections,
                                           Optional<InetSocketAddress> proxy, boolean relay) {
    return full(pool(connectTimeout, readTimeout, maxConnections), false, proxy, relay);
  }

  /**
   * The update engine's two clients on one pool. {@code minimal} sends a request as it is and follows
   * no redirect; {@code full} is {@link #client}'s: it follows redirects and takes every request
   * through the forward proxy, if there is one (a tunnel for https).
   *
   * <p>Why two: the full client's chain of request handlers costs CPU on every request even where it
   * has nothing to do. Its authentication step alone, which splits, decodes and re-encodes every
   * segment of the request path, was a fifth of the client's CPU in a 60 000-file full install, where
   * the two cores are the limit (docs/benchmarks.md, round fourteen). Redirects, which only the full
   * client follows, are the caller's reason to switch ({@link HttpTransport}); so is an https URL
   * behind a proxy, which needs the full client's tunnel.
   */
  record Clients(CloseableHttpClient minimal, CloseableHttpClient full, PoolingHttpClientConnectionManager pool,
                 HttpHost proxy) {}

  /** {@code proxy} ends up as {@link Clients#proxy()}: the forward proxy's host, or null for direct connections. */
  static Clients clients(Duration connectTimeout, Duration readTimeout, int maxConnections,
                         Optional<InetSocketAddress> proxy) {
    PoolingHttpClientConnectionManager pool = pool(connectTimeout, readTimeout, maxConnections);
    HttpHost hop = proxy.map(PooledHttp::proxyHost).orElse(null);
    // the minimal client closes the pool; the full one shares it
    return new Clients(HttpClients.createMinimal(pool), full(pool, true, proxy, false), pool, hop);
  }

  /** A forward proxy is spoken to in plain HTTP. */
  private static HttpHost proxyHost(InetSocketAddress p) {
    return new HttpHost(URIScheme.HTTP.id, p.getHostString(), p.getPort());
  }

  private static PoolingHttpClientConnectionManager pool(Duration connectTimeout, Duration readTimeout,
                                                         int maxConnections) {
    Timeout read = Timeout.of(readTimeout);
    return new InterruptibleSockets()
        .setMaxConnTotal(maxConnections)
        .setMaxConnPerRoute(maxConnections)
        .setTlsSocketStrategy(new LazyTls())
        .setDefaultSocketConfig(SocketConfig.custom().setSoTimeout(read).setTcpNoDelay(true).build())
        .setDefaultConnectionConfig(ConnectionConfig.custom()
            .setConnectTimeout(Timeout.of(connectTimeout))
            .setSocketTimeout(read)
            .setValidateAfterInactivity(VALIDATE_AFTER_IDLE)
            .build())
        .build();
  }

  private static CloseableHttpClient full(PoolingHttpClientConnectionManager pool, boolean sharedPool,
                                          Optional<InetSocketAddress> proxy, boolean relay) {
    HttpClientBuilder builder = HttpClients.custom()
        .setConnectionManager(pool)
        .setConnectionManagerShared(sharedPool)
        .disableAutomaticRetries()
        .disableCookieManagement()
        .disableContentCompression()
        .disableAuthCaching()
        .disableConnectionState();
    if (relay) {
      builder.disableRedirectHandling().disableDefaultUserAgent();
    }
    proxy.ifPresent(p -> builder.setProxy(proxyHost(p)));
    return builder.build();
  }

  /**
   * The JDK's default TLS setup, made on the first https connection. Building it loads the system trust
   * store and the TLS stack (~50 ms of a command's start-up, measured in docs/benchmarks.md), which an
   * update from a plain-HTTP server or an ota_proxy never uses.
   */
  static final class LazyTls implements TlsSocketStrategy {
    private volatile TlsSocketStrategy tls;

    @Override
    public SSLSocket upgrade(Socket socket, String target, int port, Object attachment, HttpContext context)
        throws IOException {
      return strategy().upgrade(socket, target, port, attachment, context);
    }

    private TlsSocketStrategy strategy() {
      TlsSocketStrategy t = tls;
      if (t == null) {
        synchronized (this) {
          t = tls;
          if (t == null) {
            t = DefaultClientTlsStrategy.createSystemDefault();
            tls = t;
          }
        }
      }
      return t;
    }
  }

  /**
   * Sockets backed by {@link SocketChannel}: a thread blocked reading one is woken by
   * {@link Thread#interrupt()} (the channel is closed), which plain {@link Socket}s ignore until their
   * read timeout. Cancelling an update must not wait for a stalled server.
   */
  private static final class InterruptibleSockets extends PoolingHttpClientConnectionManagerBuilder {
    @Override
    protected HttpClientConnectionOperator createConnectionOperator(SchemePortResolver ports, DnsResolver dns,
                                                                    TlsSocketStrategy tls) {
      return new DefaultHttpClientConnectionOperator(InterruptibleSockets::open, ports, dns,
          RegistryBuilder.<TlsSocketStrategy>create().register(URIScheme.HTTPS.id, tls).build());
    }

    private static Socket open(Proxy socksProxy) throws IOException {
      if (socksProxy != null && socksProxy.type() != Proxy.Type.DIRECT) {
        return new Socket(socksProxy);
      }
      return SocketChannel.open().socket();
    }
  }
}
