package dev.otaclient.internal.boot;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.internal.fs.Fsync;
import dev.otaclient.internal.fs.TempNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Raspberry Pi 4 A/B with the firmware's one-shot {@code tryboot} (TIER IV's {@code rpi_boot} layout).
 *
 * <pre>
 * disk: p1 vfat "system-boot" at /boot/firmware, p2 ext4 "slot_a", p3 ext4 "slot_b" (labels = slot ids)
 * /boot/firmware/config.txt              what the firmware boots normally: a copy of config.txt_&lt;default&gt;
 * /boot/firmware/tryboot.txt             what it boots once after "reboot '0 tryboot'": config.txt_&lt;other&gt;
 * /boot/firmware/config.txt_slot_a, _b   per slot: kernel=vmlinuz_&lt;slot&gt;, initramfs initrd.img_&lt;slot&gt;,
 *                                        cmdline=cmdline.txt_&lt;slot&gt; (root=LABEL=&lt;slot&gt;); provisioned
 * /boot/firmware/vmlinuz_&lt;slot&gt;, initrd.img_&lt;slot&gt;   the slot's kernel, written at each update
 * /boot/firmware/*.dtb, overlays/, ...  written by the new slot's flash-kernel (*.bak: until finalisation)
 * /boot/firmware/.ota-flash-kernel       the slot those were written for, while backups exist
 * each slot: /boot/ota-status/{status,version,slot_in_use,failure_reason}
 * </pre>
 *
 * An update runs the new slot's flash-kernel ({@link FlashKernel}; without one, copies the slot's kernel
 * and initrd) to put its kernel, initrd and device trees on the boot partition under its names, points
 * tryboot.txt at it and reboots with the tryboot flag: the firmware reads tryboot.txt for that one boot
 * only, so a slot that does not come up is left at the next reset. Finalisation makes config.txt the
 * running slot's (evidence of a switched boot: the running slot's {@code slot_in_use} names it while
 * config.txt is still the other slot's).
 */
public final class RpiTrybootController extends PartitionedSlots {
  static final String SLOT_A = "slot_a";
  static final String SLOT_B = "slot_b";
  static final String CONFIG = "config.txt";
  static final String TRYBOOT = "tryboot.txt";
  /** Written by older clients after flash-kernel; removed at start-up as TIER IV's client does. */
  static final String FLAG_FILE = "._ota_switch_boot_finalized";
  private static final String STATUS_DIR = "boot/ota-status";

  private final RpiLayout layout;
  private final FlashKernel flashKernel;
  private final String activeDevice;
  private final String standbyDevice;
  private final String activeSlot;
  private final String standbySlot;
  private boolean standbyMounted;
  private boolean refrootMounted;
  private boolean trybootArmed;

  public RpiTrybootController(RpiLayout layout, CommandRunner cmd, Rebooter rebooter, HealthCheck healthCheck) {
    super(cmd, rebooter, healthCheck);
    this.layout = layout;
    this.flashKernel = new FlashKernel(cmd, partitions, layout.bootFirmware());
    String model = AtomicFiles.readString(layout.modelFile()).orElse("").replace("\0", "");
    if (!model.contains("Raspberry Pi")) {
      throw new OtaException(ErrorCode.PLATFORM_UNSUPPORTED, ErrorModule.BOOT_CONTROL,
          layout.modelFile() + ": '" + model.strip() + "' is not a Raspberry Pi");
    }
    this.activeDevice = partitions.mountSource(layout.root()).orElseThrow(
        () -> initError("cannot find the device mounted at " + layout.root()));
    String disk = cmd.run(ErrorCode.BOOT_CONTROL_INIT, "lsblk", "-idpn", "-o", "PKNAME", activeDevice).stdout().strip();
    List<String> parts = new ArrayList<>();
    for (String line : cmd.run(ErrorCode.BOOT_CONTROL_INIT, "lsblk", "-Ppo", "NAME,FSTYPE", disk).stdout().split("\n")) {
      Matcher m = Pattern.compile("NAME=\"([^\"]*)\"").matcher(line);
      if (m.find() && !m.group(1).equals(disk)) {
        parts.add(m.group(1));
      }
    }
    if (parts.size() < 3) {
      throw initError(disk + " has " + parts.size() + " partitions; a Pi A/B disk needs system-boot, slot_a, slot_b");
    }
    if (activeDevice.equals(parts.get(1))) {
      activeSlot = SLOT_A;
      standbySlot = SLOT_B;
      standbyDevice = parts.get(2);
    } else if (activeDevice.equals(parts.get(2))) {
      activeSlot = SLOT_B;
      standbySlot = SLOT_A;
      standbyDevice = parts.get(1);
    } else {
      throw initError("the running root " + activeDevice + " is neither " + parts.get(1) + " (slot_a) nor "
          + parts.get(2) + " (slot_b)");
    }
    if (partitions.mountSource(layout.bootFirmware()).isEmpty()) {
      log.warn("system-boot is not mounted at {}: mounting {}", layout.bootFirmware(), parts.get(0));
      try {
        partitions.mount(parts.get(0), layout.bootFirmware(), ErrorCode.BOOT_CONTROL_INIT);
      } catch (IOException e) {
        throw initError("cannot mount system-boot " + parts.get(0) + ": " + e.getMessage());
      }
    }
    for (String slot : List.of(activeSlot, standbySlot)) {
      for (String f : List.of(CONFIG, "cmdline.txt")) {
        Path p = perSlot(f, slot);
        if (!Files.isRegularFile(p)) {
          throw initError(p + " is missing: the boot partition is not set up for A/B (provision it)");
        }
      }
    }
    String label = partitions.tag(activeDevice, "LABEL", ErrorCode.BOOT_CONTROL_INIT).orElse("");
    if (!label.equals(activeSlot)) {
      log.warn("running slot {} has the file-system label '{}': correcting it", activeSlot, label);
      cmd.run(ErrorCode.BOOT_CONTROL_INIT, "e2label", activeDevice, activeSlot);
    }
    AtomicFiles.delete(layout.bootFirmware().resolve(FLAG_FILE));
    log.info("Raspberry Pi tryboot slots: active {} ({}), standby {} ({})", activeSlot, activeDevice, standbySlot,
        standbyDevice);
  }

