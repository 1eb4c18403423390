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

  DeltaPlan(ContentGroups groups, Set<String> directories, Map<String, String> symlinks,
      PathSet regularPaths, long totalRegularFiles, long totalRegularSize) {
    this.groups = groups;
    this.directories = directories;
    this.symlinks = symlinks;
    this.regularPaths = regularPaths;
    this.totalRegularFiles = totalRegularFiles;
    this.totalRegularSize = totalRegularSize;
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
