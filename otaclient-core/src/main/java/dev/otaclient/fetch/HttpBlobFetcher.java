package dev.otaclient.fetch;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.image.ImageUrls;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches blobs from an image served over HTTP(S), directly or through a forward proxy (ota_proxy).
 * One HTTP/1.1 client with connection reuse is shared by all calling threads; at most
 * {@code maxConcurrentConnections} requests are in flight. Failed attempts are retried as the Python
 * client does (reference §2.7): transport errors, timeouts, truncated or wrong content and HTTP
 * 413/429/5xx; other HTTP errors end the fetch at once.
 */
public final class HttpBlobFetcher implements BlobFetcher {
  private static final Logger LOG = LoggerFactory.getLogger(HttpBlobFetcher.class);
  private static final AtomicInteger CLIENT_IDS = new AtomicInteger();

  private final URI base;
  private final Cookies cookies;
  private final HttpSettings http;
  private final RetryPolicy retry;
  private final Semaphore permits;
  private final DownloadBudget budget;
  private final ExecutorService executor;
  private final HttpClient client;
  private volatile boolean closed;

  public HttpBlobFetcher(URI imageBase, Cookies cookies, HttpSettings http, RetryPolicy retry,
                         int maxConcurrentConnections) {
    if (maxConcurrentConnections < 1) {
      throw new IllegalArgumentException("maxConcurrentConnections must be >= 1: " + maxConcurrentConnections);
    }
    this.cookies = Objects.requireNonNull(cookies, "cookies");
    this.http = Objects.requireNonNull(http, "http");
    this.retry = Objects.requireNonNull(retry, "retry");
    URI normalised = ImageUrls.normaliseBase(imageBase);
    // Through a proxy the client always speaks plain HTTP; the proxy decides how to reach the origin.
    this.base = http.proxy().isPresent()
        ? URI.create("http" + normalised.toString().substring(normalised.getScheme().length()))
        : normalised;
    this.permits = new Semaphore(maxConcurrentConnections);
    this.budget = new DownloadBudget(retry.noSuccessBudget());
    this.executor = Executors.newCachedThreadPool(daemonThreads("ota-http-" + CLIENT_IDS.incrementAndGet()));
    HttpClient.Builder builder = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(http.connectTimeout())
        .followRedirects(HttpClient.Redirect.NORMAL)
        .executor(executor);
    // Without a configured proxy we connect directly; JVM-wide proxy properties must not leak in.
    builder.proxy(http.proxy().map(ProxySelector::of).orElse(HttpClient.Builder.NO_PROXY));
    this.client = builder.build();
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** The URL a request is fetched from (scheme {@code http} when a proxy is configured). */
  public URI urlOf(BlobRequest request) {
    return ImageUrls.resolve(base, request.relativePath());
  }

  /** The shared no-success budget of this fetcher (exposed for diagnostics and tests). */
  public DownloadBudget budget() {
    return budget;
  }

  @Override
  public FetchResult fetch(BlobRequest request, Path destination, FetchListener listener) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(destination, "destination");
    FetchListener l = listener == null ? FetchListener.NONE : listener;
    if (closed) {
      throw new IllegalStateException("fetcher is closed");
    }
    // The per-read timeout bounds a silent body; the request timeout (connect + read) bounds the wait
    // for the status line and headers.
    URI url = urlOf(request);
    if (request.compressAlg() != null && !request.isZstd()) {
      // a bad image, not a transport problem: downloading again cannot help
      throw new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.DOWNLOADER,
          url + ": unsupported compression '" + request.compressAlg() + "'");
    }
    budget.started();
    int failed = 0;
    for (int attempt = 1; ; attempt++) {
      Exception cause;
      boolean contentError;
      try {
        BlobWriter.Written w = attemptOnce(url, request, destination, l, attempt > 1);
        budget.succeeded();
        return new FetchResult(w.wireBytes(), w.writtenBytes(), failed);
      } catch (HttpStatusException e) {
        if (!e.retryable) {
          deleteQuietly(destination);
          throw new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.DOWNLOADER, url + ": HTTP " + e.status);
        }
        cause = e;
        contentError = false;
      } catch (BlobWriter.ContentMismatchException e) {
        cause = e;
        contentError = true;
      } catch (IOException e) {
        cause = e;
        contentError = false;
      } catch (OtaException e) {
        // destination failure (e.g. standby slot full): retrying cannot help
        deleteQuietly(destination);
        throw e;
      }
      if (Thread.currentThread().isInterrupted()) {
        throw interrupted(url, destination);
      }
      if (closed) {
        deleteQuietly(destination);
        throw new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.DOWNLOADER, url + ": fetcher closed", cause);
      }
      if (attempt >= retry.maxAttemptsPerFile()) {
        throw giveUp(url, destination, contentError, cause, "giving up after " + attempt + " attempts");
      }
      if (budget.exhausted()) {
        throw giveUp(url, destination, contentError, cause,
            "no download succeeded for " + retry.noSuccessBudget().toMillis() + " ms, giving up after "
            + attempt + " attempts");
      }
      failed++;
      LOG.debug("{}: attempt {} failed, retrying: {}", url, attempt, cause.toString());
      l.onRetry(request, attempt, cause);
      Duration wait = retry.backoffAfter(attempt);
      Duration left = budget.remaining();
      try {
        Thread.sleep(Math.max(0, (wait.compareTo(left) < 0 ? wait : left).toMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw interrupted(url, destination);
      }
    }
  }

  private BlobWriter.Written attemptOnce(URI url, BlobRequest request, Path destination, FetchListener listener,
                                         boolean isRetry) throws IOException, BlobWriter.ContentMismatchException {
    HttpRequest.Builder rb = HttpRequest.newBuilder(url)
        .GET()
        .timeout(http.connectTimeout().plus(http.readTimeout()))
        .header(CacheControl.HEADER, CacheControl.forFile(request.sha256(), request.compressAlg(), isRetry));
    String cookieHeader = cookies.headerValue();
    if (!cookieHeader.isEmpty()) {
      rb.header("Cookie", cookieHeader);
    }
    HttpRequest req = rb.build();
    try {
      permits.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for a connection slot");
    }
    try {
      CompletableFuture<HttpResponse<InputStream>> pending;
      try {
        pending = client.sendAsync(req, info -> new ResponseBodyStream(http.readTimeout()));
      } catch (RejectedExecutionException e) {
        throw new IOException("HTTP client shut down", e); // close() raced with this fetch
      }
      HttpResponse<InputStream> response = await(pending);
      try (InputStream body = response.body()) {
        int status = response.statusCode();
        if (status == 200) {
          return BlobWriter.write(body, request, destination, listener);
        }
        throw new HttpStatusException(status, isRetryableStatus(status));
      }
    } finally {
      permits.release();
    }
  }

  private static HttpResponse<InputStream> await(CompletableFuture<HttpResponse<InputStream>> pending)
      throws IOException {
    try {
      return pending.get();
    } catch (InterruptedException e) {
      pending.cancel(true);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the response");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        // rethrown in this thread so the trace shows the fetch that failed
        throw new IOException(io.toString(), io);
      }
      throw new IOException(String.valueOf(c), c);
    }
  }

  static boolean isRetryableStatus(int status) {
    return status == 413 || status == 429 || (status >= 500 && status <= 599);
  }

  private OtaException giveUp(URI url, Path destination, boolean contentError, Exception cause, String why) {
    deleteQuietly(destination);
    ErrorCode code = contentError ? ErrorCode.APPLY_UPDATE : ErrorCode.NETWORK;
    String detail = url + ": " + why + "; last error: " + describe(cause);
    LOG.warn("{}", detail);
    return new OtaException(code, ErrorModule.DOWNLOADER, detail, cause);
  }

  private static String describe(Exception cause) {
    if (cause instanceof HttpStatusException s) {
      return "HTTP " + s.status;
    }
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }

  private static OtaException interrupted(URI url, Path destination) {
    deleteQuietly(destination);
    return new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.DOWNLOADER, url + ": interrupted");
  }

  static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      LOG.debug("cannot delete partial download {}: {}", p, e.toString());
    }
  }

  @Override
  public void close() {
    closed = true;
    executor.shutdownNow();
  }

  /** A non-200 response; {@code retryable} for 413, 429 and 5xx. */
  static final class HttpStatusException extends IOException {
    private static final long serialVersionUID = 1L;
    final int status;
    final boolean retryable;

    HttpStatusException(int status, boolean retryable) {
      super("HTTP " + status);
      this.status = status;
      this.retryable = retryable;
    }
  }
}
