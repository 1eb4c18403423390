package dev.otaclient.internal.update;

import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.internal.image.EntryReader;
import dev.otaclient.internal.image.ImageTree;
import dev.otaclient.internal.image.PersistentEntry;
import dev.otaclient.internal.slot.FileAttributes;
import dev.otaclient.internal.slot.SlotIo;
import dev.otaclient.internal.slot.StandbyTree;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PERSISTENT phase: carries listed files, directories and symlinks over from the active slot,
 * last, so they win over image content. Owners are translated by name between the old and the new
 * passwd/group. Missing entries are skipped.
 */
final class PersistentStep {
  private static final Logger log = LoggerFactory.getLogger(PersistentStep.class);
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

  private final StandbyTree tree;
  private final Path activeRoot;
  private final ImageTree image;
  private IdMapping ids;

  PersistentStep(StandbyTree tree, Path activeRoot, ImageTree image) {
    this.tree = tree;
    this.activeRoot = activeRoot;
    this.image = image;
  }

  long run() {
    ids = IdMapping.between(activeRoot, tree.root());
    long copied = 0;
    try (EntryReader<PersistentEntry> r = image.readPersistents()) {
      while (r.hasNext()) {
        PersistentEntry p = r.next();
        Path src = activeRoot.resolve(p.path().substring(1));
        BasicFileAttributes a;
        try {
          a = Files.readAttributes(src, BasicFileAttributes.class, NOFOLLOW);
        } catch (NoSuchFileException e) {
          log.debug("persistent {} not on the active slot; skipped", p.path());
          continue;
        } catch (IOException e) {
          throw SlotIo.failure(r.position() + ": reading " + p.path(), e);
        }
        Path dst = tree.locateInRootfs(p.path());
        try {
          createParents(p.path(), dst);
          copyEntry(src, dst, a);
          copied++;
        } catch (IOException e) {
          throw SlotIo.failure(r.position() + ": copying " + p.path(), e);
        }
      }
    }
    return copied;
  }

  /**
   * The image paths this step will overwrite or remove, as the active slot stands when the plan is
   * made: the regular-file step leaves them out, so a persistent file that differs from the image's
   * is neither downloaded nor copied only to be replaced (the Python client places it, then
   * replaces it). Only entries present on the active slot count: a missing one is skipped by
   * {@link #run}, and the image's file stays.
   */
  static final class Cover {
    static final Cover NONE = new Cover(Path.of("/"), Map.of());

    private final Path activeRoot;
    /** Persistent paths present on the active slot, to whether they are directories there. */
    private final Map<String, Boolean> present;

    private Cover(Path activeRoot, Map<String, Boolean> present) {
      this.activeRoot = activeRoot;
      this.present = present;
    }

    static Cover of(ImageTree image, Path activeRoot) {
      Map<String, Boolean> present = new java.util.HashMap<>();
      try (EntryReader<PersistentEntry> r = image.readPersistents()) {
        while (r.hasNext()) {
          String path = r.next().path();
          try {
            BasicFileAttributes a = Files.readAttributes(activeRoot.resolve(path.substring(1)),
                BasicFileAttributes.class, NOFOLLOW);
            present.put(path, a.isDirectory());
          } catch (IOException e) {
            // missing or unreadable: the step skips or fails on it; the image's file is placed
          }
        }
      }
      return present.isEmpty() ? NONE : new Cover(activeRoot, present);
    }

    boolean isEmpty() {
      return present.isEmpty();
    }

    /** Whether {@code imagePath} ends up replaced or removed by the persistent step. */
    boolean replaces(String imagePath) {
      if (present.isEmpty()) {
        return false;
      }
      if (present.containsKey(imagePath)) {
        return true;
      }
      // asked for every file of the image: the few persistent paths are matched as prefixes, where
      // a lookup per ancestor made a substring per level
      for (Map.Entry<String, Boolean> e : present.entrySet()) {
        String p = e.getKey();
        int cut = p.length();
        if (cut < imagePath.length() && imagePath.charAt(cut) == '/' && imagePath.startsWith(p)) {
          if (!e.getValue()) {
            return true; // a file or symlink takes the place of the image's directory
          }
          if (copiedFromDirectory(cut, imagePath)) {
            return true;
          }
        }
      }
      return false;
    }

    /**
     * Below a persistent directory the step copies what the active slot has: the path is replaced
     * when the active slot has it, or removed when a non-directory stands on the way to it.
     */
    private boolean copiedFromDirectory(int cut, String imagePath) {
      Path at = activeRoot.resolve(imagePath.substring(1, cut));
      for (String part : imagePath.substring(cut + 1).split("/")) {
        at = at.resolve(part);
        BasicFileAttributes a;
        try {
          a = Files.readAttributes(at, BasicFileAttributes.class, NOFOLLOW);
        } catch (IOException e) {
          return false; // not on the active slot: the image's file stays
        }
        if (!a.isDirectory()) {
          return true;
        }
      }
      return true;
    }
  }

