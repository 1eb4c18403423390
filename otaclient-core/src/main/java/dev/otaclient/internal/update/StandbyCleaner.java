package dev.otaclient.internal.update;

import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.internal.slot.SlotIo;
import dev.otaclient.internal.slot.SlotLayout;
import dev.otaclient.internal.slot.StandbyTree;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
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
   */
  static long clean(StandbyTree tree, DeltaPlan plan, java.util.Set<String> controllerOwned) {
    Path root = tree.root();
    // image paths are cut from the visited path's string: Path.relativize built them name by name,
    // the largest allocation of a no-op update at 60 000 files
    String rootText = root.toString();
    int cut = rootText.equals("/") ? 0 : rootText.length();
    long[] removed = {0};
    java.util.Set<String> keptDirectories = new java.util.HashSet<>();
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
          if (dir.equals(root)) {
            return FileVisitResult.CONTINUE;
          }
          String imagePath = dir.toString().substring(cut);
          if (imagePath.equals(SlotLayout.STANDARD.workDir()) || controllerOwned.contains(imagePath)) {
            return FileVisitResult.SKIP_SUBTREE;
          }
          if (plan.directories.contains(imagePath)) {
            keptDirectories.add(imagePath);
            return FileVisitResult.CONTINUE;
          }
          if (controllerOwned.stream().anyMatch(owned -> owned.startsWith(imagePath + "/"))) {
            return FileVisitResult.CONTINUE;
          }
          removed[0] += AtomicFiles.deleteTree(dir);
          tree.forget(dir);
          return FileVisitResult.SKIP_SUBTREE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          String imagePath = file.toString().substring(cut);
          boolean keep;
          if (attrs.isSymbolicLink()) {
            String want = plan.symlinks.get(imagePath);
            keep = want != null && want.equals(Files.readSymbolicLink(file).toString());
          } else {
            keep = attrs.isRegularFile() && plan.regularPaths.contains(imagePath);
            if (keep) {
              plan.regularPaths.mark(imagePath);
            }
          }
          if (!keep) {
            Files.deleteIfExists(file);
            removed[0]++;
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
          if (exc instanceof NoSuchFileException) {
            return FileVisitResult.CONTINUE;
          }
          throw exc;
        }
      });
    } catch (IOException e) {
      throw SlotIo.failure("cleaning the reused standby slot", e);
    }
    plan.standbyDirectories = keptDirectories;
    log.info("in-place: removed {} entries that the new image does not have", removed[0]);
    return removed[0];
  }
}
