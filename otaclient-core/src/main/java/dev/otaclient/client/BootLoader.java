package dev.otaclient.client;

/** How this device switches between its two slots. */
public enum BootLoader {
  /**
   * Two directories under a state directory, with a simulated boot loader: the embedded default;
   * runs anywhere, without partitions or root. A "reboot" happens inside the process.
   */
  DIRECTORY_SLOTS,
  /**
   * GRUB A/B as TIER IV's current client lays it out (a folder per slot, the slot chosen through
   * grubenv); a device on the 2022 layout is migrated in place at start-up.
   */
  GRUB,
  /** GRUB A/B kept on TIER IV's 2022 layout ({@code /boot/ota-partition.<device>}). */
  GRUB_LEGACY,
  /** NVIDIA Jetson (Xavier) CBoot through {@code nvbootctrl}. */
  JETSON_CBOOT,
  /** NVIDIA Jetson with UEFI (Orin, L4T R34 and later) through {@code nvbootctrl}, with firmware capsules. */
  JETSON_UEFI,
  /** Raspberry Pi 4 with the firmware's one-shot tryboot. */
  RPI_TRYBOOT
}
