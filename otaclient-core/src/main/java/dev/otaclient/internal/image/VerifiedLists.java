package dev.otaclient.internal.image;

import java.nio.file.Path;
import java.util.Objects;

/** The four list files of an image, downloaded to local disk and checked against the signed hashes. */
public record VerifiedLists(Path directories, Path symlinks, Path regulars, Path persistents) implements ImageTree {
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

  @Override
  public EntryReader<DirectoryEntry> readDirectories() {
    return ListReader.open(ListKind.DIRECTORIES, directories);
  }

  @Override
  public EntryReader<SymlinkEntry> readSymlinks() {
    return ListReader.open(ListKind.SYMLINKS, symlinks);
  }

  @Override
  public EntryReader<RegularEntry> readRegulars() {
    return ListReader.open(ListKind.REGULARS, regulars);
  }

  @Override
  public EntryReader<PersistentEntry> readPersistents() {
    return ListReader.open(ListKind.PERSISTENTS, persistents);
  }
}