  public RpiTrybootController(RpiLayout layout) {
    this(layout, CommandRunner.system(), null, HealthCheck.none());
  }

  private static OtaException initError(String detail) {
    return new OtaException(ErrorCode.BOOT_CONTROL_INIT, ErrorModule.BOOT_CONTROL, detail);
  }

  /** A boot file of one slot on the boot partition: {@code <name>_<slot>}. */
  private Path perSlot(String name, String slot) {
    return layout.bootFirmware().resolve(name + "_" + slot);
  }

  public String activeDevice() {
    return activeDevice;
  }

  @Override
  public String activeSlotId() {
    return activeSlot;
  }

  @Override
  public String standbySlotId() {
    return standbySlot;
  }

  @Override
  public synchronized Path activeRoot() {
    return refrootMounted ? layout.refrootMount() : layout.root();
  }

  // ---------------------------------------------------------------- state-machine primitives

  @Override
  protected SlotFiles activeFiles() throws IOException {
    return new SlotFiles(Files.createDirectories(layout.root().resolve(STATUS_DIR)));
  }

  @Override
  protected <T> T withStandbyFiles(IoFunction<SlotFiles, T> fn) throws IOException {
    return inSlotFiles(standbyDevice, layout.standbyMount(), standbyMounted, STATUS_DIR, fn);
  }

  @Override
  protected void beforeFinalize() throws IOException {
    int n = 0;
    for (String f : List.of(CONFIG, TRYBOOT, "vmlinuz_" + SLOT_A, "vmlinuz_" + SLOT_B, "initrd.img_" + SLOT_A,
        "initrd.img_" + SLOT_B, FlashKernel.MARKER)) {
      n += TempNames.removeLeftoversOf(layout.bootFirmware().resolve(f));
    }
    if (n > 0) {
      log.info("removed {} temporary files left by interrupted writes", n);
    }
    releaseMounts(ErrorCode.BOOT_CONTROL_INIT);
    flashKernel.settleAtStart(activeSlot, this::runningIsDefault);
  }

  @Override
  protected void initialiseFirstBoot() {
    // nothing beyond the status files: the boot partition is provisioned with both slots' files
  }

  @Override
  protected boolean bootedBySwitch() throws IOException {
    return activeFiles().slotInUse().filter(activeSlot::equals).isPresent() && !runningIsDefault();
  }

  @Override
  protected boolean runningIsDefault() throws IOException {
    return sameBytes(layout.bootFirmware().resolve(CONFIG), perSlot(CONFIG, activeSlot));
  }

  @Override
  protected void makeRunningDefault() throws IOException {
    AtomicFiles.copy(perSlot(CONFIG, activeSlot), layout.bootFirmware().resolve(CONFIG));
    AtomicFiles.copy(perSlot(CONFIG, standbySlot), layout.bootFirmware().resolve(TRYBOOT));
    syncBoot(layout.bootFirmware());
    // a slot booted from what flash-kernel installed: the copies of what it replaced are no longer needed
    int baks = flashKernel.adopted();
    if (baks > 0) {
      log.info("removed {} *.bak files flash-kernel left on system-boot", baks);
    }
  }

