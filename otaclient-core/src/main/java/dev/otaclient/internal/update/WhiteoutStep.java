package dev.otaclient.internal.update;

import dev.otaclient.internal.fs.PosixCalls;
import dev.otaclient.internal.image.EntryReader;
import dev.otaclient.internal.image.ImageTree;
import dev.otaclient.internal.image.WhiteoutEntry;
import dev.otaclient.internal.slot.FileAttributes;
import dev.otaclient.internal.slot.SlotIo;
import dev.otaclient.internal.slot.StandbyTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Overlayfs whiteouts of an OTA image v1 (character devices 0/0), made after the symlinks. A rootfs
 * holds them inside the layers of a container runtime ({@code /var/lib/docker/overlay2/.../diff}):
 * without them, files those layers delete would reappear. They are created exactly, owner, mode and
 * extended attributes included. Making a device node needs privilege: unprivileged (directory slots
 * on a developer machine) they are skipped with one warning.
 */
final class WhiteoutStep {
  private static final Logger log = LoggerFactory.getLogger(WhiteoutStep.class);

  private final StandbyTree tree;
  private final ImageTree image;

  WhiteoutStep(StandbyTree tree, ImageTree image) {
    this.tree = tree;
    this.image = image;
  }

  long run() {
    long made = 0;
    long skipped = 0;
    try (EntryReader<WhiteoutEntry> r = image.readWhiteouts()) {
      while (r.hasNext()) {
        WhiteoutEntry w = r.next();
        if (!FileAttributes.canChown()) {
          skipped++;
          continue;
        }
        Path target = tree.locateInRootfs(w.path());
        tree.safeParent(w.path(), target);
        try {
          replace(target);
          PosixCalls.mknodWhiteout(target, w.mode());
          PosixCalls.ownNode(target, w.uid(), w.gid(), w.mode());
          if (r.xattrs() != null) {
            FileAttributes.applyXattrs(target, r.xattrs());
          }
          made++;
        } catch (IOException e) {
          throw SlotIo.failure(r.position() + ": creating whiteout " + w.path(), e);
        }
      }
    }
    if (skipped > 0) {
      log.warn("not privileged: {} overlayfs whiteouts of the image were not created", skipped);
    }
    return made;
  }

  /** Whatever is at the path goes (a device made by an earlier run included): mknod does not replace. */
  private static void replace(Path target) throws IOException {
    try {
      BasicFileAttributes a = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (a.isDirectory()) {
        dev.otaclient.internal.fs.AtomicFiles.deleteTree(target);
      } else {
        Files.delete(target);
      }
    } catch (java.nio.file.NoSuchFileException e) {
      // the normal case
    }
  }
}
