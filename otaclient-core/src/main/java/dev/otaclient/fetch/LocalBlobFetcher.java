package dev.otaclient.fetch;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Fetches blobs from an image available locally (an unpacked directory or a tar the engine opens),
 * through the same decode-and-verify pipeline as HTTP. A local read does not get better by retrying,
 * so every failure is final: a missing or wrong blob is a bad image ({@code APPLY_UPDATE}).
 */
public final class LocalBlobFetcher implements BlobFetcher {
  /** Opens the blob at an image-relative, unquoted path. Called from many threads at once. */
  @FunctionalInterface
  public interface Opener {
    InputStream open(String relativePath) throws IOException;
  }

  private final Opener opener;

  public LocalBlobFetcher(Opener opener) {
    this.opener = Objects.requireNonNull(opener, "opener");
  }

  /** An opener reading {@code <root>/<relativePath>}, refusing paths that leave {@code root}. */
  public static Opener directory(Path root) {
    Path r = root.toAbsolutePath().normalize();
    return relativePath -> {
      Path p = r.resolve(relativePath).normalize();
      if (!p.startsWith(r) || p.equals(r)) {
        throw new IOException(relativePath + ": outside the image directory");
      }
      return Files.newInputStream(p);
    };
  }

  @Override
  public FetchResult fetch(BlobRequest request, Path destination, FetchListener listener) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(destination, "destination");
    FetchListener l = listener == null ? FetchListener.NONE : listener;
    String where = request.relativePath();
    try (InputStream in = opener.open(where)) {
      BlobWriter.Written w = BlobWriter.write(in, request, destination, l);
      return new FetchResult(w.wireBytes(), w.writtenBytes(), 0);
    } catch (BlobWriter.ContentMismatchException e) {
      HttpBlobFetcher.deleteQuietly(destination);
      throw new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.DOWNLOADER, where + ": " + e.getMessage(), e);
    } catch (NoSuchFileException | FileNotFoundException e) {
      HttpBlobFetcher.deleteQuietly(destination);
      throw new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.DOWNLOADER, where + ": not found in the image", e);
    } catch (IOException e) {
      HttpBlobFetcher.deleteQuietly(destination);
      if (Thread.currentThread().isInterrupted()) {
        throw new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.DOWNLOADER, where + ": interrupted", e);
      }
      throw new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.DOWNLOADER, where + ": cannot read: " + e, e);
    } catch (OtaException e) {
      HttpBlobFetcher.deleteQuietly(destination);
      throw e;
    }
  }

  @Override
  public void close() {}
}
