package dev.otaclient.update;

import dev.otaclient.image.RegularEntry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * All regular entries of the new image that share one content hash. The content is obtained once
 * (kept, copied from the active slot, or downloaded) and every other entry is a hard link or a local
 * copy of it.
 */
final class ContentGroup {
  final String sha256;
  final long size;
  final List<RegularEntry> entries = new ArrayList<>(1);
  /** A file in the active slot that should hold this content (verified while copying). */
  volatile Path activeCandidate;

  ContentGroup(String sha256, long size) {
    this.sha256 = sha256;
    this.size = size;
  }

  /** The compression of the blob to download, from the first entry that has one. */
  String compressAlg() {
    for (RegularEntry e : entries) {
      if (e.isCompressed()) {
        return e.compressAlg();
      }
    }
    return null;
  }
}
