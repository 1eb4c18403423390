package dev.otaclient.update;

import dev.otaclient.image.RegularEntry;
import java.util.Collection;
import java.util.Map;
import java.util.Set;

/**
 * What the new image needs, indexed for the apply steps: content groups by hash, the expected type
 * of every path (used to clean a reused standby), and totals for progress.
 */
final class DeltaPlan {
  final Map<String, ContentGroup> groups;
  final Set<String> directories;
  final Map<String, String> symlinks;
  final Map<String, RegularEntry> regularsByPath;
  final long totalRegularFiles;
  final long totalRegularSize;

  DeltaPlan(Map<String, ContentGroup> groups, Set<String> directories, Map<String, String> symlinks,
      Map<String, RegularEntry> regularsByPath, long totalRegularFiles, long totalRegularSize) {
    this.groups = groups;
    this.directories = directories;
    this.symlinks = symlinks;
    this.regularsByPath = regularsByPath;
    this.totalRegularFiles = totalRegularFiles;
    this.totalRegularSize = totalRegularSize;
  }

  Collection<ContentGroup> contentGroups() {
    return groups.values();
  }

  long groupsWithActiveCandidate() {
    return groups.values().stream().filter(g -> g.activeCandidate != null).count();
  }
}
