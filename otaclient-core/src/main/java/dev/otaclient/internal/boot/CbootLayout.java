package dev.otaclient.internal.boot;

import java.nio.file.Path;

/**
 * Where the Jetson CBoot controller finds and puts things; {@link #system()} is the device layout of
 * reference §3.3, tests point the paths into a temp dir.
 *
 * @param root mount point of the running root file system ({@code /})
 * @param procCmdline the kernel command line ({@code /proc/cmdline})
 * @param chipIdFile {@code /sys/module/tegra_fuse/parameters/tegra_chip_id}
 * @param standbyMount where the standby rootfs is mounted read-write ({@code /mnt/standby})
 * @param refrootMount where the running root is bind-mounted read-only ({@code /mnt/refroot})
 * @param standbyBootMount where the standby's eMMC boot partition is mounted when the rootfs is on
 *     NVMe ({@code /mnt/standby_boot})
 */
record CbootLayout(Path root, Path procCmdline, Path chipIdFile, Path standbyMount, Path refrootMount,
    Path standbyBootMount) {
  public static CbootLayout system() {
    return new CbootLayout(Path.of("/"), Path.of("/proc/cmdline"),
        Path.of("/sys/module/tegra_fuse/parameters/tegra_chip_id"), Path.of("/mnt/standby"), Path.of("/mnt/refroot"),
        Path.of("/mnt/standby_boot"));
  }
}
