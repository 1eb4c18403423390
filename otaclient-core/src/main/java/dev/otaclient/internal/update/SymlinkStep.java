package dev.otaclient.internal.update;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fs.TempNames;
import dev.otaclient.internal.image.EntryReader;
import dev.otaclient.internal.image.ImageTree;
import dev.otaclient.internal.image.SymlinkEntry;
import dev.otaclient.internal.slot.FileAttributes;
import dev.otaclient.internal.slot.SlotIo;
import dev.otaclient.internal.slot.StandbyTree;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The SYMLINK phase (the Python client never reported it — Q4). Targets are written verbatim and
 * never followed: they may point anywhere, because nothing later resolves a path through a symlink
 * (see {@link StandbyTree#safeParent}).
 */
final class SymlinkStep {
  private final StandbyTree tree;
  private final ImageTree image;

  SymlinkStep(StandbyTree tree, ImageTree image) {
    this.tree = tree;
    this.image = image;
  }

  void run() {
    try (EntryReader<SymlinkEntry> r = image.readSymlinks()) {
      while (r.hasNext()) {
        SymlinkEntry s = r.next();
        Path target = tree.locateInRootfs(s.path());
        tree.safeParent(s.path(), target);
        try {
          place(s, target, r.position());
          FileAttributes.applyToSymlink(target, s.uid(), s.gid());
          if (r.xattrs() != null) {
            FileAttributes.applyXattrs(target, r.xattrs());
          }
        } catch (IOException e) {
          throw SlotIo.failure(r.position() + ": creating " + s.path(), e);
        }
      }
    }
  }

  private void place(SymlinkEntry s, Path target, String position) throws IOException {
    try {
      BasicFileAttributes a = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (a.isSymbolicLink() && Files.readSymbolicLink(target).toString().equals(s.target())) {
        return;
      }
      if (a.isDirectory()) {
        throw new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.STANDBY_SLOT,
            position + ": '" + s.path() + "' is a directory in the slot");
      }
    } catch (NoSuchFileException e) {
      // the normal case
    }
    Path tmp = TempNames.beside(target);
    Files.createSymbolicLink(tmp, Path.of(s.target()));
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (FileSystemException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
  }
}
