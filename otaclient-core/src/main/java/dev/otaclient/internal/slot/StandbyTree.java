package dev.otaclient.internal.slot;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The writable standby slot as the image sees it. Maps image paths ({@code /usr/bin/x}) to locations
 * below the standby root (or the boot directory for {@code /boot/...}) and guarantees that no
 * operation leaves the slot: every ancestor of a target is checked to be a real directory (never a
 * symlink, whoever created it), so a hostile image with {@code /a -> /} followed by {@code /a/etc/shadow}
 * fails instead of writing to the running system.
 */
public final class StandbyTree {
  private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

  private final Path root;
  private final Path bootDir;
  private final boolean separateBoot;
  /** Directories already proven to be real directories below a base; they are never replaced later. */
  private final Set<Path> verifiedDirs = ConcurrentHashMap.newKeySet();

  public StandbyTree(Path root, Path bootDir) {
    this.root = root.toAbsolutePath().normalize();
    this.bootDir = bootDir.toAbsolutePath().normalize();
    this.separateBoot = !this.bootDir.equals(this.root.resolve("boot"));
    verifiedDirs.add(this.root);
    verifiedDirs.add(this.bootDir);
  }

  public Path root() {
    return root;
  }

  public Path bootDir() {
    return bootDir;
  }

  /**
   * Location of a regular file of the image in the standby: below the boot directory for
   * {@code /boot/...} when the boot controller keeps kernels elsewhere (GRUB), else in the rootfs. The
   * path must already be validated as absolute
   * without {@code .}/{@code ..}/empty components (the list parsers do that); this re-checks cheaply
   * because a wrong answer here would write outside the slot.
   */
  public Path locate(String imagePath) {
    return locate(imagePath, true);
  }

  /**
   * Whether {@link #locate} puts {@code imagePath} at its own place in the rootfs (not below a
   * separate boot directory): then what a walk of the root finds there is the file the image means.
   */
  public boolean locatesInRootfs(String imagePath) {
    return !(separateBoot && (imagePath.equals("/boot") || imagePath.startsWith("/boot/")));
  }

  /**
   * Location in the standby rootfs itself, ignoring the separate boot directory: directories (the
   * {@code /boot} mount point must exist in the rootfs), symlinks and persistents.
   */
  public Path locateInRootfs(String imagePath) {
    return locate(imagePath, false);
  }

  private Path locate(String imagePath, boolean bootMapping) {
    if (!imagePath.startsWith("/") || imagePath.length() < 2) {
      throw escape(imagePath, "not an absolute path below /");
    }
    Path base = root;
    String rel = imagePath.substring(1);
    if (bootMapping && separateBoot && (imagePath.equals("/boot") || imagePath.startsWith("/boot/"))) {
      base = bootDir;
      rel = imagePath.equals("/boot") ? "" : imagePath.substring("/boot/".length());
    }
    Path p = rel.isEmpty() ? base : base.resolve(rel).normalize();
    if (!p.startsWith(base) || rel.contains("\0")) {
      throw escape(imagePath, "resolves outside the standby slot");
    }
    return p;
  }

  /**
   * Ensures every ancestor of {@code target} up to its base is a real directory (not a symlink),
   * creating missing ones with mode 0755 owned by root, and returns the parent directory.
   */
  public Path safeParent(String imagePath, Path target) {
    Path parent = target.getParent();
    Path base = target.startsWith(bootDir) && separateBoot ? bootDir : root;
    if (parent == null || !parent.startsWith(base)) {
      throw escape(imagePath, "has no parent inside the standby slot");
    }
    ensureRealDirectory(imagePath, base, parent);
    return parent;
  }

  private void ensureRealDirectory(String imagePath, Path base, Path dir) {
    if (verifiedDirs.contains(dir)) {
      return;
    }
    if (!dir.equals(base)) {
      ensureRealDirectory(imagePath, base, dir.getParent());
    }
    try {
      BasicFileAttributes a = Files.readAttributes(dir, BasicFileAttributes.class, NOFOLLOW);
      if (a.isSymbolicLink()) {
        throw escape(imagePath, "goes through the symlink " + display(dir));
      }
      if (!a.isDirectory()) {
        throw conflict(imagePath, display(dir) + " is not a directory");
      }
    } catch (NoSuchFileException e) {
      try {
        Files.createDirectory(dir);
      } catch (FileAlreadyExistsException race) {
        // another worker created it; re-check its type below
        ensureRealDirectory(imagePath, base, dir);
        return;
      } catch (IOException io) {
        throw SlotIo.failure("creating directory " + display(dir), io);
      }
    } catch (IOException e) {
      throw SlotIo.failure("reading " + display(dir), e);
    }
    verifiedDirs.add(dir);
  }

  /** Records a directory that a step created or checked itself as a real directory. */
  public void markVerifiedDirectory(Path dir) {
    verifiedDirs.add(dir);
  }

  /** Forgets verified directories below {@code dir} after it was removed. */
  public void forget(Path dir) {
    verifiedDirs.removeIf(p -> p.startsWith(dir));
  }

  /** Path relative to the slot for messages, e.g. {@code /etc/passwd}. */
  public String display(Path p) {
    if (p.startsWith(root)) {
      return "/" + root.relativize(p);
    }
    if (p.startsWith(bootDir)) {
      return "/boot/" + bootDir.relativize(p);
    }
    return p.toString();
  }

  static OtaException escape(String imagePath, String reason) {
    return new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.STANDBY_SLOT,
        "image path '" + imagePath + "' " + reason + "; refused");
  }

  static OtaException conflict(String imagePath, String reason) {
    return new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.STANDBY_SLOT,
        "image path '" + imagePath + "' conflicts with another entry: " + reason);
  }
}
