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
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
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
   */
  static long clean(StandbyTree tree, DeltaPlan plan, Set<String> controllerOwned, KeptFiles kept) {
    Path root = tree.root();
    // image paths are cut from the visited path's string: Path.relativize built them name by name,
    // the largest allocation of a no-op update at 60 000 files
    String rootText = root.toString();
    int cut = rootText.equals("/") ? 0 : rootText.length();
    long removed = 0;
    Set<String> keptDirectories = new HashSet<>();
    // a walk of its own rather than Files.walkFileTree: each entry's one lstat here is the full
    // FileStat (with ctime, which a record pins), so a kept file needs no second lstat in the
    // regular step
    Deque<Path> pending = new ArrayDeque<>();
    pending.push(root);
    try {
      while (!pending.isEmpty()) {
        Path dir = pending.pop();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
          for (Path entry : entries) {
            String imagePath = entry.toString().substring(cut);
            FileStat st;
            try {
              st = FileStat.of(entry);
            } catch (NoSuchFileException gone) {
              continue;
            }
            if (st.isDirectory()) {
              if (imagePath.equals(SlotLayout.STANDARD.workDir()) || controllerOwned.contains(imagePath)) {
                continue; // kept with everything below it
              }
              if (plan.directories.contains(imagePath)) {
                keptDirectories.add(imagePath);
                pending.push(entry);
              } else if (controllerOwned.stream().anyMatch(owned -> owned.startsWith(imagePath + "/"))) {
                pending.push(entry);
              } else {
                removed += AtomicFiles.deleteTree(entry);
                tree.forget(entry);
              }
              continue;
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
              removed++;
            }
          }
        } catch (NoSuchFileException gone) {
          // removed since it was listed
        } catch (DirectoryIteratorException e) {
          throw e.getCause();
        }
      }
    } catch (IOException e) {
      throw SlotIo.failure("cleaning the reused standby slot", e);
    }
    plan.standbyDirectories = keptDirectories;
    if (kept != null) {
      plan.keptFiles = kept;
    }
    log.info("in-place: removed {} entries that the new image does not have", removed);
    return removed;
  }
}
