package dev.otaclient.internal.boot;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

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

  /** The names {@link #parse} accepts besides the backends: detect the backend on this machine. */
  private static final Set<String> AUTO = Set.of("auto_detect", "auto-detect", "auto");
  private static final String NAMES = "directory, grub, grub-legacy, jetson-cboot (cboot), jetson-uefi, "
      + "rpi-tryboot (rpi_boot), auto_detect";

  /**
   * Accepts {@code directory}, {@code grub}, {@code grub-legacy}, {@code jetson-cboot} (also
   * {@code cboot}), {@code jetson-uefi}, {@code rpi-tryboot} (also {@code rpi_boot}): TIER IV's
   * {@code bootloader} values of {@code ecu_info.yaml} and ours. {@code auto_detect} is not a backend:
   * see {@link #resolve}.
   */
  public static BootBackend parse(String name) {
    return byName(name).orElseThrow(() -> new OtaException(ErrorCode.PLATFORM_UNSUPPORTED, ErrorModule.BOOT_CONTROL,
        "unknown boot backend '" + name + "' (" + NAMES + ")"));
  }

  /** Whether {@code name} is a backend or {@code auto_detect}: what the configuration may hold. */
  public static boolean isKnown(String name) {
    return AUTO.contains(name.toLowerCase(Locale.ROOT)) || byName(name).isPresent();
  }

  /** The accepted names, for error messages. */
  public static String names() {
    return NAMES;
  }

  /** A backend by name, or {@code auto_detect} answered by {@link #detect(Path, String)} on this machine. */
  public static BootBackend resolve(String name) {
    return AUTO.contains(name.toLowerCase(Locale.ROOT)) ? detect(Path.of("/"), System.getProperty("os.arch")) : parse(name);
  }

  private static Optional<BootBackend> byName(String name) {
    BootBackend b = switch (name.toLowerCase(Locale.ROOT)) {
      case "directory", "dir" -> DIRECTORY;
      case "grub" -> GRUB;
      case "grub-legacy" -> GRUB_LEGACY;
      case "jetson-cboot", "cboot" -> JETSON_CBOOT;
      case "jetson-uefi" -> JETSON_UEFI;
      case "rpi-tryboot", "rpi_boot" -> RPI_TRYBOOT;
      default -> null;
    };
    return Optional.ofNullable(b);
  }

  /**
   * The backend of the machine whose root is {@code root}, as TIER IV's client detects it when
   * {@code ecu_info.yaml} names none: x86_64 runs GRUB; on aarch64 a tegra chip id means a Jetson
   * (Xavier, {@code 0x19}: CBoot; any other chip, e.g. Orin's {@code 0x23}: UEFI, which TIER IV's
   * detection does not know), a Raspberry Pi model file the tryboot backend.
   */
  public static BootBackend detect(Path root, String arch) {
    if (arch.equals("x86_64") || arch.equals("amd64")) {
      return GRUB;
    }
    if (arch.equals("aarch64") || arch.equals("arm64")) {
      Path chip = root.resolve("sys/module/tegra_fuse/parameters/tegra_chip_id");
      if (Files.isRegularFile(chip)) {
        return read(chip).strip().equalsIgnoreCase("0x19") ? JETSON_CBOOT : JETSON_UEFI;
      }
      Path model = root.resolve("proc/device-tree/model");
      if (Files.isRegularFile(model) && read(model).contains("Raspberry Pi 4")) {
        return RPI_TRYBOOT;
      }
    }
    throw new OtaException(ErrorCode.PLATFORM_UNSUPPORTED, ErrorModule.BOOT_CONTROL, "cannot detect the boot loader of"
        + " this " + arch + " machine (no tegra chip id, no Raspberry Pi 4 model): name it with --boot or the"
        + " bootloader key of ecu_info.yaml");
  }

  private static String read(Path f) {
    try {
      return Files.readString(f, StandardCharsets.ISO_8859_1).replace("\0", "");
    } catch (IOException e) {
      return "";
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
