package dev.otaclient.internal.fetch;

import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.error.OtaException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import org.apache.hc.client5.http.ClientProtocolException;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.client5.http.routing.RoutingSupport;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.URIScheme;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every HTTP request of one update: {@code metadata.jwt}, the certificate, the lists and the blobs
 * travel through this one transport, with the same retry policy, per-read timeout and no-success
 * budget, directly or through a forward proxy (ota_proxy).
 *
 * <p>Blocking HTTP/1.1 on a pool of keep-alive connections: each request runs on its caller's thread,
 * from the socket through decoding and hashing into the file, with at most {@code maxConnections}
 * in flight. Failed attempts are retried as the Python client does (reference §2.7): transport errors,
 * timeouts, truncated or wrong content and HTTP 413/429/5xx; other HTTP errors end the fetch at once.
 * The transport knows URLs, not images: what a failure means is the caller's decision.
 */
public final class HttpTransport implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpTransport.class);

  private final Cookies cookies;
  private final RetryPolicy retry;
  private final Semaphore permits;
  private final DownloadBudget budget;
  /**
   * The minimal client, none of the full client's per-request work, and the full one, which follows
   * redirects and goes through the forward proxy when there is one: both on one pool.
   */
  private final PooledHttp.Clients clients;
  /** Set at the first redirect the minimal client met: the server redirects, so every request takes the full client. */
  private volatile boolean redirecting;
  private final RateLimit cap;
  private volatile boolean closed;

  public HttpTransport(Cookies cookies, HttpSettings http, RetryPolicy retry, int maxConnections) {
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be >= 1: " + maxConnections);
    }
    this.cookies = Objects.requireNonNull(cookies, "cookies");
    Objects.requireNonNull(http, "http");
    this.retry = Objects.requireNonNull(retry, "retry");
    this.permits = new Semaphore(maxConnections);
    this.budget = new DownloadBudget(retry.noSuccessBudget());
    this.clients = PooledHttp.clients(http.connectTimeout(), http.readTimeout(), maxConnections, http.proxy());
    this.cap = http.maxBytesPerSecond().isPresent() ? new RateLimit(http.maxBytesPerSecond().getAsLong()) : null;
  }

  /** The no-success budget shared by every request of this transport. */
  public DownloadBudget budget() {
    return budget;
  }

  /**
   * Writes the decoded, verified content at {@code url} to {@code destination} (created, or
   * truncated when it exists). On failure the destination is deleted.
   *
   * @throws FetchFailure the content could not be had; an interrupted thread gets
   *     {@link FetchFailure.Kind#INTERRUPTED} promptly, with its interrupt flag still set
   * @throws OtaException the destination could not be written (e.g. the standby slot is full)
   */
  public FetchResult fetch(URI url, BlobRequest request, Path destination, FetchListener listener)
      throws FetchFailure {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(destination, "destination");
    FetchListener l = listener == null ? FetchListener.NONE : listener;
    if (request.compressAlg() != null && !request.isZstd()) {
      // a bad image, not a transport problem: asking again cannot help
      throw new FetchFailure(FetchFailure.Kind.CONTENT, url.toString(), "unsupported compression '" + request.compressAlg() + "'");
    }
    // a list at a fixed name may have changed since a cache stored it; a v1 document or table named
    // by its digest cannot, and caching it spares each ECU behind ota_proxy fetching it anew
    String directive = request.metadata() && !request.namedByDigest() ? CacheControl.NO_CACHE : null;
    try {
      return withRetries(url, request, l, attempt -> {
        String header = directive != null ? directive
            : CacheControl.forFile(request.sha256(), request.compressAlg(), attempt > 1);
        return exchange(url, header, in -> {
          BlobWriter.Written w = BlobWriter.write(in, request, destination, l);
          return new FetchResult(w.wireBytes(), w.writtenBytes(), attempt - 1);
        });
      });
    } catch (FetchFailure | RuntimeException e) {
      AtomicFiles.discard(destination);
      throw e;
    }
  }

  /**
   * Reads a small file whose digest nobody knows yet ({@code metadata.jwt}, the certificate), asking
   * caches for a fresh copy. A body longer than {@code maxBytes} is refused without a retry.
   */
  public byte[] read(URI url, int maxBytes) throws FetchFailure {
    return withRetries(url, null, FetchListener.NONE, attempt -> exchange(url, CacheControl.NO_CACHE, in -> {
      byte[] bytes = in.readNBytes(maxBytes + 1);
      if (bytes.length > maxBytes) {
        throw new TooLarge("larger than " + maxBytes + " bytes");
      }
      return bytes;
    }));
  }

  /**
   * One GET without retries, body discarded: the HTTP status, or -1 when no status arrived (connection
   * or timeout). For probing what kind of image a server holds; the budget is not touched.
   */
  public int probe(URI url) {
    if (closed) {
      return -1;
    }
    try {
      exchange(url, CacheControl.NO_CACHE, in -> in.readNBytes(4096));
      return 200;
    } catch (HttpStatusException e) {
      return e.status;
    } catch (IOException | BlobWriter.ContentMismatchException e) {
      return -1;
    }
  }

  private interface Attempt<T> {
    /** @param attempt 1-based; every earlier attempt failed */
    T run(int attempt) throws IOException, BlobWriter.ContentMismatchException;
  }

  private interface Body<T> {
    T read(InputStream in) throws IOException, BlobWriter.ContentMismatchException;
  }

  private <T> T withRetries(URI url, BlobRequest request, FetchListener l, Attempt<T> attempt) throws FetchFailure {
    if (closed) {
      throw new FetchFailure(FetchFailure.Kind.INTERRUPTED, url.toString(), "transport closed");
    }
    budget.started();
    for (int n = 1; ; n++) {
      Exception cause;
      boolean contentError;
      try {
        T result = attempt.run(n);
        budget.succeeded();
        return result;
      } catch (HttpStatusException e) {
        if (!e.retryable) {
          throw new FetchFailure(e.status == 404 ? FetchFailure.Kind.NOT_FOUND : FetchFailure.Kind.REFUSED,
              url.toString(), e.getMessage(), e);
        }
        cause = e;
        contentError = false;
      } catch (TooLarge e) {
        throw new FetchFailure(FetchFailure.Kind.CONTENT, url.toString(), e.getMessage(), e);
      } catch (BlobWriter.ContentMismatchException e) {
        cause = e;
        contentError = true;
      } catch (IOException e) {
        cause = e;
        contentError = false;
      }
      if (Thread.currentThread().isInterrupted()) {
        throw new FetchFailure(FetchFailure.Kind.INTERRUPTED, url.toString(), "interrupted", cause);
      }
      if (closed) {
        throw new FetchFailure(FetchFailure.Kind.INTERRUPTED, url.toString(), "transport closed", cause);
      }
      if (n >= retry.maxAttemptsPerFile()) {
        throw giveUp(url, contentError, cause, "giving up after " + n + " attempts");
      }
      if (budget.exhausted()) {
        throw giveUp(url, contentError, cause, "no download succeeded for " + retry.noSuccessBudget().toMillis()
            + " ms, giving up after " + n + " attempts");
      }
      LOG.debug("{}: attempt {} failed, retrying: {}", url, n, cause.toString());
      if (request != null) {
        l.onRetry(request, n, cause);
      }
      Duration wait = retry.backoffAfter(n);
      Duration left = budget.remaining();
      try {
        Thread.sleep(Math.max(0, (wait.compareTo(left) < 0 ? wait : left).toMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new FetchFailure(FetchFailure.Kind.INTERRUPTED, url.toString(), "interrupted", e);
      }
    }
  }

  private <T> T exchange(URI url, String cacheDirective, Body<T> body)
      throws IOException, BlobWriter.ContentMismatchException {
    try {
      permits.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for a connection slot");
    }
    try {
      // https through a proxy needs the full client's tunnel (URLs sent to an ota_proxy are http)
      if (!redirecting && (clients.proxy() == null || URIScheme.HTTP.same(url.getScheme()))) {
        try {
          return exchange(clients.minimal(), url, cacheDirective, body);
        } catch (Redirected r) {
          // asked again below
        }
        LOG.debug("{} redirects: following it, and every later request, with the full client", url);
        redirecting = true;
        // the minimal client's connections belong to routes the full client never asks for (it marks
        // an https route secure, the minimal client does not; it routes through the proxy, the minimal
        // client connects to the proxy as to a server): idle ones would only take pool room
        clients.pool().closeIdle(TimeValue.ZERO_MILLISECONDS);
      }
      try {
        return exchange(clients.full(), url, cacheDirective, body);
      } catch (Redirected r) {
        throw new IllegalStateException("the full client follows redirects itself", r);
      }
    } finally {
      permits.release();
    }
  }

  /** One request; {@link Redirected} when {@code via} is the minimal client and the answer is a redirect. */
  private <T> T exchange(CloseableHttpClient via, URI url, String cacheDirective, Body<T> body)
      throws IOException, BlobWriter.ContentMismatchException, Redirected {
    HttpGet get = new HttpGet(url);
    if (!cacheDirective.isEmpty()) {
      get.setHeader(CacheControl.HEADER, cacheDirective);
    }
    String cookieHeader = cookies.headerValue();
    if (!cookieHeader.isEmpty()) {
      get.setHeader("Cookie", cookieHeader);
    }
    ClassicHttpResponse response = null;
    boolean complete = false;
    try {
      // the minimal client is told where to connect (it does not read it from the request) and given
      // a context of its own, where it keeps the request and the route
      // (behind a forward proxy: the proxy, sent the URL whole, as a forward proxy needs)
      HttpHost target = target(get);
      if (via == clients.minimal() && clients.proxy() != null) {
        get.setAbsoluteRequestUri(true); // "GET http://origin/path": the Host header still names the origin
        target = clients.proxy();
      }
      response = via.executeOpen(target, get, HttpClientContext.create());
      int status = response.getCode();
      if (via == clients.minimal() && isRedirect(status)) {
        throw Redirected.INSTANCE; // nothing read: the finally below drops the connection
      }
      if (status != 200) {
        throw new HttpStatusException(status, isRetryableStatus(status), proxyExplanation(response));
      }
      HttpEntity entity = response.getEntity();
      InputStream in = entity == null ? InputStream.nullInputStream() : entity.getContent();
      T result = body.read(cap == null ? in : cap.throttle(in));
      complete = true;
      return result;
    } catch (IllegalStateException e) {
      throw new IOException("HTTP client shut down", e); // close() raced with this request
    } finally {
      if (!complete) {
        // Closing an unfinished response would read the rest of the body to keep the connection;
        // a refused or wrong body may be large (or endless), so the connection is dropped instead.
        get.cancel();
      }
      closeQuietly(response);
    }
  }

  private static HttpHost target(HttpGet get) throws ClientProtocolException {
    try {
      return RoutingSupport.determineHost(get);
    } catch (HttpException e) {
      throw new ClientProtocolException(e); // a URL without a host: image URLs are checked long before
    }
  }

  /** The minimal client met a redirect, which it does not follow. A signal, not an error: no stack trace. */
  private static final class Redirected extends Exception {
    static final Redirected INSTANCE = new Redirected();

    private Redirected() {
      super("redirect", null, false, false);
    }
  }

  /** The answers the full client's redirect handling follows (given a Location). */
  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  private static void closeQuietly(ClassicHttpResponse response) {
    if (response == null) {
      return;
    }
    try {
      response.close();
    } catch (IOException e) {
      LOG.debug("closing a response: {}", e.toString());
    }
  }

  static boolean isRetryableStatus(int status) {
    return status == 413 || status == 429 || (status >= 500 && status <= 599);
  }

  private static FetchFailure giveUp(URI url, boolean contentError, Exception cause, String why) {
    String reason = why + "; last error: " + describe(cause);
    LOG.warn("{}: {}", url, reason);
    return new FetchFailure(contentError ? FetchFailure.Kind.CONTENT : FetchFailure.Kind.UNAVAILABLE, url.toString(),
        reason, cause);
  }

  private static String describe(Exception cause) {
    if (cause instanceof HttpStatusException s) {
      return s.getMessage();
    }
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }


  /** Stops every request: those in flight fail with {@link FetchFailure.Kind#INTERRUPTED}. */
  @Override
  public void close() {
    closed = true;
    clients.full().close(CloseMode.IMMEDIATE);
    clients.minimal().close(CloseMode.IMMEDIATE); // and the pool the two share
  }

  /**
   * Why an ota_proxy answered an error itself: its short text/plain body, which starts with
   * {@code ota_proxy: } (the proxy's own upstream failure, e.g. TLS spoken to a plain-HTTP server).
   * Without it the failure reason would only say "HTTP 502" and the cause would stay in the proxy's log.
   */
  private static String proxyExplanation(ClassicHttpResponse response) {
    HttpEntity entity = response.getEntity();
    String type = entity == null ? null : entity.getContentType();
    if (type == null || !type.startsWith("text/plain")) {
      return null;
    }
    try (InputStream in = entity.getContent()) {
      String text = new String(in.readNBytes(1024), java.nio.charset.StandardCharsets.UTF_8);
      String first = text.lines().findFirst().orElse("").strip();
      return first.startsWith("ota_proxy: ") ? first : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** A non-200 response; {@code retryable} for 413, 429 and 5xx. */
  static final class HttpStatusException extends IOException {
    private static final long serialVersionUID = 1L;
    final int status;
    final boolean retryable;

    HttpStatusException(int status, boolean retryable, String explanation) {
      super("HTTP " + status + (explanation == null ? "" : " (" + explanation + ")"));
      this.status = status;
      this.retryable = retryable;
    }
  }

  /** A body larger than its cap: the same answer would come again, so it is not retried. */
  private static final class TooLarge extends IOException {
    private static final long serialVersionUID = 1L;

    TooLarge(String message) {
      super(message);
    }
  }
}
