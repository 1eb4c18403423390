package dev.otaclient.image;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * Where the files of one OTA image come from: an HTTP server, a directory, or a tar archive. Opening is
 * safe from several threads at once; each returned stream is used by one thread.
 */
public interface ImageSource extends Closeable {
  /**
   * Opens a file by its path relative to the image root, unquoted ({@code data/usr/bin/x}).
   *
   * @param metadata true for metadata.jwt, the certificate and the lists (HTTP then asks caches not to
   *     serve a cached copy with {@code ota-file-cache-control: no_cache})
   * @throws java.nio.file.NoSuchFileException when the image has no such file
   * @throws IOException when it cannot be read (network, I/O, a path leaving the image root)
   */
  InputStream open(String relativePath, boolean metadata) throws IOException;

  /** Where the image is, for messages and logs. */
  String location();

  /**
   * True when files come over the network: a file that cannot be fetched is then a network failure
   * worth retrying later; from a directory or an archive it means the image itself is broken.
   */
  default boolean isRemote() {
    return false;
  }
}
