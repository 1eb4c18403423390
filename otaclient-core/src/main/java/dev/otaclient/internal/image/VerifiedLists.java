package dev.otaclient.internal.image;

import java.nio.file.Path;
import java.util.Objects;

/** The four list files of an image, downloaded to local disk and checked against the signed hashes. */
public record VerifiedLists(Path directories, Path symlinks, Path regulars, Path persistents) {
  public VerifiedLists {
    Objects.requireNonNull(directories, "directories");
    Objects.requireNonNull(symlinks, "symlinks");
    Objects.requireNonNull(regulars, "regulars");
    Objects.requireNonNull(persistents, "persistents");
  }

  public Path path(ListKind kind) {
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
