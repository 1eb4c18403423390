package dev.otaclient.internal.update;

import dev.otaclient.internal.fs.Sha256;

/**
 * What the in-place clean learned about the regular files it kept, for the regular step: for each
 * image path whose {@code lstat} matched the path's placement record, that record, and the file's
 * mode and owner (which records do not pin). The regular step then takes no {@code lstat} of its own
 * for such a file: a no-op update of 60 000 files took two per file. Four ints per slot of the
 * plan's path table (2 MiB at 60 000 files) instead of a stat object per file: the in-place
 * update's peak RSS is the tightest of all.
 *
 * <p>Filled by the clean's tasks, each slot by the one task that lists the path's directory; each path
 * is then read by the one task that places its group. The end of the clean's tasks and the later task
 * submission order the writes before the reads.
 */
final class KeptFiles {
  private final PathSet paths;
  private final PlacementRecords records;
  /** By path slot: the matched record's number + 1, or 0. */
  private final int[] record;
  private final int[] mode;
  private final int[] uid;
  private final int[] gid;

  KeptFiles(PathSet paths, PlacementRecords records) {
    this.paths = paths;
    this.records = records;
    int n = paths.capacity();
    record = new int[n];
    mode = new int[n];
    uid = new int[n];
    gid = new int[n];
  }

  /**
   * Notes a regular file the clean found and kept at {@code path}, as {@code st} shows it; {@code i} is
   * the path's slot in the plan's path table ({@link PathSet#indexOf}).
   */
  void found(int i, String path, FileStat st) {
    int r = records.recordOf(path);
    if (r < 0 || !records.describes(r, st)) {
      return; // changed since its record, or never recorded: the regular step looks at it itself
    }
    record[i] = r + 1;
    mode[i] = st.mode();
    uid[i] = st.uid();
    gid[i] = st.gid();
  }

  /**
   * The stat of the file at {@code path} when the clean found it unchanged since a record that
   * vouches for {@code sha}, else null; once per path.
   */
  FileStat take(String path, Sha256 sha) {
    int i = paths.indexOf(path);
    if (i < 0 || record[i] == 0) {
      return null;
    }
    int r = record[i] - 1;
    record[i] = 0;
    return records.holds(r, sha) ? records.stat(r, mode[i], uid[i], gid[i]) : null;
  }
}
