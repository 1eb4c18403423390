package dev.otaclient.internal.update;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fs.ContentHash;
import dev.otaclient.internal.fs.Sha256;
import dev.otaclient.internal.image.DirectoryEntry;
import dev.otaclient.internal.image.ListKind;
import dev.otaclient.internal.image.ListReader;
import dev.otaclient.internal.image.RegularEntry;
import dev.otaclient.internal.image.SymlinkEntry;
import dev.otaclient.internal.image.EntryReader;
import dev.otaclient.internal.image.ImageTree;
import dev.otaclient.internal.image.WhiteoutEntry;
import dev.otaclient.internal.image.Xattrs;
import dev.otaclient.internal.image.v1.FileTable;
import dev.otaclient.internal.slot.SlotLayout;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the verified lists into a {@link DeltaPlan} and finds, for every needed content hash, a file
 * already on the device. Cheapest source first: the previous image's saved {@code regulars.txt} in
 * the active slot (no hashing); without it, a scan of the active slot that hashes only files whose
 * size matches a needed size.
 */
final class DeltaPlanner {
  private static final Logger log = LoggerFactory.getLogger(DeltaPlanner.class);
  private static final SlotLayout LAYOUT = SlotLayout.STANDARD;
  /** Top-level directories that never hold image content on a running system. */
  private static final Set<String> SCAN_SKIP = Set.of("proc", "sys", "dev", "run", "tmp", "mnt", "media",
      "lost+found", LAYOUT.workDir().substring(1));

  /** Where a slot built from an OTA image v1 keeps its file table (the image library's layout). */
  static final String SAVED_FILE_TABLE = "file_table.sqlite3";

  private final ExecutorService pool;

  DeltaPlanner(ExecutorService pool) {
    this.pool = pool;
  }

  /**
   * The plan of the new image: its lists checked for repeated paths and inconsistent hard-link groups
   * and sizes, regular files grouped by content.
   */
  static DeltaPlan read(ImageTree image) {
    Set<String> dirs = new HashSet<>();
    try (EntryReader<DirectoryEntry> r = image.readDirectories()) {
      while (r.hasNext()) {
        DirectoryEntry d = r.next();
        if (!dirs.add(d.path())) {
          throw duplicate(r.position(), d.path());
        }
      }
    }
    Map<String, String> symlinks = new HashMap<>();
    try (EntryReader<SymlinkEntry> r = image.readSymlinks()) {
      while (r.hasNext()) {
        SymlinkEntry s = r.next();
        if (dirs.contains(s.path()) || symlinks.putIfAbsent(s.path(), s.target()) != null) {
          throw duplicate(r.position(), s.path());
        }
      }
    }
    ContentGroups groups = new ContentGroups();
    PathSet paths = new PathSet();
    Map<String, String> linkGroupHash = new HashMap<>();
    long count = 0;
    long size = 0;
    try (EntryReader<RegularEntry> r = image.readRegulars()) {
      while (r.hasNext()) {
        RegularEntry e = r.next();
        if (dirs.contains(e.path()) || symlinks.containsKey(e.path()) || !paths.add(e.path())) {
          throw duplicate(r.position(), e.path());
        }
        if (e.isHardLinked()) {
          String prev = linkGroupHash.putIfAbsent(e.linkGroupKey(), e.sha256());
          if (prev != null && !prev.equals(e.sha256())) {
            throw new OtaException(ErrorCode.METADATA_VERIFICATION, ErrorModule.STANDBY_SLOT,
                r.position() + ": '" + e.path() + "' is in hard-link group "
                    + e.linkGroupKey() + " with a different sha256 than an earlier member");
          }
        }
        // the plan keeps the digest as 32 bytes and drops the list entry (see PlannedFile)
        ContentGroup g = groups.getOrAdd(Sha256.ofHex(e.sha256()), e.size());
        if (e.hasSize() && g.size >= 0 && g.size != e.size()) {
          throw new OtaException(ErrorCode.METADATA_VERIFICATION, ErrorModule.STANDBY_SLOT,
              r.position() + ": '" + e.path() + "' has size " + e.size()
                  + " but the same sha256 was listed with size " + g.size);
        }
        if (g.size < 0 && e.hasSize()) {
          g.size = e.size();
        }
        if (g.compressAlg == null && e.isCompressed()) {
          g.compressAlg = "zst".equals(e.compressAlg()) ? "zst" : "zstd";
        }
        Xattrs x = r.xattrs();
        g.add(PlannedFile.of(e, x != null && x.isEmpty() ? Xattrs.NONE : x));
        count++;
        size += Math.max(0, e.size());
      }
    }
    // whiteouts take a path too: a repeat with any other entry is as ambiguous as a repeated line
    try (EntryReader<WhiteoutEntry> r = image.readWhiteouts()) {
      while (r.hasNext()) {
        WhiteoutEntry w = r.next();
        if (dirs.contains(w.path()) || symlinks.containsKey(w.path()) || paths.contains(w.path())) {
          throw duplicate(r.position(), w.path());
        }
      }
    }
    return new DeltaPlan(groups, dirs, symlinks, paths, count, size);
  }

