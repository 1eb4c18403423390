package dev.otaclient.proxy;

import dev.otaclient.internal.fetch.CacheControl;
import dev.otaclient.internal.fetch.PooledHttp;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.io.CloseMode;

/**
 * The next hop towards the origin: the upper proxy when one is configured, else the origin itself.
 * Blocking HTTP/1.1 on pooled keep-alive connections, on the server thread that serves the client:
 * the proxy handler blocks anyway, and an asynchronous client would hand every chunk across threads.
 * Set up as a transparent relay ({@link PooledHttp} with {@code relay}): no redirects followed, no
 * cookie jar, no content decoding (compressed blobs must reach the cache byte for byte), no
 * User-Agent of its own, no retries.
 */
final class Upstream implements AutoCloseable {
  /** Connections to one hop: the main ECU's proxy serves every sub-ECU's downloads at once. */
  private static final int MAX_CONNECTIONS = 256;

  /** An upstream response whose head has arrived; the body is read from {@link #body()}. */
  static final class Exchange implements AutoCloseable {
    private final HttpGet request;
    private final ClassicHttpResponse response;
    private final TrackedBody body;

    private Exchange(HttpGet request, ClassicHttpResponse response) throws IOException {
      this.request = request;
      this.response = response;
      HttpEntity entity = response.getEntity();
      this.body = new TrackedBody(entity == null ? InputStream.nullInputStream() : entity.getContent());
    }

    int status() {
      return response.getCode();
    }

    /** The Content-Length, or -1 when absent or not a number. */
    long contentLength() {
      String v = header(HttpHeaders.CONTENT_LENGTH);
      if (v == null) {
        return -1;
      }
      try {
        return Long.parseLong(v.trim());
      } catch (NumberFormatException e) {
        return -1;
      }
    }

    String header(String name) {
      Header h = response.getFirstHeader(name);
      return h == null ? null : h.getValue();
    }

    InputStream body() {
      return body;
    }

    /** Drops the connection at once; a later read of the body fails. */
    void abort(Throwable why) {
      request.cancel();
    }

    @Override
    public void close() {
      if (!body.ended) {
        // closing an unfinished response would read the rest of the body to keep the connection
        request.cancel();
      }
      try {
        response.close();
      } catch (IOException ignored) {
        // the connection is discarded either way
      }
    }
  }

  /** Remembers whether the body was read to its end, i.e. whether the connection can be reused. */
  private static final class TrackedBody extends FilterInputStream {
    boolean ended;

    TrackedBody(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      ended |= b < 0;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      ended |= n < 0;
      return n;
    }
  }

  private final CloseableHttpClient client;
  private final boolean viaProxy;
  private final boolean forceHttps;

  Upstream(Optional<URI> upperProxy, boolean gatewayHttps, Duration readTimeout) {
    this.viaProxy = upperProxy.isPresent();
    // With an upper proxy that hop decides about HTTPS; it can only be reached in plain HTTP.
    this.forceHttps = gatewayHttps && !viaProxy;
    Optional<InetSocketAddress> next = upperProxy.map(
        uri -> InetSocketAddress.createUnresolved(uri.getHost(), uri.getPort() < 0 ? 80 : uri.getPort()));
    client = PooledHttp.client(readTimeout, readTimeout, MAX_CONNECTIONS, next, true);
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
   * Sends the GET and waits for the response head (connect and every read bounded by the read
   * timeout).
   *
   * @param cookies the client's Cookie header values, passed on unchanged
   * @param authorization the client's Authorization header, if any
   * @param cacheControl the client's ota-file-cache-control header; sent only to an upper proxy (the
   *     origin has no use for it)
   * @throws IOException when the hop cannot be reached or does not answer in time
   */
  Exchange get(URI target, List<String> cookies, String authorization, String cacheControl)
      throws IOException, InterruptedException {
    HttpGet request = new HttpGet(upstreamUri(target));
    if (!cookies.isEmpty()) {
      request.setHeader(HttpHeaders.COOKIE, String.join("; ", cookies));
    }
    if (authorization != null) {
      request.setHeader(HttpHeaders.AUTHORIZATION, authorization);
    }
    if (viaProxy && cacheControl != null) {
      request.setHeader(CacheControl.HEADER, cacheControl);
    }
    ClassicHttpResponse response;
    try {
      response = client.executeOpen(null, request, null);
    } catch (IOException e) {
      throw new IOException("GET " + request.getRequestUri() + " failed: " + e, e);
    } catch (IllegalStateException e) {
      throw new IOException("GET " + target + ": upstream client closed", e);
    }
    if (Thread.currentThread().isInterrupted()) {
      request.cancel();
      response.close();
      throw new InterruptedException("interrupted while waiting for " + target);
    }
    try {
      return new Exchange(request, response);
    } catch (IOException e) {
      request.cancel();
      response.close();
      throw e;
    }
  }

  @Override
  public void close() {
    client.close(CloseMode.IMMEDIATE);
  }
}
