package dev.otaclient.internal.update;

import java.util.Map;
import java.util.Set;

/**
 * What the new image needs, indexed for the apply steps: content groups by hash, the expected type
 * of every path (used to clean a reused standby), and totals for progress.
 */
final class DeltaPlan {
  final ContentGroups groups;
  final Set<String> directories;
  final Map<String, String> symlinks;
  final PathSet regularPaths;
  final long totalRegularFiles;
  final long totalRegularSize;
  /**
   * Set by the in-place clean of a reused standby ({@link StandbyCleaner}), which saw every entry left
   * there: the directories it kept, and the regular files it kept are marked in {@link #regularPaths}.
   * A path it did not see is not looked at again (a failed {@code lstat} costs an exception with its
   * stack trace in Java: 8 000 of them in a delta into a nearly empty standby). Null: not walked.
   */
  Set<String> standbyDirectories;
  /** Set by the in-place clean: the kept files whose {@code lstat} it matched to their records. Null: none. */
  KeptFiles keptFiles;

  DeltaPlan(ContentGroups groups, Set<String> directories, Map<String, String> symlinks,
      PathSet regularPaths, long totalRegularFiles, long totalRegularSize) {
    this.groups = groups;
    this.directories = directories;
    this.symlinks = symlinks;
    this.regularPaths = regularPaths;
    this.totalRegularFiles = totalRegularFiles;
    this.totalRegularSize = totalRegularSize;
  }

  /** Whether the standby may hold a regular file at {@code path}: false only when the clean walk saw none there. */
  boolean mayBeInStandby(String path) {
    return standbyDirectories == null || regularPaths.isMarked(path);
  }

  /** Whether the standby may hold {@code path} as a directory: false only when the clean walk saw none there. */
  boolean mayBeDirectoryInStandby(String path) {
    return standbyDirectories == null || standbyDirectories.contains(path);
  }

  Iterable<ContentGroup> contentGroups() {
    return groups;
  }

  long groupsWithActiveCandidate() {
    long n = 0;
    for (ContentGroup g : groups) {
      if (g.activeCandidate != null) {
        n++;
      }
    }
    return n;
  }
}
