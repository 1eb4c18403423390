package dev.otaclient.proxy;

import dev.otaclient.fetch.CacheControl;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpProxy;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The next hop towards the origin: the upper proxy when one is configured, else the origin itself.
 * The client is set up as a transparent relay: no redirects followed, no cookie jar, no content
 * decoding (compressed blobs must reach the cache byte for byte), no User-Agent of its own.
 */
final class Upstream implements AutoCloseable {
  /** An upstream response whose head has arrived; the body is read from {@link #body()}. */
  record Exchange(int status, HttpFields headers, InputStream body, Response response) implements AutoCloseable {
    long contentLength() {
      return headers.getLongField(HttpHeader.CONTENT_LENGTH);
    }

    void abort(Throwable why) {
      response.abort(why);
    }

    @Override
    public void close() {
      try {
        body.close();
      } catch (IOException ignored) {
        // closing early aborts the exchange, which is what we want here
      }
    }
  }

  private final HttpClient client;
  private final boolean viaProxy;
  private final boolean forceHttps;
  private final Duration readTimeout;

  Upstream(Optional<URI> upperProxy, boolean gatewayHttps, Duration readTimeout) throws Exception {
    this.viaProxy = upperProxy.isPresent();
    // With an upper proxy that hop decides about HTTPS; it can only be reached in plain HTTP.
    this.forceHttps = gatewayHttps && !viaProxy;
    this.readTimeout = readTimeout;
    QueuedThreadPool pool = new QueuedThreadPool(64, 4);
    pool.setName("ota-proxy-upstream");
    client = new HttpClient();
    client.setExecutor(pool);
    client.setFollowRedirects(false);
    client.setHttpCookieStore(new HttpCookieStore.Empty());
    client.getContentDecoderFactories().clear();
    client.setUserAgentField(null);
    client.setConnectTimeout(readTimeout.toMillis());
    client.setIdleTimeout(readTimeout.toMillis());
    client.setMaxConnectionsPerDestination(256);
    upperProxy.ifPresent(uri -> client.getProxyConfiguration()
        .addProxy(new HttpProxy(uri.getHost(), uri.getPort() < 0 ? 80 : uri.getPort())));
    client.start();
  }

  /** The URL requested upstream: the client's target with the scheme this hop must use. */
  URI upstreamUri(URI target) {
    String scheme = forceHttps ? "https" : "http";
    StringBuilder sb = new StringBuilder(scheme).append("://").append(target.getRawAuthority());
    sb.append(target.getRawPath() == null || target.getRawPath().isEmpty() ? "/" : target.getRawPath());
    if (target.getRawQuery() != null) {
      sb.append('?').append(target.getRawQuery());
    }
    return URI.create(sb.toString());
  }

  /**
   * Sends the GET and waits for the response head.
   *
   * @param cookies the client's Cookie header values, passed on unchanged
   * @param authorization the client's Authorization header, if any
   * @param cacheControl the client's ota-file-cache-control header; sent only to an upper proxy (the
   *     origin has no use for it)
   * @throws IOException when the hop cannot be reached or does not answer in time
   */
  Exchange get(URI target, List<String> cookies, String authorization, String cacheControl)
      throws IOException, InterruptedException {
    Request request = client.newRequest(upstreamUri(target))
        .method(HttpMethod.GET)
        .idleTimeout(readTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .headers(h -> {
          if (!cookies.isEmpty()) {
            h.put(HttpHeader.COOKIE, String.join("; ", cookies));
          }
          if (authorization != null) {
            h.put(HttpHeader.AUTHORIZATION, authorization);
          }
          if (viaProxy && cacheControl != null) {
            h.put(CacheControl.HEADER, cacheControl);
          }
        });
    InputStreamResponseListener listener = new InputStreamResponseListener();
    request.send(listener);
    Response response;
    try {
      // connect + request + time to first byte: both phases are bounded by the read timeout
      response = listener.get(2 * readTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      request.abort(e);
      throw new IOException("no response from " + request.getURI() + " within " + 2 * readTimeout.toMillis() + " ms", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IOException("GET " + request.getURI() + " failed: " + cause, cause);
    }
    return new Exchange(response.getStatus(), response.getHeaders(), listener.getInputStream(), response);
  }

  @Override
  public void close() throws Exception {
    client.stop();
  }
}
