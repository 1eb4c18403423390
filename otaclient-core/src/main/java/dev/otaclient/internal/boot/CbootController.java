package dev.otaclient.internal.boot;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fs.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A/B rootfs slots on NVIDIA Jetson Xavier with CBoot (reference §3.3), driven by
 * {@code nvbootctrl -t rootfs}. Slot ids are {@code 0}/{@code 1}; slot {@code s} is partition
 * {@code s+1} of the rootfs device ({@code mmcblk0p*} or {@code nvme0n1p*}). Status files live in
 * each slot at {@code /boot/ota-status/}. When the rootfs is on NVMe, the standby slot's eMMC boot
 * partition ({@code mmcblk0p<s+1>}) gets a mirror of the new {@code /boot}, since CBoot reads the
 * kernel and {@code extlinux.conf} from eMMC.
 *
 * <p>Evidence of a switched boot: the running slot is not yet marked successful and its
 * {@code slot_in_use} names it. Confirmation: {@code mark-boot-successful}. A new slot that never
 * comes up is left by the boot loader's own A/B retry logic, which falls back to the other slot.
 */
final class CbootController extends PartitionedSlots {
  /** Tegra chip id of Xavier, the only one supported (reference §3.3). */
  public static final Set<String> SUPPORTED_CHIP_IDS = Set.of("0x19", "25");

  private static final String STATUS_DIR = "boot/ota-status";

  private final CbootLayout layout;
  private final int current;
  private final int standby;
  private final String rootDevice;
  private final String standbyDevice;
  private final Optional<String> standbyBootDevice;
  private boolean standbyMounted;
  private boolean refrootMounted;

  public CbootController(CbootLayout layout, CommandRunner cmd, Rebooter rebooter, HealthCheck healthCheck) {
    super(cmd, rebooter, healthCheck);
    this.layout = layout;
    String chip = readChipId(layout.chipIdFile());
    if (!SUPPORTED_CHIP_IDS.contains(chip)) {
      throw new OtaException(ErrorCode.PLATFORM_UNSUPPORTED, ErrorModule.BOOT_CONTROL,
          layout.chipIdFile() + ": tegra chip id '" + chip + "' is not supported (only 0x19, Xavier)");
    }
    String slot = nvbootctrl(ErrorCode.BOOT_CONTROL_INIT, "get-current-slot").stdout().strip();
    if (!slot.equals("0") && !slot.equals("1")) {
      throw initError("nvbootctrl get-current-slot answered '" + slot + "', expected 0 or 1");
    }
    this.current = Integer.parseInt(slot);
    this.standby = 1 - current;
    this.rootDevice = partitions.mountSource(layout.root())
        .orElseThrow(() -> initError("cannot find the device mounted at " + layout.root()));
    String prefix;
    if (rootDevice.startsWith("/dev/nvme0n1p")) {
      prefix = "/dev/nvme0n1p";
    } else if (rootDevice.startsWith("/dev/mmcblk0p")) {
      prefix = "/dev/mmcblk0p";
    } else {
      throw initError("root device " + rootDevice + " is neither on mmcblk0 nor on nvme0n1");
    }
    if (!rootDevice.equals(prefix + (current + 1))) {
      throw initError("nvbootctrl says slot " + current + " is running but the root is " + rootDevice
          + " (expected " + prefix + (current + 1) + ")");
    }
    this.standbyDevice = prefix + (standby + 1);
    this.standbyBootDevice = prefix.startsWith("/dev/nvme")
        ? Optional.of("/dev/mmcblk0p" + (standby + 1)) : Optional.empty();
    checkKernelRoot();
    log.info("CBoot slots: current {} ({}), standby {} ({}{})", current, rootDevice, standby, standbyDevice,
        standbyBootDevice.map(d -> ", boot on " + d).orElse(""));
  }

  public CbootController(CbootLayout layout) {
    this(layout, CommandRunner.system(), null, HealthCheck.none());
  }

  public String standbyDevice() {
    return standbyDevice;
  }

  @Override
  public String activeSlotId() {
    return Integer.toString(current);
  }

  @Override
  public String standbySlotId() {
    return Integer.toString(standby);
  }

  @Override
  public synchronized Path activeRoot() {
    return refrootMounted ? layout.refrootMount() : layout.root();
  }

  // ---------------------------------------------------------------- detection

  private static String readChipId(Path file) {
    try {
      return Files.readString(file).strip();
    } catch (IOException e) {
      throw new OtaException(ErrorCode.PLATFORM_UNSUPPORTED, ErrorModule.BOOT_CONTROL,
          "cannot read the tegra chip id from " + file + ": " + e.getMessage(), e);
    }
  }

  /** The kernel must have been started with this slot's rootfs, never the standby's. */
  private void checkKernelRoot() {
    String cmdline;
    try {
      cmdline = Files.readString(layout.procCmdline());
    } catch (IOException e) {
      throw initError("cannot read " + layout.procCmdline() + ": " + e.getMessage());
    }
    for (String token : cmdline.strip().split("\\s+")) {
      if (token.startsWith("root=PARTUUID=")) {
        String partuuid = token.substring("root=PARTUUID=".length());
        String dev = cmd.run(ErrorCode.BOOT_CONTROL_INIT, "blkid", "-o", "device", "-t", "PARTUUID=" + partuuid)
            .stdout().strip();
        if (!dev.equals(rootDevice)) {
          throw initError("kernel command line root=PARTUUID=" + partuuid + " is " + (dev.isEmpty() ? "no device" : dev)
              + ", not the running root " + rootDevice);
        }
        return;
      }
      if (token.startsWith("root=/dev/") && !token.substring(5).equals(rootDevice)) {
        throw initError("kernel command line " + token + " is not the running root " + rootDevice);
      }
    }
  }