  /** Assigns {@link ContentGroup#activeCandidate} where the active slot has the content. */
  void findActiveSources(DeltaPlan plan, Path activeRoot) {
    Path saved = SlotLayout.in(activeRoot, LAYOUT.savedList(ListKind.REGULARS));
    Path savedTable = SlotLayout.in(activeRoot, LAYOUT.savedMetaDir() + "/" + SAVED_FILE_TABLE);
    try {
      if (Files.isRegularFile(saved, LinkOption.NOFOLLOW_LINKS)) {
        try (EntryReader<RegularEntry> r = ListReader.open(ListKind.REGULARS, saved)) {
          candidatesFrom(plan, r);
        }
        log.info("delta: {} of {} contents found via the active slot's saved image list",
            plan.groupsWithActiveCandidate(), plan.groups.size());
        return;
      }
      if (Files.isRegularFile(savedTable, LinkOption.NOFOLLOW_LINKS)) {
        try (FileTable t = FileTable.open(savedTable, java.util.List.of());
             EntryReader<RegularEntry> r = t.readRegulars()) {
          candidatesFrom(plan, r);
        }
        log.info("delta: {} of {} contents found via the active slot's saved file table",
            plan.groupsWithActiveCandidate(), plan.groups.size());
        return;
      }
    } catch (OtaException e) {
      // A damaged saved list is not the new image's fault: fall back to scanning.
      log.warn("active slot's saved image meta is unusable ({}); scanning the active slot instead", e.getMessage());
    }
    scan(plan, activeRoot);
    log.info("delta: {} of {} contents found by scanning the active slot",
        plan.groupsWithActiveCandidate(), plan.groups.size());
  }

  /**
   * Takes the candidates from the regular entries of the image in the active slot (its saved
   * {@code regulars.txt} or file table): every content it lists is assumed to be at its path there
   * (it is verified when copied).
   */
  static void candidatesFrom(DeltaPlan plan, EntryReader<RegularEntry> r) {
    while (r.hasNext()) {
      RegularEntry old = r.next();
      ContentGroup g = plan.groups.get(Sha256.ofHex(old.sha256()));
      if (g != null && g.activeCandidate == null) {
        // share the new plan's string where the path is unchanged (most of them)
        String same = plan.regularPaths.get(old.path());
        g.activeCandidate = same != null ? same : old.path();
      }
    }
  }

  private void scan(DeltaPlan plan, Path activeRoot) {
    Set<Long> neededSizes = new HashSet<>();
    for (ContentGroup g : plan.groups) {
      if (g.size > 0) {
        neededSizes.add(g.size);
      }
    }
    List<Path> candidates = new ArrayList<>();
    Object rootDev;
    try {
      rootDev = Files.getAttribute(activeRoot, "unix:dev");
    } catch (IOException e) {
      throw new OtaException(ErrorCode.DELTA_GENERATION, ErrorModule.STANDBY_SLOT,
          "cannot read the active slot " + activeRoot, e);
    }
    try {
      Files.walkFileTree(activeRoot, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
          if (!dir.equals(activeRoot)) {
            if (dir.getParent().equals(activeRoot) && SCAN_SKIP.contains(dir.getFileName().toString())) {
              return FileVisitResult.SKIP_SUBTREE;
            }
            // stay on the slot's filesystem: other mounts are not part of the image
            if (!rootDev.equals(Files.getAttribute(dir, "unix:dev", LinkOption.NOFOLLOW_LINKS))) {
              return FileVisitResult.SKIP_SUBTREE;
            }
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          if (attrs.isRegularFile() && neededSizes.contains(attrs.size())) {
            candidates.add(file);
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException exc) {
          log.debug("delta scan: skipping unreadable {}: {}", file, exc.toString());
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new OtaException(ErrorCode.DELTA_GENERATION, ErrorModule.STANDBY_SLOT,
          "scanning the active slot " + activeRoot + " failed", e);
    }
    Steps.runAll(pool, candidates, file -> {
      try {
        String hash = ContentHash.of(file);
        ContentGroup g = plan.groups.get(Sha256.ofHex(hash));
        if (g != null) {
          synchronized (g) {
            if (g.activeCandidate == null) {
              g.activeCandidate = "/" + activeRoot.relativize(file);
            }
          }
        }
      } catch (IOException e) {
        log.debug("delta scan: cannot hash {}: {}", file, e.toString());
      }
    });
  }

  private static OtaException duplicate(String position, String path) {
    return new OtaException(ErrorCode.METADATA_VERIFICATION, ErrorModule.STANDBY_SLOT,
        position + ": '" + path + "' is listed more than once (as directory, symlink, file or whiteout)");
  }
}
