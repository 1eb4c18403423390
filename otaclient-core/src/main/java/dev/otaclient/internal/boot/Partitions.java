package dev.otaclient.internal.boot;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The block-device work every A/B back-end shares, through one {@link CommandRunner}: which device is
 * mounted where, mounting and releasing, the file-system identity ({@code blkid}) and giving the
 * standby a fresh ext4 file system that keeps its UUID and label (fstab, grub.cfg and the boot
 * loader of the other slot find it by them).
 */
final class Partitions {
  private static final Logger log = LoggerFactory.getLogger(Partitions.class);
  private static final String STATE = "Filesystem state:";

  private final CommandRunner cmd;

  Partitions(CommandRunner cmd) {
    this.cmd = cmd;
  }

  /** The device mounted at {@code mountPoint}, or empty when nothing is. */
  Optional<String> mountSource(Path mountPoint) {
    CommandResult r = cmd.runAllowingFailure(ErrorCode.BOOT_CONTROL_INIT,
        List.of("findmnt", "-n", "-f", "-c", "-o", "SOURCE", "--mountpoint", mountPoint.toString()));
    String src = r.stdout().strip();
    int bracket = src.indexOf('[');
    if (bracket >= 0) {
      src = src.substring(0, bracket); // bind mounts show /dev/x[/subdir]
    }
    return r.succeeded() && !src.isEmpty() ? Optional.of(src) : Optional.empty();
  }

  /** The value of one {@code blkid} tag (UUID, LABEL, PARTUUID) of {@code device}; empty when it has none. */
  Optional<String> tag(String device, String tag, ErrorCode code) {
    String v = cmd.run(code, "blkid", "-o", "value", "-s", tag, device).stdout().strip();
    return v.isEmpty() ? Optional.empty() : Optional.of(v);
  }

  /** The file-system UUID of {@code device}; failing with {@code code} when it has none. */
  String uuid(String device, ErrorCode code) {
    return tag(device, "UUID", code).orElseThrow(
        () -> new OtaException(code, ErrorModule.BOOT_CONTROL, "no file-system UUID on " + device));
  }

  /**
   * Keeps the standby's file system when {@code reuseInPlace} is asked and {@code dumpe2fs} calls it
   * clean, else formats it (both in PRE_UPDATE). Returns whether it was kept.
   */
  boolean reuseOrFormat(String device, boolean reuseInPlace) {
    boolean reuse = reuseInPlace && isClean(device);
    if (reuseInPlace && !reuse) {
      log.info("standby {} is not a clean ext4 file system: formatting instead of reusing it", device);
    }
    if (!reuse) {
      formatExt4(device);
    }
    return reuse;
  }

  /** Whether {@code device} holds an ext4 file system that was cleanly unmounted (and has no errors). */
  boolean isClean(String device) {
    CommandResult r = cmd.runAllowingFailure(ErrorCode.PRE_UPDATE, List.of("dumpe2fs", "-h", device));
    return r.succeeded() && r.stdout().lines()
        .filter(l -> l.startsWith(STATE))
        .findFirst()
        .map(l -> l.substring(STATE.length()).strip().equals("clean"))
        .orElse(false);
  }

  /** A new, empty ext4 file system on {@code device} with the UUID and label it had (when it had them). */
  void formatExt4(String device) {
    List<String> argv = new ArrayList<>(List.of("mkfs.ext4", "-F", "-q"));
    tag(device, "UUID", ErrorCode.PRE_UPDATE).ifPresent(u -> argv.addAll(List.of("-U", u)));
    tag(device, "LABEL", ErrorCode.PRE_UPDATE).ifPresent(l -> argv.addAll(List.of("-L", l)));
    argv.add(device);
    cmd.run(ErrorCode.PRE_UPDATE, argv);
  }

  /** Mounts {@code device} read-write at {@code mountPoint}, creating the directory. */
  void mount(String device, Path mountPoint, ErrorCode code) throws IOException {
    Files.createDirectories(mountPoint);
    cmd.run(code, "mount", "-o", "rw", device, mountPoint.toString());
  }

  /**
   * Mounts the standby read-write for the update (PRE_UPDATE), private and unbindable: mounts made
   * below it do not propagate to the running system's tree, and it cannot be bound elsewhere.
   */
  void mountStandby(String device, Path mountPoint) throws IOException {
    Files.createDirectories(mountPoint);
    cmd.run(ErrorCode.PRE_UPDATE, "mount", "-o", "rw", "--make-private", "--make-unbindable", device,
        mountPoint.toString());
  }

  /**
   * Binds the running root read-only at {@code mountPoint} (PRE_UPDATE): the update reads the active
   * slot there, without the mounts below it and without any way to write to it.
   */
  void bindReadOnly(Path root, Path mountPoint) throws IOException {
    Files.createDirectories(mountPoint);
    cmd.run(ErrorCode.PRE_UPDATE, "mount", "-o", "bind,ro,unbindable", root.toString(), mountPoint.toString());
  }

  /**
   * Binds {@code source} at {@code mountPoint}, not recursively: a tool run in a chroot sees it without
   * the mounts below the source. {@code unbindable}: the bind cannot be bound onward either.
   */
  void bind(Path source, Path mountPoint, boolean unbindable, ErrorCode code) throws IOException {
    Files.createDirectories(mountPoint);
    if (unbindable) {
      cmd.run(code, "mount", "-o", "bind", "--make-unbindable", source.toString(), mountPoint.toString());
    } else {
      cmd.run(code, "mount", "--bind", source.toString(), mountPoint.toString());
    }
  }

  void unmount(Path mountPoint, ErrorCode code) {
    cmd.run(code, "umount", mountPoint.toString());
  }

  void unmountIfMounted(Path mountPoint, ErrorCode code) {
    if (mountSource(mountPoint).isPresent()) {
      unmount(mountPoint, code);
    }
  }

  /**
   * Unmounts whichever of {@code mountPoints} are mounted, in order. Every one is tried even when an
   * earlier one fails; the first failure is thrown at the end.
   */
  void release(ErrorCode code, List<Path> mountPoints) {
    RuntimeException first = null;
    for (Path mnt : mountPoints) {
      try {
        unmountIfMounted(mnt, code);
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
