package dev.otaclient.internal.image;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The claims of {@code metadata.jwt} (reference §1.2). Only trustworthy once returned by
 * {@link MetadataVerifier#verify}.
 *
 * @param version scheme version, always 1
 * @param rootfsDirectory directory (relative to the image root) holding the plain rootfs tree
 * @param totalRegularSize sum of the sizes of all regular entries, when the image states it
 * @param compressedRootfsDirectory directory holding {@code <sha256>.<alg>} blobs, when present
 */
public record ImageMetadata(int version, FileRef directories, FileRef symlinks, FileRef regulars,
    FileRef persistents, FileRef certificate, String rootfsDirectory,
    OptionalLong totalRegularSize, Optional<String> compressedRootfsDirectory) {

  public ImageMetadata {
    Objects.requireNonNull(directories, "directories");
    Objects.requireNonNull(symlinks, "symlinks");
    Objects.requireNonNull(regulars, "regulars");
    Objects.requireNonNull(persistents, "persistents");
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(rootfsDirectory, "rootfsDirectory");
    Objects.requireNonNull(totalRegularSize, "totalRegularSize");
    Objects.requireNonNull(compressedRootfsDirectory, "compressedRootfsDirectory");
  }

  /** The list file of the given kind. */
  public FileRef list(ListKind kind) {
    switch (kind) {
      case DIRECTORIES:
        return directories;
      case SYMLINKS:
        return symlinks;
      case REGULARS:
        return regulars;
      case PERSISTENTS:
        return persistents;
      default:
        throw new IllegalArgumentException("unknown list kind " + kind);
    }
  }
}
