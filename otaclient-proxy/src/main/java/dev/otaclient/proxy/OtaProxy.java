package dev.otaclient.proxy;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ota_proxy: the caching HTTP/1.1 forward proxy through which the ECUs of a vehicle download an OTA
 * image, so each file crosses the Internet link once and ECUs without Internet access can update.
 * See docs/ota-proxy.md.
 */
public final class OtaProxy implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OtaProxy.class);
  /** How often the cache filesystem is sampled for background eviction. */
  private static final long SAMPLE_SECONDS = 2;

  private final Server server;
  private final ServerConnector connector;
  private final Upstream upstream;
  private final ProxyHandler handler;
  private final CacheStore cache;
  private final ScheduledExecutorService sampler;

  private OtaProxy(Server server, ServerConnector connector, Upstream upstream, ProxyHandler handler,
      CacheStore cache, ScheduledExecutorService sampler) {
    this.server = server;
    this.connector = connector;
    this.upstream = upstream;
    this.handler = handler;
    this.cache = cache;
    this.sampler = sampler;
  }

  /**
   * Opens the cache and starts listening; returns once connections are accepted.
   *
   * @throws OtaException {@link ErrorCode#PROXY_START} when the cache directory or the listen address
   *     cannot be used
   */
  public static OtaProxy start(ProxyConfig config) {
    CacheStore cache = null;
    SpaceGuard guard = null;
    Upstream upstream = null;
    Server server = null;
    ScheduledExecutorService sampler = null;
    try {
      if (config.cacheEnabled()) {
        Files.createDirectories(config.cacheDir());
        guard = new SpaceGuard(config.cacheDir(), config.softLimit(), config.hardLimit());
        cache = CacheStore.open(config.cacheDir(), guard);
      }
      upstream = new Upstream(config.upperProxy(), config.gatewayHttps(), config.upstreamReadTimeout());
      ProxyHandler handler = new ProxyHandler(upstream, cache, guard, config.upstreamReadTimeout());

      QueuedThreadPool pool = new QueuedThreadPool(256, 8);
      pool.setName("ota-proxy");
      server = new Server(pool);
      HttpConfiguration http = new HttpConfiguration();
      http.setSendServerVersion(false);
      // A proxy relays paths, it does not interpret them: percent-encoded '/', '%' or '..' in a
      // file name are the origin's business.
      http.setUriCompliance(UriCompliance.UNSAFE);
      ServerConnector connector = new ServerConnector(server, new RawTargetConnectionFactory(http));
      connector.setHost(config.listen().getHostString());
      connector.setPort(config.listen().getPort());
      // A follower may sit silent while the leader waits out a slow upstream; don't cut it first.
      connector.setIdleTimeout(Math.max(60_000L, 4 * config.upstreamReadTimeout().toMillis()));
      server.addConnector(connector);
      server.setHandler(handler);
      server.start();

      if (cache != null) {
        sampler = Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "ota-proxy-space");
          t.setDaemon(true);
          return t;
        });
        sampler.scheduleWithFixedDelay(spaceCheck(cache), SAMPLE_SECONDS, SAMPLE_SECONDS, TimeUnit.SECONDS);
      }
      OtaProxy proxy = new OtaProxy(server, connector, upstream, handler, cache, sampler);
      LOG.info("ota_proxy listening on {} (upper proxy: {}, cache: {})", proxy.address(),
          config.upperProxy().map(Object::toString).orElse("none"),
          config.cacheEnabled() ? config.cacheDir() : "off");
      return proxy;
    } catch (Exception e) {
      stopQuietly(server, upstream, sampler, cache);
      throw new OtaException(ErrorCode.PROXY_START, ErrorModule.GENERAL,
          "ota_proxy on " + config.listen() + " with cache " + config.cacheDir() + ": " + e, e);
    }
  }

  /** The bound address; the real port when the configuration asked for port 0. */
  public InetSocketAddress address() {
    return new InetSocketAddress(connector.getHost() == null ? "0.0.0.0" : connector.getHost(),
        connector.getLocalPort());
  }

  public ProxyStats stats() {
    return handler.stats();
  }

  /**
   * Blocks until every download that has finished is a committed cache entry (commits are batched,
   * a few milliseconds behind the responses).
   */
  public void awaitCommits() throws InterruptedException {
    if (cache != null) {
      cache.awaitCommits();
    }
  }

  private static Runnable spaceCheck(CacheStore store) {
    return () -> {
      try {
        store.evictAboveSoftLimit(0);
      } catch (RuntimeException e) {
        LOG.warn("cache eviction failed: {}", e.toString());
      }
    };
  }

  /** Runs the background space check once more, on its own thread, and waits for it (tests). */
  void awaitSpaceCheck() throws InterruptedException, ExecutionException {
    if (sampler != null) {
      sampler.submit(spaceCheck(cache)).get();
    }
  }

  /** Deletes every cached file (after every ECU of the session succeeded). */
  public void clearCache() {
    if (cache != null) {
      cache.clear();
    }
  }

  /** Stops serving; downloads in progress are abandoned, committed entries stay on disk. */
  @Override
  public void close() {
    stopQuietly(server, upstream, sampler, cache);
  }

  private static void stopQuietly(Server server, Upstream upstream, ScheduledExecutorService sampler,
                                  CacheStore cache) {
    if (sampler != null) {
      sampler.shutdownNow();
    }
    // Upstream first: it aborts the downloads in progress, which frees the server threads that
    // are blocked on them, so the server stops promptly.
    try {
      if (upstream != null) {
        upstream.close();
      }
    } catch (Exception e) {
      LOG.warn("stopping ota_proxy upstream client: {}", e.toString());
    }
    try {
      if (server != null) {
        server.stop();
      }
    } catch (Exception e) {
      LOG.warn("stopping ota_proxy server: {}", e.toString());
    }
    if (cache != null) {
      cache.close();
    }
  }
}