  /** Missing parents take the mode and (translated) owner of their active-slot counterpart. */
  private void createParents(String imagePath, Path dst) throws IOException {
    Path parent = dst.getParent();
    Path base = tree.root();
    Path rel = base.relativize(parent);
    Path cur = base;
    for (Path part : rel) {
      cur = cur.resolve(part.toString());
      try {
        BasicFileAttributes a = Files.readAttributes(cur, BasicFileAttributes.class, NOFOLLOW);
        if (a.isDirectory()) {
          continue;
        }
        // a non-directory in the way of a persistent entry is replaced, as in the Python client
        Files.delete(cur);
      } catch (NoSuchFileException e) {
        // create below
      }
      Files.createDirectory(cur);
      Path src = activeRoot.resolve(base.relativize(cur).toString());
      copyOwnerAndMode(src, cur);
    }
    tree.safeParent(imagePath, dst);
  }

  private void copyEntry(Path src, Path dst, BasicFileAttributes a) throws IOException {
    if (a.isRegularFile() && holdsAlready(dst, src, a)) {
      return;
    }
    removeExisting(dst);
    if (a.isSymbolicLink()) {
      Files.createSymbolicLink(dst, Files.readSymbolicLink(src));
      copyOwner(src, dst);
    } else if (a.isDirectory()) {
      Files.walkFileTree(src, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
          Path d = dst.resolve(src.relativize(dir).toString());
          if (!dir.equals(src)) {
            removeExisting(d);
          }
          Files.createDirectories(d);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Path d = dst.resolve(src.relativize(file).toString());
          removeExisting(d);
          if (attrs.isSymbolicLink()) {
            Files.createSymbolicLink(d, Files.readSymbolicLink(file));
            copyOwner(file, d);
          } else if (attrs.isRegularFile()) {
            Files.copy(file, d, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
            copyOwnerAndMode(file, d);
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
          if (exc != null) {
            throw exc;
          }
          copyOwnerAndMode(dir, dst.resolve(src.relativize(dir).toString()));
          return FileVisitResult.CONTINUE;
        }
      });
    } else if (a.isRegularFile()) {
      Files.copy(src, dst, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
      copyOwnerAndMode(src, dst);
    }
  }

  /**
   * Whether the standby's {@code dst} is already what a copy of {@code src} would make: a regular
   * file of one link with the same bytes, mode, modification time (to the microsecond, as a copy sets it)
   * and (translated) owner. An
   * in-place update finds the persistent files of the slot's last use there; rewriting them on
   * every update only wears the flash.
   */
  private boolean holdsAlready(Path dst, Path src, BasicFileAttributes a) throws IOException {
    Map<String, Object> d;
    try {
      d = Files.readAttributes(dst, "unix:mode,uid,gid,nlink,size,lastModifiedTime", NOFOLLOW);
    } catch (NoSuchFileException e) {
      return false;
    }
    Map<String, Object> s = Files.readAttributes(src, "unix:mode,uid,gid", NOFOLLOW);
    return d.get("mode").equals(s.get("mode")) && (Integer) d.get("nlink") == 1
        && (Long) d.get("size") == a.size() && sameMicros((FileTime) d.get("lastModifiedTime"), a.lastModifiedTime())
        && Integer.toUnsignedLong((Integer) d.get("uid")) == ids.uid(Integer.toUnsignedLong((Integer) s.get("uid")))
        && Integer.toUnsignedLong((Integer) d.get("gid")) == ids.gid(Integer.toUnsignedLong((Integer) s.get("gid")))
        && Files.mismatch(src, dst) == -1;
  }

  /** Files.copy sets times to the microsecond (utimes): a file it copied differs from its source below that. */
  private static boolean sameMicros(FileTime x, FileTime y) {
    return x.to(TimeUnit.MICROSECONDS) == y.to(TimeUnit.MICROSECONDS);
  }

  private void removeExisting(Path p) throws IOException {
    try {
      BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
      if (a.isDirectory()) {
        AtomicFiles.deleteTree(p);
        tree.forget(p);
      } else {
        Files.delete(p);
      }
    } catch (NoSuchFileException e) {
      // nothing there
    }
  }

  private void copyOwnerAndMode(Path src, Path dst) throws IOException {
    Map<String, Object> a = Files.readAttributes(src, "unix:uid,gid,mode", NOFOLLOW);
    FileAttributes.apply(dst, ids.uid(Integer.toUnsignedLong((Integer) a.get("uid"))),
        ids.gid(Integer.toUnsignedLong((Integer) a.get("gid"))), (Integer) a.get("mode"));
  }

  private void copyOwner(Path src, Path dst) throws IOException {
    Map<String, Object> a = Files.readAttributes(src, "unix:uid,gid", NOFOLLOW);
    FileAttributes.applyToSymlink(dst, ids.uid(Integer.toUnsignedLong((Integer) a.get("uid"))),
        ids.gid(Integer.toUnsignedLong((Integer) a.get("gid"))));
  }
}
