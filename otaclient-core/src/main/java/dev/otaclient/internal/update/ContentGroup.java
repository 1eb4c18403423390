package dev.otaclient.internal.update;

import dev.otaclient.internal.fs.Sha256;
import java.util.Arrays;
import java.util.Map;

/**
 * All regular files of the new image that share one content hash. The content is obtained once
 * (kept, copied from the active slot, or downloaded) and every other file is a hard link or a local
 * copy of it.
 */
final class ContentGroup {
  private static final Sha256 EMPTY_CONTENT =
      Sha256.ofHex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

  /** Where the group's first copy of the content comes from when the standby does not hold it. */
  enum Source {
    /** The empty content: created, nothing to fetch. */
    EMPTY,
    /** Copied (and verified) from the active slot's {@link #activeCandidate}. */
    ACTIVE_SLOT,
    /** Downloaded from the image. */
    DOWNLOAD
  }

  /** The actions that put members in place, in the order {@link #place} decides them. */
  interface Placer<X extends Exception> {
    /** Puts the group's first copy at {@code member}, from {@link #source()}. */
    void obtain(int member) throws X;

    /** Hard-links {@code member} to {@code to}, an earlier placed member of its link group. */
    void link(int member, int to) throws X;

    /** Copies the content of {@code from}, the first placed member, to {@code member}. */
    void copy(int member, int from) throws X;
  }

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

  /**
   * Where the first copy comes from. An active-slot source is only a candidate: the update falls back
   * to downloading when the file no longer holds the content.
   */
  Source source() {
    if (sha256.equals(EMPTY_CONTENT)) {
      return Source.EMPTY;
    }
    return activeCandidate != null ? Source.ACTIVE_SLOT : Source.DOWNLOAD;
  }

  /**
   * Decides how the members not yet {@code placed} get the content, and has {@code placer} do it: when
   * no member is placed, member 0 is obtained first; then every other member is hard-linked to the
   * first placed member of its link group, or else copied from the first placed member (and becomes
   * its link group's target). The update and its dry run ({@link DeltaEstimate}) both place through here.
   *
   * @param placed which members already hold the content; updated as members are placed
   * @param linkTargets link group key to the placed member the group's others link to; updated
   * @return how many members were placed
   */
  <X extends Exception> int place(boolean[] placed, Map<String, Integer> linkTargets, Placer<X> placer) throws X {
    return place(placed, new boolean[count], linkTargets, placer);
  }

  /**
   * As {@link #place(boolean[], Map, Placer)}, leaving out the members marked in {@code skip}
   * (paths that a later step replaces, see {@link PersistentStep.Cover}): they are neither placed nor
   * used as a source, and a group whose every remaining member is placed or skipped obtains nothing.
   */
  <X extends Exception> int place(boolean[] placed, boolean[] skip, Map<String, Integer> linkTargets,
      Placer<X> placer) throws X {
    int seed = -1;
    int first = -1;
    for (int i = 0; i < count; i++) {
      if (skip[i]) {
        continue;
      }
      if (placed[i] && seed < 0) {
        seed = i;
      }
      if (!placed[i] && first < 0) {
        first = i;
      }
    }
    if (first < 0) {
      return 0; // nothing left to place
    }
    int done = 0;
    if (seed < 0) {
      seed = first;
      placer.obtain(seed);
      placed[seed] = true;
      done++;
      if (member(seed).isHardLinked()) {
        linkTargets.putIfAbsent(member(seed).linkKey, seed);
      }
    }
    for (int i = 0; i < count; i++) {
      if (placed[i] || skip[i]) {
        continue;
      }
      PlannedFile e = member(i);
      Integer linkTo = e.isHardLinked() ? linkTargets.get(e.linkKey) : null;
      if (linkTo != null) {
        placer.link(i, linkTo);
      } else {
        placer.copy(i, seed);
        if (e.isHardLinked()) {
          linkTargets.put(e.linkKey, i);
        }
      }
      placed[i] = true;
      done++;
    }
    return done;
  }

  /** Size for progress counting: 0 when unknown. */
  long countedSize() {
    return Math.max(0, size);
  }
}
