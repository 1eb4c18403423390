package dev.otaclient.internal.boot;

import java.util.Optional;

/**
 * Small files of the image about to be installed, readable before anything of the standby is
 * touched: the image is verified and planned, and only the file asked for is fetched (checked
 * against its listed hash). Lets a controller refuse an image it cannot boot before the download.
 */
@FunctionalInterface
public interface ImageFiles {
  /** No image files at all: nothing to vet. */
  ImageFiles NONE = (path, maxBytes) -> Optional.empty();

  /**
   * The content of the regular file at {@code imagePath} (absolute, as the image lists it), or empty
   * when the image has no such file or it is larger than {@code maxBytes}.
   *
   * @throws dev.otaclient.error.OtaException when the file is listed but cannot be fetched or verified
   */
  Optional<byte[]> read(String imagePath, int maxBytes);
}
