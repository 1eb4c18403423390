package dev.otaclient.internal.image;

import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fetch.BlobRequest;
import dev.otaclient.internal.fetch.BlobWriter;
import dev.otaclient.internal.fetch.FetchFailure;
import dev.otaclient.internal.fetch.FetchListener;
import dev.otaclient.internal.fetch.FetchResult;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An image on local storage (a directory or an archive), read through the same decode-and-verify
 * pipeline as HTTP. A local read does not get better by retrying, so every failure is final.
 */
abstract class LocalImageSource implements ImageSource {
  private static final Logger LOG = LoggerFactory.getLogger(LocalImageSource.class);

  private final ImageLocation location;

  LocalImageSource(ImageLocation location) {
    this.location = location;
  }

  /**
   * Opens a file by its unquoted path relative to the image root. Paths leaving the image are
   * refused with a {@link FileSystemException} whose reason starts with {@code refused}.
   *
   * @throws NoSuchFileException when the image has no such file
   */
  abstract InputStream open(String relativePath) throws IOException;

  @Override
  public final ImageLocation location() {
    return location;
  }

  @Override
  public final byte[] readMetadata(String relativePath, int maxBytes) {
    try (InputStream in = open(relativePath)) {
      byte[] bytes = in.readNBytes(maxBytes + 1);
      if (bytes.length > maxBytes) {
        throw failure(new FetchFailure(FetchFailure.Kind.CONTENT, relativePath, "larger than " + maxBytes + " bytes"),
            SourceFailures.Role.METADATA, relativePath);
      }
      return bytes;
    } catch (IOException e) {
      throw failure(classify(relativePath, e), SourceFailures.Role.METADATA, relativePath);
    }
  }

  @Override
  public final Presence probe(String relativePath) {
    try (InputStream in = open(relativePath)) {
      return Presence.PRESENT;
    } catch (NoSuchFileException | FileNotFoundException e) {
      return Presence.ABSENT;
    } catch (IOException e) {
      return classify(relativePath, e).kind() == FetchFailure.Kind.REFUSED ? Presence.ABSENT : Presence.UNKNOWN;
    }
  }

  @Override
  public final FetchResult fetch(BlobRequest request, Path destination, FetchListener listener) {
    String where = request.relativePath();
    SourceFailures.Role role = request.metadata() ? SourceFailures.Role.LIST : SourceFailures.Role.BLOB;
    try (InputStream in = open(where)) {
      BlobWriter.Written w = BlobWriter.write(in, request, destination, listener == null ? FetchListener.NONE : listener);
      return new FetchResult(w.wireBytes(), w.writtenBytes(), 0);
    } catch (BlobWriter.ContentMismatchException e) {
      AtomicFiles.discard(destination);
      throw failure(new FetchFailure(FetchFailure.Kind.CONTENT, where, e.getMessage(), e), role, where);
    } catch (IOException e) {
      AtomicFiles.discard(destination);
      throw failure(classify(where, e), role, where);
    } catch (OtaException e) {
      AtomicFiles.discard(destination);
      throw e;
    }
  }

  private static FetchFailure classify(String where, IOException e) {
    if (e instanceof NoSuchFileException || e instanceof FileNotFoundException) {
      return new FetchFailure(FetchFailure.Kind.NOT_FOUND, where, "not found in the image", e);
    }
    if (Thread.currentThread().isInterrupted()) {
      return new FetchFailure(FetchFailure.Kind.INTERRUPTED, where, "interrupted", e);
    }
    if (e instanceof FileSystemException fs && fs.getReason() != null && fs.getReason().startsWith("refused")) {
      return new FetchFailure(FetchFailure.Kind.REFUSED, where, fs.getReason(), e);
    }
    return new FetchFailure(FetchFailure.Kind.UNAVAILABLE, where, "cannot read: " + e, e);
  }

  private OtaException failure(FetchFailure f, SourceFailures.Role role, String name) {
    return SourceFailures.of(f, role, name, location);
  }

}
