package dev.otaclient.fetch;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.image.ImageUrls;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.io.CloseMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches blobs from an image served over HTTP(S), directly or through a forward proxy (ota_proxy).
 * Blocking HTTP/1.1 on a pool of keep-alive connections: each download runs on its caller's thread,
 * from the socket through decoding and hashing into the file, with at most
 * {@code maxConcurrentConnections} requests in flight. Failed attempts are retried as the Python
 * client does (reference §2.7): transport errors, timeouts, truncated or wrong content and HTTP
 * 413/429/5xx; other HTTP errors end the fetch at once.
 */
public final class HttpBlobFetcher implements BlobFetcher {
  private static final Logger LOG = LoggerFactory.getLogger(HttpBlobFetcher.class);

  private final URI base;
  private final Cookies cookies;
  private final RetryPolicy retry;
  private final Semaphore permits;
  private final DownloadBudget budget;
  private final CloseableHttpClient client;
  private volatile boolean closed;

  public HttpBlobFetcher(URI imageBase, Cookies cookies, HttpSettings http, RetryPolicy retry,
                         int maxConcurrentConnections) {
    if (maxConcurrentConnections < 1) {
      throw new IllegalArgumentException("maxConcurrentConnections must be >= 1: " + maxConcurrentConnections);
    }
    this.cookies = Objects.requireNonNull(cookies, "cookies");
    Objects.requireNonNull(http, "http");
    this.retry = Objects.requireNonNull(retry, "retry");
    URI normalised = ImageUrls.normaliseBase(imageBase);
    // Through a proxy the client always speaks plain HTTP; the proxy decides how to reach the origin.
    this.base = http.proxy().isPresent()
        ? URI.create("http" + normalised.toString().substring(normalised.getScheme().length()))
        : normalised;
    this.permits = new Semaphore(maxConcurrentConnections);
    this.budget = new DownloadBudget(retry.noSuccessBudget());
    this.client = PooledHttp.client(http.connectTimeout(), http.readTimeout(), maxConcurrentConnections,
        http.proxy(), false);
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
    // The read timeout bounds every silence: before the status line, in the headers and in the body.
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
    HttpGet get = new HttpGet(url);
    get.setHeader(CacheControl.HEADER, CacheControl.forFile(request.sha256(), request.compressAlg(), isRetry));
    String cookieHeader = cookies.headerValue();
    if (!cookieHeader.isEmpty()) {
      get.setHeader("Cookie", cookieHeader);
    }
    try {
      permits.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for a connection slot");
    }
    ClassicHttpResponse response = null;
    boolean complete = false;
    try {
      response = client.executeOpen(null, get, null);
      int status = response.getCode();
      if (status != 200) {
        throw new HttpStatusException(status, isRetryableStatus(status));
      }
      HttpEntity entity = response.getEntity();
      BlobWriter.Written w = BlobWriter.write(entity == null ? InputStream.nullInputStream() : entity.getContent(),
          request, destination, listener);
      complete = true;
      return w;
    } catch (IllegalStateException e) {
      throw new IOException("HTTP client shut down", e); // close() raced with this fetch
    } finally {
      if (!complete) {
        // Closing an unfinished response would read the rest of the body to keep the connection;
        // a refused or wrong blob may be large (or endless), so the connection is dropped instead.
        get.cancel();
      }
      closeQuietly(response);
      permits.release();
    }
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
    client.close(CloseMode.IMMEDIATE);
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
