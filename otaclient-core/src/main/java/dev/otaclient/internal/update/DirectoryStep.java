package dev.otaclient.internal.update;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.image.DirectoryEntry;
import dev.otaclient.internal.image.EntryReader;
import dev.otaclient.internal.image.ImageTree;
import dev.otaclient.internal.slot.FileAttributes;
import dev.otaclient.internal.slot.SlotIo;
import dev.otaclient.internal.slot.StandbyTree;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The DIRECTORY phase. Directories are created first and get their owner and mode only at the end
 * ({@link #applyAttributes}), so a read-only directory mode never blocks writing its content.
 */
final class DirectoryStep {
  private final StandbyTree tree;
  private final ImageTree image;
  private final boolean reused;
  private final DeltaPlan plan;

  /**
   * @param reused the standby is reused in place, so nearly every directory exists already: it is
   *     looked at before it is created (a refused mkdir costs an exception with its stack trace, 5 800
   *     of them in a no-op update of a 60 000-file image)
   * @param plan the plan: a directory the in-place clean did not find ({@link DeltaPlan#mayBeDirectoryInStandby})
   *     is created without being looked for, since a failed {@code lstat} costs an exception too
   */
  DirectoryStep(StandbyTree tree, ImageTree image, boolean reused, DeltaPlan plan) {
    this.tree = tree;
    this.image = image;
    this.reused = reused;
    this.plan = plan;
  }

  void create() {
    try (EntryReader<DirectoryEntry> r = image.readDirectories()) {
      while (r.hasNext()) {
        DirectoryEntry d = r.next();
        Path target = tree.locateInRootfs(d.path());
        tree.safeParent(d.path(), target);
        if (reused && plan.mayBeDirectoryInStandby(d.path()) && isRealDirectory(target)) {
          tree.markVerifiedDirectory(target);
          continue;
        }
        try {
          Files.createDirectory(target);
        } catch (FileAlreadyExistsException e) {
          if (!isRealDirectory(target)) {
            throw new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.STANDBY_SLOT,
                r.position() + ": '" + d.path() + "' already exists in the slot and is not a directory");
          }
        } catch (IOException e) {
          throw SlotIo.failure(r.position() + ": creating " + d.path(), e);
        }
        tree.markVerifiedDirectory(target);
      }
    }
  }

  /**
   * Applies owners and modes. Unprivileged (directory slots on a developer machine) the owner keeps
   * write and search permission, or it could not update the slot next time.
   */
  void applyAttributes() {
    try (EntryReader<DirectoryEntry> r = image.readDirectories()) {
      while (r.hasNext()) {
        DirectoryEntry d = r.next();
        Path target = tree.locateInRootfs(d.path());
        try {
          // one lstat for the type, owner and mode: a directory that has them already (nearly all of
          // a reused standby, 5 800 at 60 000 files) is not looked at again
          FileStat st = FileStat.of(target);
          if (st.isDirectory()) {
            int mode = FileAttributes.canChown() ? d.mode() : d.mode() | 0700;
            if (!st.hasOwnerAndMode(d.uid(), d.gid(), mode)) {
              FileAttributes.apply(target, d.uid(), d.gid(), mode);
            }
            if (r.xattrs() != null) {
              FileAttributes.applyXattrs(target, r.xattrs());
            }
          }
        } catch (IOException e) {
          throw SlotIo.failure(r.position() + ": setting owner/mode of " + d.path(), e);
        }
      }
    }
  }

  private static boolean isRealDirectory(Path p) {
    try {
      BasicFileAttributes a = readNoFollow(p);
      return a.isDirectory() && !a.isSymbolicLink();
    } catch (IOException e) {
      return false;
    }
  }

  private static BasicFileAttributes readNoFollow(Path p) throws IOException {
    return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
  }
}
