package dev.otaclient.internal.update;

import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.internal.slot.SlotIo;
import dev.otaclient.internal.slot.SlotLayout;
import dev.otaclient.internal.slot.StandbyTree;
import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepares a reused standby for an in-place build: removes every entry the new image does not have
 * at that path with that type (stale files, leftovers of an interrupted run, a directory where the
 * image now has a file). Regular files at listed paths stay; their content is verified later.
 */
final class StandbyCleaner {
  private static final Logger log = LoggerFactory.getLogger(StandbyCleaner.class);

  private StandbyCleaner() {}

  /**
   * @param controllerOwned image paths of the boot controller's own directories in the standby (its
   *     status files, written for this update before the build): kept, with their parents
   * @param kept told about every regular file kept at its image path, with its {@code lstat} (null:
   *     nobody is told)
   * @param pool runs the directories of one depth at a time, each directory as one task: the standby
   *     was usually just mounted, and a walk of 60 000 entries there waits on the disk for every
   *     directory and inode block; four threads walked such a tree in half the time of one
   *     (docs/benchmarks.md, round thirteen)
   */
  static long clean(StandbyTree tree, DeltaPlan plan, Set<String> controllerOwned, KeptFiles kept,
      ExecutorService pool) {
    Walk walk = new Walk(tree, plan, controllerOwned, kept);
    List<Path> level = List.of(tree.root());
    while (!level.isEmpty()) {
      Queue<Path> next = new ConcurrentLinkedQueue<>();
      // futures, not BoundedTasks: a level holds at most a few thousand directories, and the regular
      // step's BoundedTasks then stays the only task type its run() sees (C2 inlined both into one
      // compile, 9 MiB of compiler arenas more at the peak of a no-op)
      Steps.runAll(pool, level, dir -> walk.directory(dir, next));
      level = new ArrayList<>(next);
    }
    plan.standbyDirectories = walk.keptDirectories;
    if (kept != null) {
      plan.keptFiles = kept;
    }
    long removed = walk.removed.sum();
    log.info("in-place: removed {} entries that the new image does not have", removed);
    return removed;
  }

  /** What the clean's tasks share: the plan and the standby (read), and what they found (concurrent). */
  private static final class Walk {
    private final StandbyTree tree;
    private final DeltaPlan plan;
    private final Set<String> controllerOwned;
    private final KeptFiles kept;
    /**
     * Image paths are cut from the visited path's string: Path.relativize built them name by name,
     * the largest allocation of a no-op update at 60 000 files.
     */
    private final int cut;
    final LongAdder removed = new LongAdder();
    final Set<String> keptDirectories = ConcurrentHashMap.newKeySet();

    Walk(StandbyTree tree, DeltaPlan plan, Set<String> controllerOwned, KeptFiles kept) {
      this.tree = tree;
      this.plan = plan;
      this.controllerOwned = controllerOwned;
      this.kept = kept;
      String rootText = tree.root().toString();
      this.cut = rootText.equals("/") ? 0 : rootText.length();
    }

    /**
     * Cleans the entries of {@code dir} and adds its kept subdirectories to {@code next}. A walk of its
     * own rather than Files.walkFileTree: each entry's one lstat here is the full FileStat (with ctime,
     * which a record pins), so a kept file needs no second lstat in the regular step.
     */
    void directory(Path dir, Queue<Path> next) {
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
        for (Path entry : entries) {
          entry(entry, next);
        }
      } catch (NoSuchFileException gone) {
        // removed since it was listed
      } catch (DirectoryIteratorException e) {
        throw SlotIo.failure("cleaning the reused standby slot", e.getCause());
      } catch (IOException e) {
        throw SlotIo.failure("cleaning the reused standby slot", e);
      }
    }

    private void entry(Path entry, Queue<Path> next) throws IOException {
      String imagePath = entry.toString().substring(cut);
      FileStat st;
      try {
        st = FileStat.of(entry);
      } catch (NoSuchFileException gone) {
        return;
      }
      if (st.isDirectory()) {
        if (imagePath.equals(SlotLayout.STANDARD.workDir()) || controllerOwned.contains(imagePath)) {
          return; // kept with everything below it
        }
        if (plan.directories.contains(imagePath)) {
          keptDirectories.add(imagePath);
          next.add(entry);
        } else if (controllerOwned.stream().anyMatch(owned -> owned.startsWith(imagePath + "/"))) {
          next.add(entry);
        } else {
          removed.add(AtomicFiles.deleteTree(entry));
          tree.forget(entry);
        }
        return;
      }
      boolean keep;
      if (st.isSymbolicLink()) {
        String want = plan.symlinks.get(imagePath);
        keep = want != null && want.equals(Files.readSymbolicLink(entry).toString());
      } else {
        int slot = st.isRegularFile() ? plan.regularPaths.indexOf(imagePath) : -1;
        keep = slot >= 0;
        if (keep) {
          plan.regularPaths.markSlot(slot);
          // below a separate boot directory the image's file is elsewhere: this one says nothing
          if (kept != null && tree.locatesInRootfs(imagePath)) {
            kept.found(slot, imagePath, st);
          }
        }
      }
      if (!keep) {
        Files.deleteIfExists(entry);
        removed.increment();
      }
    }
  }
}
