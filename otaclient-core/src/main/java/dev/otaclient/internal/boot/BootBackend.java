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
  /** GRUB A/B on two ext4 partitions with the Python client's {@code /boot/ota-partition} layout. */
  GRUB,
  /** NVIDIA Jetson CBoot via {@code nvbootctrl}. */
  JETSON_CBOOT;

  /** Accepts {@code directory}, {@code grub}, {@code jetson-cboot} (also {@code cboot}). */
  public static BootBackend parse(String name) {
    switch (name.toLowerCase(Locale.ROOT)) {
      case "directory":
      case "dir":
        return DIRECTORY;
      case "grub":
        return GRUB;
      case "jetson-cboot":
      case "cboot":
        return JETSON_CBOOT;
      default:
        throw new OtaException(ErrorCode.PLATFORM_UNSUPPORTED, ErrorModule.BOOT_CONTROL,
            "unknown boot backend '" + name + "' (directory, grub, jetson-cboot)");
    }
  }

  /**
   * Opens the backend on this machine. {@code stateDir} is used by directory slots only;
   * {@code options} configures their simulated reboot.
   */
  public BootController open(Path stateDir, DirectorySlotController.Options options) {
    return switch (this) {
      case DIRECTORY -> new DirectorySlotController(stateDir, options);
      case GRUB -> new GrubController(GrubLayout.system());
      case JETSON_CBOOT -> new CbootController(CbootLayout.system());
    };
  }
}