  @Override
  protected void disarmSwitch() {
    // the tryboot flag lives in the firmware until the next reboot; a reboot we do not request is plain
    trybootArmed = false;
  }

  @Override
  protected boolean leaveRunningSlot() {
    // config.txt still names the previous slot, so a plain reboot starts it
    rebooter().reboot();
    return false;
  }

  @Override
  protected void performReboot() {
    if (trybootArmed) {
      rebooter().reboot("0 tryboot");
    } else {
      rebooter().reboot();
    }
  }

  @Override
  protected Standby doPrepareStandby(String newVersion, boolean reuseInPlace) throws IOException {
    trybootArmed = false;
    releaseMounts(ErrorCode.PRE_UPDATE);
    boolean reuse = partitions.reuseOrFormat(standbyDevice, reuseInPlace);
    partitions.mountStandby(standbyDevice, layout.standbyMount());
    standbyMounted = true;
    partitions.bindReadOnly(layout.root(), layout.refrootMount());
    refrootMounted = true;
    markStandbyUpdating(new SlotFiles(Files.createDirectories(layout.standbyMount().resolve(STATUS_DIR))), newVersion);
    return new Standby(layout.standbyMount(), Files.createDirectories(layout.standbyMount().resolve("boot")), reuse,
        Set.of("/" + STATUS_DIR));
  }

  @Override
  protected void doCommitSwitch(Standby standby) throws IOException {
    Path slotRoot = layout.standbyMount();
    AtomicFiles.writeString(slotRoot.resolve("etc/fstab"), "LABEL=" + standbySlot + "\t/\text4\tdiscard,x-systemd.growfs\t0\t1\n"
        + "LABEL=system-boot\t/boot/firmware\tvfat\tdefaults\t0\t1\n");
    Path ota = layout.root().resolve("boot/ota");
    if (Files.isDirectory(ota)) {
      DirectoryMirror.mirror(ota, slotRoot.resolve("boot/ota"));
    }
    if (FlashKernel.presentIn(slotRoot)) {
      flashKernel.install(slotRoot, standbySlot);
    } else {
      flashKernel.copyOwnBootFiles(slotRoot, standbySlot);
    }
    releaseMounts(ErrorCode.POST_UPDATE);
    AtomicFiles.copy(perSlot(CONFIG, standbySlot), layout.bootFirmware().resolve(TRYBOOT));
    syncBoot(layout.bootFirmware());
    trybootArmed = true;
  }

  @Override
  protected void doPrepareRollback() throws IOException {
    for (String f : List.of("vmlinuz", "initrd.img")) {
      if (!Files.isRegularFile(perSlot(f, standbySlot), LinkOption.NOFOLLOW_LINKS)) {
        throw new OtaException(ErrorCode.PRE_ROLLBACK, ErrorModule.BOOT_CONTROL, perSlot(f, standbySlot)
            + " is missing: slot " + standbySlot + " cannot be booted");
      }
    }
    AtomicFiles.copy(perSlot(CONFIG, standbySlot), layout.bootFirmware().resolve(TRYBOOT));
    syncBoot(layout.bootFirmware());
    trybootArmed = true;
  }

  @Override
  protected void releaseStandby() {
    releaseMounts(ErrorCode.POST_UPDATE);
  }

  private void releaseMounts(ErrorCode code) {
    try {
      List<Path> all = new ArrayList<>(flashKernel.bindTargets(layout.standbyMount()));
      all.addAll(List.of(layout.standbyMount(), layout.refrootMount()));
      partitions.release(code, all);
    } finally {
      standbyMounted = false;
      refrootMounted = false;
    }
  }

  private static boolean sameBytes(Path a, Path b) throws IOException {
    return Files.isRegularFile(a) && Files.isRegularFile(b) && Files.mismatch(a, b) == -1;
  }

  /** Paths of the controller on a device. */
  public record RpiLayout(Path root, Path bootFirmware, Path modelFile, Path standbyMount, Path refrootMount) {
    public static RpiLayout system() {
      return new RpiLayout(Path.of("/"), Path.of("/boot/firmware"), Path.of("/proc/device-tree/model"),
          Path.of("/mnt/standby"), Path.of("/mnt/refroot"));
    }
  }

  /** {@code syncfs} of the boot partition: vfat has no journal, so each step is flushed before the next. */
  private static void syncBoot(Path any) throws IOException {
    Fsync.filesystem(any);
  }
}
