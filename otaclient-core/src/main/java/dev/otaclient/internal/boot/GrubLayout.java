package dev.otaclient.internal.boot;

import java.nio.file.Path;

/**
 * Where the GRUB controller finds and puts things. {@link #system()} is the real device layout of
 * reference §3.2; tests point every path into a temp dir with loop devices mounted there.
 *
 * @param root mount point of the running root file system ({@code /})
 * @param boot mount point of the shared boot partition ({@code /boot})
 * @param defaultGrub the running system's {@code /etc/default/grub}
 * @param procCmdline the kernel command line ({@code /proc/cmdline})
 * @param standbyMount where the standby slot is mounted read-write ({@code /mnt/standby})
 * @param refrootMount where the running root is bind-mounted read-only ({@code /mnt/refroot})
 */
record GrubLayout(Path root, Path boot, Path defaultGrub, Path procCmdline, Path standbyMount, Path refrootMount) {
  public static GrubLayout system() {
    return new GrubLayout(Path.of("/"), Path.of("/boot"), Path.of("/etc/default/grub"), Path.of("/proc/cmdline"),
        Path.of("/mnt/standby"), Path.of("/mnt/refroot"));
  }

  /** A layout whose {@code /etc/default/grub} lives in {@code root}. */
  public static GrubLayout of(Path root, Path boot, Path procCmdline, Path standbyMount, Path refrootMount) {
    return new GrubLayout(root, boot, root.resolve("etc/default/grub"), procCmdline, standbyMount, refrootMount);
  }
}
