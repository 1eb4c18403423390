package dev.otaclient.internal.image;

/**
 * The verified entries of the rootfs an image installs, as the update plans and applies them:
 * directories, symlinks, regular files, persistent paths and (OTA image v1 only) overlayfs
 * whiteouts. Each call opens a fresh reader, so a step may read a kind twice. Legacy images give
 * their four lists ({@link VerifiedLists}); v1 images the rows of their file table.
 */
public interface ImageTree {
  EntryReader<DirectoryEntry> readDirectories();

  EntryReader<SymlinkEntry> readSymlinks();

  EntryReader<RegularEntry> readRegulars();

  EntryReader<PersistentEntry> readPersistents();

  /** Character devices 0/0, which overlayfs reads as "deleted in this layer". */
  default EntryReader<WhiteoutEntry> readWhiteouts() {
    return EntryReader.empty("whiteouts");
  }
}