  private CommandResult nvbootctrl(ErrorCode code, String... args) {
    List<String> argv = new java.util.ArrayList<>(List.of("nvbootctrl", "-t", "rootfs"));
    argv.addAll(List.of(args));
    return cmd.run(code, argv);
  }

  private boolean markedSuccessful(int slot) {
    List<String> argv = List.of("nvbootctrl", "-t", "rootfs", "is-slot-marked-successful", Integer.toString(slot));
    return cmd.runAllowingFailure(ErrorCode.BOOT_CONTROL_INIT, argv).succeeded();
  }

  private static OtaException initError(String detail) {
    return new OtaException(ErrorCode.BOOT_CONTROL_INIT, ErrorModule.BOOT_CONTROL, detail);
  }

  // ---------------------------------------------------------------- state-machine primitives

  @Override
  protected SlotFiles activeFiles() {
    return new SlotFiles(layout.root().resolve(STATUS_DIR));
  }

  @Override
  protected <T> T withStandbyFiles(IoFunction<SlotFiles, T> fn) throws IOException {
    return inSlotFiles(standbyDevice, layout.standbyMount(), standbyMounted, STATUS_DIR, fn);
  }

  @Override
  protected boolean needsInitialisation(SlotFiles active) {
    return active.status().isEmpty() || active.slotInUse().isEmpty();
  }

  @Override
  protected void initialiseFirstBoot() {
    // the slot that brought the client up works: tell the boot loader so it stops retry counting
    nvbootctrl(ErrorCode.BOOT_CONTROL_INIT, "mark-boot-successful", activeSlotId());
  }

  @Override
  protected boolean bootedBySwitch() throws IOException {
    return !markedSuccessful(current) && activeFiles().slotInUse().filter(activeSlotId()::equals).isPresent();
  }

  @Override
  protected boolean runningIsDefault() {
    return markedSuccessful(current);
  }

  @Override
  protected void makeRunningDefault() {
    nvbootctrl(ErrorCode.BOOT_CONTROL_INIT, "mark-boot-successful", activeSlotId());
  }

  @Override
  protected void disarmSwitch() {
    nvbootctrl(ErrorCode.POST_UPDATE, "set-active-boot-slot", activeSlotId());
    nvbootctrl(ErrorCode.POST_UPDATE, "mark-boot-successful", activeSlotId());
  }

  @Override
  protected boolean leaveRunningSlot() {
    nvbootctrl(ErrorCode.POST_UPDATE, "set-active-boot-slot", standbySlotId());
    rebooter().reboot();
    return false;
  }

  @Override
  protected Standby doPrepareStandby(String newVersion, boolean reuseInPlace) throws IOException {
    nvbootctrl(ErrorCode.PRE_UPDATE, "set-slot-as-unbootable", standbySlotId());
    releaseMounts(ErrorCode.PRE_UPDATE);
    boolean reuse = partitions.reuseOrFormat(standbyDevice, reuseInPlace);
    partitions.mountStandby(standbyDevice, layout.standbyMount());
    standbyMounted = true;
    partitions.bindReadOnly(layout.root(), layout.refrootMount());
    refrootMounted = true;
    markStandbyUpdating(new SlotFiles(layout.standbyMount().resolve(STATUS_DIR)), newVersion);
    Path boot = layout.standbyMount().resolve("boot");
    Files.createDirectories(boot);
    return new Standby(layout.standbyMount(), boot, reuse, java.util.Set.of("/" + STATUS_DIR));
  }

  @Override
  protected void doCommitSwitch(Standby sb) throws IOException {
    Path extlinux = layout.standbyMount().resolve("boot/extlinux/extlinux.conf");
    if (!Files.isRegularFile(extlinux)) {
      throw new OtaException(ErrorCode.POST_UPDATE, ErrorModule.BOOT_CONTROL, extlinux
          + " is missing: the new slot could not boot");
    }
    String partuuid = partitions.tag(standbyDevice, "PARTUUID", ErrorCode.POST_UPDATE).orElseThrow(
        () -> new OtaException(ErrorCode.POST_UPDATE, ErrorModule.BOOT_CONTROL, "no PARTUUID for " + standbyDevice));
    AtomicFiles.writeString(extlinux, ExtlinuxConfig.rewriteRoot(Files.readString(extlinux), partuuid));
    if (standbyBootDevice.isPresent()) {
      Path mnt = layout.standbyBootMount();
      partitions.mount(standbyBootDevice.get(), mnt, ErrorCode.POST_UPDATE);
      try {
        DirectoryMirror.mirror(layout.standbyMount().resolve("boot"), mnt.resolve("boot"));
      } finally {
        partitions.unmount(mnt, ErrorCode.POST_UPDATE);
      }
    }
    releaseMounts(ErrorCode.POST_UPDATE);
    nvbootctrl(ErrorCode.POST_UPDATE, "set-active-boot-slot", standbySlotId());
  }

  @Override
  protected void doPrepareRollback() {
    nvbootctrl(ErrorCode.PRE_ROLLBACK, "set-active-boot-slot", standbySlotId());
  }

  @Override
  protected void releaseStandby() {
    releaseMounts(ErrorCode.POST_UPDATE);
  }


  // ---------------------------------------------------------------- helpers

  private void releaseMounts(ErrorCode code) {
    try {
      partitions.release(code, List.of(layout.standbyBootMount(), layout.standbyMount(), layout.refrootMount()));
    } finally {
      standbyMounted = false;
      refrootMounted = false;
    }
  }
}
