package dev.otaclient.update;

import dev.otaclient.fs.Sha256;
import java.util.Arrays;

/**
 * All regular files of the new image that share one content hash. The content is obtained once
 * (kept, copied from the active slot, or downloaded) and every other file is a hard link or a local
 * copy of it.
 */
final class ContentGroup {
  final Sha256 sha256;
  /** Content size; -1 while no list line carried one (rev1 lists). */
  long size;
  /** The compression of the blob to download ({@code zst}/{@code zstd}), from the first file that has one. */
  String compressAlg;
  /** One {@link PlannedFile}, or a {@code PlannedFile[]} once there are several: most groups have one. */
  private Object members;
  private int count;
  /**
   * Image path of a file in the active slot that should hold this content (verified while copying);
   * resolved to a {@code Path} only when used.
   */
  volatile String activeCandidate;

  ContentGroup(Sha256 sha256, long size) {
    this.sha256 = sha256;
    this.size = size;
  }

  void add(PlannedFile f) {
    if (count == 0) {
      members = f;
    } else {
      PlannedFile[] a;
      if (count == 1) {
        a = new PlannedFile[2];
        a[0] = (PlannedFile) members;
      } else {
        a = (PlannedFile[]) members;
        if (count == a.length) {
          a = Arrays.copyOf(a, count * 2);
        }
      }
      a[count] = f;
      members = a;
    }
    count++;
  }

  int count() {
    return count;
  }

  PlannedFile member(int i) {
    if (i < 0 || i >= count) {
      throw new IndexOutOfBoundsException(i);
    }
    return count == 1 ? (PlannedFile) members : ((PlannedFile[]) members)[i];
  }

  /** Size for progress counting: 0 when unknown. */
  long countedSize() {
    return Math.max(0, size);
  }
}
