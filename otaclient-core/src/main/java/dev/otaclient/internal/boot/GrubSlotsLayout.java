package dev.otaclient.internal.boot;

import java.nio.file.Path;

/**
 * Where the per-slot GRUB controller finds and puts things. {@link #system()} is a real device; tests
 * point every path into a directory with loop devices mounted there.
 *
 * @param root mount point of the running root file system ({@code /})
 * @param boot mount point of the shared boot partition ({@code /boot})
 * @param procCmdline the kernel command line ({@code /proc/cmdline})
 * @param standbyMount where the standby slot is mounted read-write
 * @param refrootMount where the running root is bind-mounted read-only during an update
 * @param setupMount where the running root is bind-mounted read-write to generate its own boot entry
 */
record GrubSlotsLayout(Path root, Path boot, Path procCmdline, Path standbyMount, Path refrootMount, Path setupMount) {
  public static GrubSlotsLayout system() {
    return new GrubSlotsLayout(Path.of("/"), Path.of("/boot"), Path.of("/proc/cmdline"), Path.of("/mnt/standby"),
        Path.of("/mnt/refroot"), Path.of("/mnt/ota-setup"));
  }

  Path grubDir() {
    return boot.resolve("grub");
  }

  Path grubCfg() {
    return grubDir().resolve("grub.cfg");
  }
}
