package dev.otaclient.fetch;

import java.nio.file.Path;

/** Puts the verified content of one blob of an image into a file. Implementations are thread-safe. */
public interface BlobFetcher extends AutoCloseable {
  /**
   * Writes the decoded, verified content to {@code destination} (created, or truncated when it
   * exists). On failure the destination is deleted and an {@link dev.otaclient.error.OtaException} is
   * thrown; an interrupted thread gets one promptly, with its interrupt flag set.
   */
  FetchResult fetch(BlobRequest request, Path destination, FetchListener listener);

  @Override
  void close();
}
