package dev.otaclient.image;

import dev.otaclient.fetch.CacheControl;
import dev.otaclient.fetch.Cookies;
import dev.otaclient.fetch.HttpSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.NoSuchFileException;
import java.util.Objects;

/**
 * An image on a plain static HTTP(S) server (reference §1.1, §1.9, §1.10). Names are percent-encoded
 * like the Python client; the cookies go with every request; metadata requests ask caches for a fresh
 * copy. With a proxy the URL scheme is forced to http and the proxy decides how to reach the origin,
 * as ota_proxy expects.
 */
public final class HttpImageSource implements ImageSource {
  private final URI base;
  private final Cookies cookies;
  private final HttpSettings settings;
  private final HttpClient client;

  public HttpImageSource(URI imageUrl, Cookies cookies, HttpSettings settings) {
    this.cookies = Objects.requireNonNull(cookies, "cookies");
    this.settings = Objects.requireNonNull(settings, "settings");
    URI normalised = ImageUrls.normaliseBase(imageUrl);
    if (settings.proxy().isPresent() && normalised.getScheme().equals("https")) {
      normalised = URI.create("http" + normalised.toString().substring("https".length()));
    }
    this.base = normalised;
    HttpClient.Builder builder = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NORMAL)
        .connectTimeout(settings.connectTimeout());
    settings.proxy().ifPresent(p -> builder.proxy(ProxySelector.of(p)));
    this.client = builder.build();
  }

  /** The normalised base URL every name is appended to. */
  public URI base() {
    return base;
  }

  /** The URL a relative name is fetched from. */
  public URI urlOf(String relativePath) {
    return ImageUrls.resolve(base, relativePath);
  }

  /**
   * {@inheritDoc}
   *
   * <p>The read timeout bounds the wait for the response headers; a stall inside the body is left to
   * the caller's own watchdog.
   */
  @Override
  public InputStream open(String relativePath, boolean metadata) throws IOException {
    URI uri = urlOf(relativePath);
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().timeout(settings.readTimeout());
    if (!cookies.isEmpty()) {
      request.header("Cookie", cookies.headerValue());
    }
    if (metadata) {
      request.header(CacheControl.HEADER, CacheControl.NO_CACHE);
    }
    HttpResponse<InputStream> response;
    try {
      response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while requesting " + uri);
    }
    int status = response.statusCode();
    if (status == 200) {
      return response.body();
    }
    response.body().close();
    if (status == 404) {
      throw new NoSuchFileException(uri.toString(), null, "HTTP 404");
    }
    throw new IOException("HTTP " + status + " for " + uri);
  }

  @Override
  public String location() {
    return base.toString();
  }

  @Override
  public boolean isRemote() {
    return true;
  }

  @Override
  public void close() {
    // HttpClient in Java 17 has no close(); its threads end once it is unreachable
  }

  @Override
  public String toString() {
    return "HttpImageSource[" + base + "]";
  }
}
