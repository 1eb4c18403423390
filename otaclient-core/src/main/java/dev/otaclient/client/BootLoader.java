package dev.otaclient.client;

/** How this device switches between its two slots. */
public enum BootLoader {
  /**
   * Two directories under a state directory, with a simulated boot loader: the embedded default;
   * runs anywhere, without partitions or root. A "reboot" happens inside the process.
   */
  DIRECTORY_SLOTS,
  /** GRUB A/B on two ext4 partitions, as TIER IV's 2022 client lays them out. */
  GRUB,
  /** NVIDIA Jetson (Xavier) CBoot through {@code nvbootctrl}. */
  JETSON_CBOOT
}
