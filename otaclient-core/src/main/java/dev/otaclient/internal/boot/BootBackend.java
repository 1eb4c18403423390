package dev.otaclient.internal.boot;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.nio.file.Path;
import java.util.Locale;

/** The boot-control backends by name, as configuration and the command line select them. */
public enum BootBackend {
  /** Two directories under a state root; the embedded default, no root or partitions needed. */
  DIRECTORY,
  /**
   * GRUB A/B in the per-slot layout of TIER IV's current client ({@code /boot/ota-slot_a|b}, grubenv);
   * a device on the 2022 {@code ota-partition} layout is migrated at start-up.
   */
  GRUB,
  /** GRUB A/B kept on the 2022 {@code /boot/ota-partition.<dev>} layout (no migration). */
  GRUB_LEGACY,
  /** NVIDIA Jetson CBoot via {@code nvbootctrl} (Xavier, BSP before R34). */
  JETSON_CBOOT,
  /** NVIDIA Jetson UEFI via {@code nvbootctrl} (Orin, BSP R34 and later), with firmware capsules. */
  JETSON_UEFI,
  /** Raspberry Pi 4 with the firmware's one-shot tryboot. */
  RPI_TRYBOOT;

  /**
   * Accepts {@code directory}, {@code grub}, {@code grub-legacy}, {@code jetson-cboot} (also
   * {@code cboot}), {@code jetson-uefi}, {@code rpi-tryboot} (also {@code rpi_boot}, TIER IV's name).
   */
  public static BootBackend parse(String name) {
    switch (name.toLowerCase(Locale.ROOT)) {
      case "directory":
      case "dir":
        return DIRECTORY;
      case "grub":
        return GRUB;
      case "grub-legacy":
        return GRUB_LEGACY;
      case "jetson-cboot":
      case "cboot":
        return JETSON_CBOOT;
      case "jetson-uefi":
        return JETSON_UEFI;
      case "rpi-tryboot":
      case "rpi_boot":
        return RPI_TRYBOOT;
      default:
        throw new OtaException(ErrorCode.PLATFORM_UNSUPPORTED, ErrorModule.BOOT_CONTROL, "unknown boot backend '"
            + name + "' (directory, grub, grub-legacy, jetson-cboot, jetson-uefi, rpi-tryboot)");
    }
  }

  /**
   * Opens the backend on this machine. {@code stateDir} is used by directory slots only;
   * {@code options} configures their simulated reboot.
   */
  public BootController open(Path stateDir, DirectorySlotController.Options options) {
    return switch (this) {
      case DIRECTORY -> new DirectorySlotController(stateDir, options);
      case GRUB -> new GrubSlotsController(GrubSlotsLayout.system());
      case GRUB_LEGACY -> new GrubController(GrubLayout.system());
      case JETSON_CBOOT -> new CbootController(CbootLayout.system());
      case JETSON_UEFI -> new JetsonUefiController(JetsonUefiController.JetsonUefiLayout.system());
      case RPI_TRYBOOT -> new RpiTrybootController(RpiTrybootController.RpiLayout.system());
    };
  }
}
