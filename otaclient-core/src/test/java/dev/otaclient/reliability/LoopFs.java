package dev.otaclient.reliability;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An ext4 file system in an image file, attached to a loop device and mounted, with a power cut:
 * {@code EXT4_IOC_SHUTDOWN} with {@code EXT4_GOING_FLAGS_NOLOGFLUSH} makes the file system stop at once,
 * dropping every write not yet on the (loop) device and failing all later ones, exactly as if the power
 * went (the same ioctl xfstests uses for its shutdown tests). Device mapper ({@code dm-flakey}), the
 * usual tool, is not available in this kernel (no {@code /dev/mapper/control}). The ioctl is issued
 * through perl, which every Debian system has, because Java cannot call ioctl.
 */
final class LoopFs implements AutoCloseable {
  /** {@code _IOR('X', 125, __u32)}. */
  private static final String EXT4_IOC_SHUTDOWN = "0x8004587d";
  private static final int NOLOGFLUSH = 2;

  final Path image;
  final Path mountPoint;
  private String device;

  private LoopFs(Path image, Path mountPoint) {
    this.image = image;
    this.mountPoint = mountPoint;
  }

  static boolean available() {
    return "root".equals(System.getProperty("user.name")) && Files.exists(Path.of("/dev/loop-control"))
        && Files.isExecutable(Path.of("/usr/sbin/losetup")) && Files.isExecutable(Path.of("/usr/sbin/mkfs.ext4"))
        && Files.isExecutable(Path.of("/usr/sbin/e2fsck")) && Files.isExecutable(Path.of("/usr/bin/perl"));
  }

  /** A new, empty ext4 image of {@code mib} MiB. */
  static void format(Path image, int mib) {
    try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
      f.setLength((long) mib << 20);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    sh("mkfs.ext4", "-q", "-F", image.toString());
  }

  /** Attaches {@code image} to a free loop device and mounts it on {@code mountPoint}. */
  static LoopFs mount(Path image, Path mountPoint) {
    LoopFs fs = new LoopFs(image, mountPoint);
    try {
      Files.createDirectories(mountPoint);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    fs.device = sh("losetup", "-f", "--show", image.toString()).strip();
    try {
      sh("mount", fs.device, mountPoint.toString());
    } catch (RuntimeException e) {
      sh("losetup", "-d", fs.device);
      throw e;
    }
    return fs;
  }

  /** The power cut: nothing more reaches the device, whatever was not written yet is lost. */
  void cutPower() {
    cutPower(mountPoint);
  }

  /** The power cut for any mounted ext4 file system (e.g. one of the GRUB rig's loop devices). */
  static void cutPower(Path mountPoint) {
    sh("perl", "-e", "open(my $f, '<', $ARGV[0]) or die \"open: $!\"; my $v = pack('L', " + NOLOGFLUSH + "); "
        + "ioctl($f, " + EXT4_IOC_SHUTDOWN + ", $v) or die \"ioctl: $!\";", mountPoint.toString());
  }

  /** Unmounts (nothing is flushed after a power cut) and detaches; then {@code e2fsck -fy}; returns its exit code. */
  int unmountAndCheck() {
    close();
    return run(List.of("e2fsck", "-fy", image.toString())).exit;
  }

  @Override
  public void close() {
    if (device == null) {
      return;
    }
    run(List.of("umount", mountPoint.toString()));
    run(List.of("losetup", "-d", device));
    device = null;
  }

  private record Result(int exit, String out) {}

  private static String sh(String... argv) {
    Result r = run(List.of(argv));
    if (r.exit != 0) {
      throw new IllegalStateException(String.join(" ", argv) + " exited with " + r.exit + ": " + r.out);
    }
    return r.out;
  }

  private static Result run(List<String> argv) {
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(argv + " did not finish");
      }
      return new Result(p.exitValue(), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
