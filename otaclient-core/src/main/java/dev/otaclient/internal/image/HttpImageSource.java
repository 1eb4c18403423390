package dev.otaclient.internal.image;

import dev.otaclient.internal.fetch.BlobRequest;
import dev.otaclient.internal.fetch.Cookies;
import dev.otaclient.internal.fetch.FetchFailure;
import dev.otaclient.internal.fetch.FetchListener;
import dev.otaclient.internal.fetch.FetchResult;
import dev.otaclient.internal.fetch.HttpSettings;
import dev.otaclient.internal.fetch.HttpTransport;
import dev.otaclient.internal.fetch.RetryPolicy;
import java.net.URI;
import java.nio.file.Path;

/**
 * An image on a plain static HTTP(S) server (reference §1.1, §1.9, §1.10): names are percent-encoded
 * like the Python client, the cookies go with every request, metadata requests ask caches for a fresh
 * copy, and every file travels through one {@link HttpTransport}.
 */
final class HttpImageSource implements ImageSource {
  private final ImageLocation.Http location;
  private final URI base;
  private final HttpTransport transport;

  HttpImageSource(ImageLocation.Http location, Cookies cookies, HttpSettings http, RetryPolicy retry,
                  int maxConnections) {
    this.location = location;
    this.base = location.requestBase(http.proxy());
    this.transport = new HttpTransport(cookies, http, retry, maxConnections);
  }

  /** The URL a relative name is fetched from (scheme {@code http} when a proxy is configured). */
  URI urlOf(String relativePath) {
    return ImageLocation.Http.resolve(base, relativePath);
  }

  HttpTransport transport() {
    return transport;
  }

  @Override
  public ImageLocation location() {
    return location;
  }

  @Override
  public byte[] readMetadata(String relativePath, int maxBytes) {
    try {
      return transport.read(urlOf(relativePath), maxBytes);
    } catch (FetchFailure f) {
      throw SourceFailures.of(f, SourceFailures.Role.METADATA, relativePath, location);
    }
  }

  @Override
  public FetchResult fetch(BlobRequest request, Path destination, FetchListener listener) {
    try {
      return transport.fetch(urlOf(request.relativePath()), request, destination, listener);
    } catch (FetchFailure f) {
      throw SourceFailures.of(f, request.metadata() ? SourceFailures.Role.LIST : SourceFailures.Role.BLOB,
          request.relativePath(), location);
    }
  }

  @Override
  public Presence probe(String relativePath) {
    int status = transport.probe(urlOf(relativePath));
    if (status == 200) {
      return Presence.PRESENT;
    }
    // CloudFront answers 403 for a path that does not exist
    return status == 401 || status == 403 || status == 404 ? Presence.ABSENT : Presence.UNKNOWN;
  }

  @Override
  public void close() {
    transport.close();
  }

  @Override
  public String toString() {
    return "HttpImageSource[" + base + "]";
  }
}
