package dev.otaclient.internal.image;

import dev.otaclient.internal.fetch.BlobRequest;
import dev.otaclient.internal.fetch.FetchListener;
import dev.otaclient.internal.fetch.FetchResult;
import java.io.Closeable;
import java.nio.file.Path;

/**
 * The one way the client reaches the files of an OTA image, wherever it is (see {@link ImageLocation}):
 * metadata, lists and blobs all come through here, so they share the transport, its retries and its
 * budget, and every failure is mapped to the same error codes. Fetching is safe from many threads.
 * Open one with {@link ImageSources#open}.
 */
public interface ImageSource extends Closeable {
  /** Where the image is. */
  ImageLocation location();

  /**
   * Reads a small file whose digest is not known yet ({@code metadata.jwt}, the certificate).
   *
   * @throws dev.otaclient.error.OtaException naming the file and the image: for a remote image a
   *     network failure; for a local one, a missing file means the location is not an image
   */
  byte[] readMetadata(String relativePath, int maxBytes);

  /**
   * Writes the decoded, verified content of {@code request} to {@code destination} (created or
   * truncated); on failure the destination is deleted.
   *
   * @throws dev.otaclient.error.OtaException for a list ({@link BlobRequest#metadata()}), a
   *     metadata download or verification failure; for rootfs content, a network failure or a bad
   *     image; an interrupted thread gets one promptly with its interrupt flag still set
   */
  FetchResult fetch(BlobRequest request, Path destination, FetchListener listener);

  /** What one look for a file found. */
  enum Presence { PRESENT, ABSENT, UNKNOWN }

  /**
   * Looks once, without retries, for a file: PRESENT, ABSENT (HTTP 401, 403 or 404; no such file), or
   * UNKNOWN (any other answer, or none). Used to tell an OTA image v1 from a legacy one.
   */
  Presence probe(String relativePath);

  /** Ends every fetch in flight and releases connections or files. */
  @Override
  void close();
}
