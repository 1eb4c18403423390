package dev.otaclient.internal.boot;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.boot.FirmwarePackage.BspVersion;
import dev.otaclient.internal.boot.FirmwarePackage.Payload;
import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.internal.fs.ContentHash;
import dev.otaclient.internal.fs.Fsync;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NVIDIA Jetson with UEFI (Orin; L4T R34 and later), TIER IV's {@code jetson-uefi}: unified A/B, so
 * {@code nvbootctrl set-active-boot-slot} switches boot chain and rootfs together.
 *
 * <pre>
 * rootfs slot 0 = partition 1 (APP), slot 1 = partition 2 (APP_b) of the running root's disk; slot ids 0/1
 * each slot: /boot/ota-status/ (status files), /boot/extlinux/extlinux.conf (root=PARTUUID=&lt;own&gt;)
 * ESP (PARTLABEL esp, FAT): EFI/BOOT/BOOTAA64.efi (L4TLauncher), EFI/BOOT/l4tlauncher_version
 *   (R&lt;bsp&gt;:&lt;sha256&gt;), EFI/UpdateCapsule/&lt;capsule&gt;, EFI/NVDA/Variables/OsIndications-... (eMMC boot device)
 * efivarfs: OsIndications-8be4df61-93ca-11d2-aa0d-00e098032b8c (QSPI boot device)
 * </pre>
 *
 * An update with a firmware package ({@code /opt/ota/firmware/firmware_update.yaml} + manifest, BSP at
 * or above the running firmware's, at least R35.2, compatible with the TNSPEC) puts the capsule on the
 * ESP, updates L4TLauncher when the image's is newer, and sets the capsule trigger; the firmware then
 * applies the capsule at the next boot and switches the boot chain itself (the client does not, which
 * would cancel the capsule). Without a firmware update the client switches with
 * {@code set-active-boot-slot}. A failed capsule or a new slot that does not boot leaves the firmware on
 * the old slot, which then reports the fallback FAILURE. The BSP guard: an image whose rootfs is of
 * another BSP release than the running firmware is refused before anything is armed.
 *
 * <p>Evidence of a switched boot: the running slot's {@code slot_in_use} names it (TIER IV's rule) and
 * the other slot handed over to it.
 */
public final class JetsonUefiController extends PartitionedSlots {
  static final BspVersion MINIMUM = new BspVersion(34, 0, 0);
  static final BspVersion MINIMUM_CAPSULE = new BspVersion(35, 2, 0);
  private static final String TEGRA_RELEASE = "etc/nv_tegra_release";
  private static final int MAX_TEGRA_RELEASE_BYTES = 64 * 1024;
  static final String OS_INDICATIONS = "OsIndications-8be4df61-93ca-11d2-aa0d-00e098032b8c";
  /** Attributes (non-volatile, boot and runtime access) then EFI_OS_INDICATIONS_FILE_CAPSULE_DELIVERY_SUPPORTED. */
  static final byte[] CAPSULE_TRIGGER = {7, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0};
  /** NVIDIA's rootfs health variables (vendor GUID of L4T's public variables). */
  static final List<String> ROOTFS_STATUS = List.of("RootfsStatusSlotA-781e084c-a330-417c-b678-38e696380cb9",
      "RootfsStatusSlotB-781e084c-a330-417c-b678-38e696380cb9");
  /** Attributes (non-volatile, boot and runtime access) then status 0: bootable. */
  static final byte[] ROOTFS_BOOTABLE = {7, 0, 0, 0, 0, 0, 0, 0};
  static final String LAUNCHER = "EFI/BOOT/BOOTAA64.efi";
  static final String LAUNCHER_VERSION = "EFI/BOOT/l4tlauncher_version";
  static final String CAPSULE_DIR = "EFI/UpdateCapsule";
  static final String ESP_VARIABLES = "EFI/NVDA/Variables";
  private static final String STATUS_DIR = "boot/ota-status";

  /** How the firmware is told to take a capsule: TEGRA_OTA_BOOT_DEVICE of nv_boot_control.conf. */
  enum OtaBootDevice { QSPI, EMMC, UNKNOWN }

  private final JetsonUefiLayout layout;
  private final int current;
  private final int standby;
  private final String rootDevice;
  private final String standbyDevice;
  private final Optional<String> espDevice;
  private final BspVersion firmwareBsp;
  private final String nvConf;
  private final OtaBootDevice otaBootDevice;
  private boolean standbyMounted;
  private boolean refrootMounted;

  public JetsonUefiController(JetsonUefiLayout layout, CommandRunner cmd, Rebooter rebooter, HealthCheck healthCheck) {
    super(cmd, rebooter, healthCheck);
    this.layout = layout;
    String compat = AtomicFiles.readString(layout.compatibleFile()).orElse("").replace('\0', ' ');
    if (!compat.contains("tegra")) {
      throw new OtaException(ErrorCode.PLATFORM_UNSUPPORTED, ErrorModule.BOOT_CONTROL, layout.compatibleFile()
          + (compat.isBlank() ? " is missing" : ": '" + compat.strip() + "' is not a Jetson (tegra)"));
    }
    this.nvConf = AtomicFiles.readString(layout.nvBootControlConf()).orElseThrow(
        () -> initError(layout.nvBootControlConf() + " is missing"));
    this.otaBootDevice = otaBootDevice(nvConf);
    String slots = dumpSlotsInfo(ErrorCode.BOOT_CONTROL_INIT);
    Matcher v = Pattern.compile("Current version:\\s*([.\\d]+)").matcher(slots);
    this.firmwareBsp = v.find() ? BspVersion.parse(v.group(1)).filter(b -> b.major() > 0).orElse(null) : null;
    if (firmwareBsp == null) {
      throw initError("nvbootctrl dump-slots-info reports no valid firmware BSP version (incomplete flash?):\n" + slots);
    }
    if (firmwareBsp.compareTo(MINIMUM) < 0) {
      throw new OtaException(ErrorCode.PLATFORM_UNSUPPORTED, ErrorModule.BOOT_CONTROL, "firmware " + firmwareBsp
          + " boots without UEFI (R34 or later needed): use the jetson-cboot back-end");
    }
    String slot = cmd.run(ErrorCode.BOOT_CONTROL_INIT, "nvbootctrl", "get-current-slot").stdout().strip();
    if (!slot.equals("0") && !slot.equals("1")) {
      throw initError("nvbootctrl get-current-slot answered '" + slot + "', expected 0 or 1");
    }
    this.current = Integer.parseInt(slot);
    this.standby = 1 - current;
    this.rootDevice = partitions.mountSource(layout.root()).orElseThrow(
        () -> initError("cannot find the device mounted at " + layout.root()));
    String disk = cmd.run(ErrorCode.BOOT_CONTROL_INIT, "lsblk", "-idpn", "-o", "PKNAME", rootDevice).stdout().strip();
    List<String> names = new ArrayList<>();
    String esp = null;
    for (String line : cmd.run(ErrorCode.BOOT_CONTROL_INIT, "lsblk", "-Ppo", "NAME,PARTLABEL", disk).stdout().split("\n")) {
      Matcher n = Pattern.compile("NAME=\"([^\"]*)\"").matcher(line);
      Matcher l = Pattern.compile("PARTLABEL=\"([^\"]*)\"").matcher(line);
      if (n.find() && !n.group(1).equals(disk)) {
        names.add(n.group(1));
        if (l.find() && l.group(1).equals("esp")) {
          esp = n.group(1);
        }
      }
    }
    if (names.size() < 2) {
      throw initError(disk + " has no A/B rootfs partitions (1 and 2)");
    }
    if (!rootDevice.equals(names.get(current))) {
      throw initError("nvbootctrl says rootfs slot " + current + " runs but the root is " + rootDevice + ", not "
          + names.get(current));
    }
    this.standbyDevice = names.get(standby);
    this.espDevice = Optional.ofNullable(esp);
    AtomicFiles.readString(layout.root().resolve("etc/nv_tegra_release")).flatMap(BspVersion::ofTegraRelease)
        .filter(r -> !r.equals(firmwareBsp))
        .ifPresent(r -> log.warn("rootfs BSP {} differs from the firmware's {}: nvbootctrl may misbehave", r, firmwareBsp));
    log.info("Jetson UEFI: firmware {}, rootfs slot {} ({}), standby {} ({}), OTA boot device {}, ESP {}", firmwareBsp,
        current, rootDevice, standby, standbyDevice, otaBootDevice, espDevice.orElse("none"));
  }

  public JetsonUefiController(JetsonUefiLayout layout) {
    this(layout, CommandRunner.system(), null, HealthCheck.none());
  }

  private static OtaException initError(String detail) {
    return new OtaException(ErrorCode.BOOT_CONTROL_INIT, ErrorModule.BOOT_CONTROL, detail);
  }

  static OtaBootDevice otaBootDevice(String conf) {
    for (String line : conf.split("\n")) {
      String t = line.strip();
      if (t.startsWith("TEGRA_OTA_BOOT_DEVICE")) {
        String dev = t.substring("TEGRA_OTA_BOOT_DEVICE".length()).strip();
        return dev.startsWith("/dev/mtdblock0") ? OtaBootDevice.QSPI
            : dev.startsWith("/dev/mmcblk0") ? OtaBootDevice.EMMC : OtaBootDevice.UNKNOWN;
      }
    }
    return OtaBootDevice.UNKNOWN;
  }

  private static Optional<String> tnspec(String conf) {
    for (String line : conf.split("\n")) {
      String t = line.strip();
      if (t.startsWith("TNSPEC ")) {
        return Optional.of(t.substring("TNSPEC ".length()).strip());
      }
    }
    return Optional.empty();
  }

  private String dumpSlotsInfo(ErrorCode code) {
    return cmd.run(code, "nvbootctrl", "dump-slots-info").stdout();
  }

  private Optional<Integer> activeBootloaderSlot(ErrorCode code) {
    Matcher m = Pattern.compile("Active bootloader slot:\\s*([AB])").matcher(dumpSlotsInfo(code));
    return m.find() ? Optional.of(m.group(1).equals("A") ? 0 : 1) : Optional.empty();
  }

  public BspVersion firmwareBsp() {
    return firmwareBsp;
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
  protected void beforeFinalize() {
    releaseMounts(ErrorCode.BOOT_CONTROL_INIT);
  }

  @Override
  protected void initialiseFirstBoot() {
    // the boot chain that started the client works; nothing to record beyond the status files
  }

  @Override
  protected boolean bootedBySwitch() throws IOException {
    if (activeFiles().slotInUse().filter(activeSlotId()::equals).isEmpty()) {
      return false;
    }
    // TIER IV's client stops at the check above; the firmware leaves no trace of a switched boot, so the
    // slot we came from must also have handed over to this one (update and rollback both write that)
    try {
      return withStandbyFiles(SlotFiles::slotInUse).filter(activeSlotId()::equals).isPresent();
    } catch (IOException | RuntimeException e) {
      log.warn("cannot read slot {}'s status files ({}): taking slot_in_use alone as evidence of a switched boot",
          standbySlotId(), e.getMessage());
      return true;
    }
  }

  @Override
  protected boolean runningIsDefault() {
    return activeBootloaderSlot(ErrorCode.BOOT_CONTROL_INIT).filter(s -> s == current).isPresent();
  }

  @Override
  protected void makeRunningDefault() {
    // after a capsule the firmware switched the chain itself; `verify` reports (and settles) its result
    CommandResult verify = cmd.runAllowingFailure(ErrorCode.BOOT_CONTROL_INIT, List.of("nvbootctrl", "verify"));
    log.info("nvbootctrl verify: exit {} {}", verify.exitCode(), verify.stdout().strip());
    if (!runningIsDefault()) {
      cmd.run(ErrorCode.BOOT_CONTROL_INIT, "nvbootctrl", "set-active-boot-slot", activeSlotId());
    }
  }

  @Override
  protected void disarmSwitch() throws IOException {
    cmd.run(ErrorCode.POST_UPDATE, "nvbootctrl", "set-active-boot-slot", activeSlotId());
    AtomicFiles.delete(layout.efivars().resolve(OS_INDICATIONS));
    if (espDevice.isPresent()) {
      withEsp(ErrorCode.POST_UPDATE, esp -> {
        AtomicFiles.delete(esp.resolve(ESP_VARIABLES).resolve(OS_INDICATIONS));
        Path capsules = esp.resolve(CAPSULE_DIR);
        if (Files.isDirectory(capsules)) {
          AtomicFiles.emptyDirectory(capsules, java.util.Set.of());
        }
      });
    }
  }

  @Override
  protected boolean leaveRunningSlot() {
    cmd.run(ErrorCode.POST_UPDATE, "nvbootctrl", "set-active-boot-slot", standbySlotId());
    rebooter().reboot();
    return false;
  }

  @Override
  protected Standby doPrepareStandby(String newVersion, boolean reuseInPlace) throws IOException {
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

  /**
   * The BSP guard before the download: the image's {@code /etc/nv_tegra_release} is fetched alone and
   * compared with the firmware's release, as TIER IV's client does; an image without the file passes
   * (the switch checks the built standby again).
   */
  @Override
  public void vetImage(ImageFiles image) {
    Optional<BspVersion> imageBsp = image.read("/" + TEGRA_RELEASE, MAX_TEGRA_RELEASE_BYTES)
        .flatMap(b -> BspVersion.ofTegraRelease(new String(b, StandardCharsets.UTF_8)));
    if (imageBsp.isPresent() && !imageBsp.get().equals(firmwareBsp)) {
      // refused before anything is touched: another image can be sent, so the ECU stays updatable
      throw new OtaException(ErrorCode.INVALID_UPDATE_REQUEST, ErrorModule.BOOT_CONTROL, bspMismatch(imageBsp.get()));
    }
    imageBsp.ifPresent(b -> log.info("image rootfs BSP {} matches the firmware", b));
  }

  private String bspMismatch(BspVersion imageBsp) {
    return "the image's rootfs is BSP " + imageBsp + " (" + TEGRA_RELEASE + ") but the firmware is " + firmwareBsp
        + ": an update across BSP releases is refused";
  }

  @Override
  protected void doCommitSwitch(Standby sb) throws IOException {
    Path slotRoot = layout.standbyMount();
    // BSP guard, again on what was built: the firmware is not updated across releases by an OTA; a
    // rootfs of another release would run on a boot chain it was not built for
    Optional<BspVersion> imageBsp = AtomicFiles.readString(slotRoot.resolve(TEGRA_RELEASE))
        .flatMap(BspVersion::ofTegraRelease);
    if (imageBsp.isPresent() && !imageBsp.get().equals(firmwareBsp)) {
      throw new OtaException(ErrorCode.POST_UPDATE, ErrorModule.BOOT_CONTROL, bspMismatch(imageBsp.get()));
    }
    Path extlinux = slotRoot.resolve("boot/extlinux/extlinux.conf");
    if (!Files.isRegularFile(extlinux)) {
      throw new OtaException(ErrorCode.POST_UPDATE, ErrorModule.BOOT_CONTROL, extlinux
          + " is missing: L4TLauncher could not boot the new slot");
    }
    String partuuid = partitions.tag(standbyDevice, "PARTUUID", ErrorCode.POST_UPDATE).orElseThrow(
        () -> new OtaException(ErrorCode.POST_UPDATE, ErrorModule.BOOT_CONTROL, "no PARTUUID for " + standbyDevice));
    AtomicFiles.writeString(extlinux, ExtlinuxConfig.rewriteRoot(Files.readString(extlinux), partuuid));
    Path ota = layout.root().resolve("boot/ota");
    if (Files.isDirectory(ota)) {
      DirectoryMirror.mirror(ota, slotRoot.resolve("boot/ota"));
    }
    activeBootloaderSlot(ErrorCode.POST_UPDATE).filter(s -> s != current).ifPresent(s -> {
      log.warn("active boot chain {} is not the running slot {} (an interrupted update?): correcting it", s, current);
      cmd.run(ErrorCode.POST_UPDATE, "nvbootctrl", "set-active-boot-slot", activeSlotId());
    });
    boolean capsule = prepareFirmware(slotRoot);
    releaseMounts(ErrorCode.POST_UPDATE);
    if (otaBootDevice == OtaBootDevice.QSPI) {
      resetRootfsStatus();
    }
    if (capsule) {
      triggerCapsule();
      log.info("firmware capsule armed: the firmware applies it and switches to slot {} at the next boot", standby);
    } else {
      cmd.run(ErrorCode.POST_UPDATE, "nvbootctrl", "set-active-boot-slot", standbySlotId());
    }
  }

  @Override
  protected void doPrepareRollback() {
    cmd.run(ErrorCode.PRE_ROLLBACK, "nvbootctrl", "set-active-boot-slot", standbySlotId());
  }

  @Override
  protected void releaseStandby() {
    releaseMounts(ErrorCode.POST_UPDATE);
  }

  // ---------------------------------------------------------------- firmware

  /**
   * Puts the requested capsules (digests checked) on the ESP and L4TLauncher too when the image's is
   * newer. Returns whether a capsule was prepared; false (the switch is then manual) whenever the
   * package is absent or does not apply, which is logged.
   */
  private boolean prepareFirmware(Path slotRoot) throws IOException {
    Optional<FirmwarePackage> pkg = FirmwarePackage.load(slotRoot);
    if (pkg.isEmpty()) {
      log.info("no firmware update requested by the image");
      return false;
    }
    FirmwarePackage p = pkg.get();
    String skip = firmwareSkipReason(p);
    if (skip != null) {
      log.warn("firmware update of the image ({}) skipped: {}", p.bspVersion(), skip);
      return false;
    }
    boolean[] prepared = {false};
    withEsp(ErrorCode.POST_UPDATE, esp -> {
      Path capsules = Files.createDirectories(esp.resolve(CAPSULE_DIR));
      for (Payload pl : p.payloads()) {
        if (pl.type().equals("UEFI-CAPSULE")) {
          Path src = slotRoot.resolve(pl.file().replaceFirst("^/+", ""));
          checkDigest(src, pl);
          AtomicFiles.copy(src, capsules.resolve(pl.name()));
          prepared[0] = true;
        }
      }
      if (prepared[0]) {
        updateLauncher(esp, slotRoot, p);
      }
      Fsync.filesystem(esp);
    });
    return prepared[0];
  }

  private String firmwareSkipReason(FirmwarePackage p) {
    if (firmwareBsp.compareTo(MINIMUM_CAPSULE) < 0) {
      return "the running firmware " + firmwareBsp + " predates capsule updates (" + MINIMUM_CAPSULE + ")";
    }
    if (p.bspVersion().compareTo(MINIMUM_CAPSULE) < 0) {
      return "firmware below " + MINIMUM_CAPSULE + " cannot be installed by capsule";
    }
    if (p.bspVersion().compareTo(firmwareBsp) < 0) {
      return "the running firmware " + firmwareBsp + " is newer; firmware is never downgraded";
    }
    Optional<String> tnspec = tnspec(nvConf);
    if (tnspec.isEmpty()) {
      return "no TNSPEC in " + layout.nvBootControlConf();
    }
    if (!p.compatibleWith(tnspec.get())) {
      return "the package is for " + p.compat() + ", not this board (" + tnspec.get() + ")";
    }
    if (otaBootDevice == OtaBootDevice.UNKNOWN) {
      return "TEGRA_OTA_BOOT_DEVICE in " + layout.nvBootControlConf() + " is neither QSPI nor eMMC";
    }
    if (espDevice.isEmpty()) {
      return "no ESP (PARTLABEL esp) on the boot disk";
    }
    return null;
  }

  /** L4TLauncher from the image when it is newer than the installed one (whose version file or the firmware's tells). */
  private void updateLauncher(Path esp, Path slotRoot, FirmwarePackage p) throws IOException {
    Path launcher = esp.resolve(LAUNCHER);
    BspVersion installed = firmwareBsp;
    Optional<String> record = AtomicFiles.readString(esp.resolve(LAUNCHER_VERSION)).map(String::strip);
    String have = Files.isRegularFile(launcher) ? ContentHash.of(launcher) : "";
    if (record.isPresent() && record.get().endsWith(":" + have)) {
      installed = BspVersion.parse(record.get().substring(0, record.get().indexOf(':'))).orElse(firmwareBsp);
    }
    if (installed.compareTo(p.bspVersion()) >= 0) {
      log.info("L4TLauncher {} is not older than the image's {}: kept", installed, p.bspVersion());
      return;
    }
    for (Payload pl : p.payloads()) {
      if (pl.type().equals("UEFI-BOOT-APP")) {
        Path src = slotRoot.resolve(pl.file().replaceFirst("^/+", ""));
        checkDigest(src, pl);
        if (Files.isRegularFile(launcher)) {
          AtomicFiles.copy(launcher, launcher.resolveSibling("BOOTAA64.efi_bak"));
        }
        AtomicFiles.copy(src, launcher);
        AtomicFiles.writeString(esp.resolve(LAUNCHER_VERSION), p.bspVersion() + ":" + pl.digest());
        log.info("L4TLauncher updated to {}", p.bspVersion());
        return;
      }
    }
  }

  private static void checkDigest(Path file, Payload pl) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new OtaException(ErrorCode.POST_UPDATE, ErrorModule.BOOT_CONTROL, "firmware payload " + pl.name()
          + ": " + file + " is missing from the image");
    }
    MessageDigest md;
    try {
      md = MessageDigest.getInstance(pl.digestAlgorithm().equalsIgnoreCase("sha256") ? "SHA-256" : pl.digestAlgorithm());
    } catch (NoSuchAlgorithmException e) {
      throw new OtaException(ErrorCode.POST_UPDATE, ErrorModule.BOOT_CONTROL, "firmware payload " + pl.name()
          + ": unknown digest algorithm " + pl.digestAlgorithm());
    }
    String got = java.util.HexFormat.of().formatHex(md.digest(Files.readAllBytes(file)));
    if (!got.equals(pl.digest())) {
      throw new OtaException(ErrorCode.POST_UPDATE, ErrorModule.BOOT_CONTROL, "firmware payload " + pl.name()
          + ": " + file + " has " + pl.digestAlgorithm() + " " + got + ", the manifest says " + pl.digest());
    }
  }

  /** The variable that makes the firmware look for capsules at the next boot, where this device keeps it. */
  private void triggerCapsule() throws IOException {
    if (otaBootDevice == OtaBootDevice.QSPI) {
      Path var = layout.efivars().resolve(OS_INDICATIONS);
      Files.write(var, CAPSULE_TRIGGER);
      Fsync.filesystem(layout.efivars());
    } else {
      withEsp(ErrorCode.POST_UPDATE, esp -> {
        Path dir = Files.createDirectories(esp.resolve(ESP_VARIABLES));
        AtomicFiles.copy(writeTemp(CAPSULE_TRIGGER), dir.resolve(OS_INDICATIONS));
        Fsync.filesystem(esp);
      });
    }
  }

  /**
   * UEFI marks a rootfs slot unbootable once its boots failed and never starts it again, so after a
   * failed update the next one would silently fall back. As TIER IV's client does on QSPI devices, both
   * flags are reset to bootable (best effort: a failure is logged, the update goes on). efivarfs files
   * are immutable and cannot be renamed over: the flag is cleared and the variable written in place.
   */
  private void resetRootfsStatus() {
    for (String name : ROOTFS_STATUS) {
      Path var = layout.efivars().resolve(name);
      if (!Files.exists(var)) {
        continue;
      }
      cmd.runAllowingFailure(ErrorCode.POST_UPDATE, List.of("chattr", "-i", var.toString()));
      try {
        Files.write(var, ROOTFS_BOOTABLE);
        log.info("{} reset to bootable", name);
      } catch (IOException e) {
        log.warn("could not reset {} to bootable: {}", name, e.getMessage());
      }
    }
  }

  private static Path writeTemp(byte[] content) throws IOException {
    Path t = Files.createTempFile("ota-capsule-trigger", ".bin");
    Files.write(t, content);
    t.toFile().deleteOnExit();
    return t;
  }

  private void withEsp(ErrorCode code, IoConsumer body) throws IOException {
    Path mnt = layout.espMount();
    partitions.mount(espDevice.orElseThrow(() -> new OtaException(code, ErrorModule.BOOT_CONTROL,
        "no ESP (PARTLABEL esp) on the boot disk")), mnt, code);
    try {
      body.accept(mnt);
    } finally {
      partitions.unmount(mnt, code);
    }
  }

  @FunctionalInterface
  private interface IoConsumer {
    void accept(Path p) throws IOException;
  }

  private void releaseMounts(ErrorCode code) {
    try {
      partitions.release(code, List.of(layout.espMount(), layout.standbyMount(), layout.refrootMount()));
    } finally {
      standbyMounted = false;
      refrootMounted = false;
    }
  }

  /** Paths of the controller on a device. */
  public record JetsonUefiLayout(Path root, Path compatibleFile, Path nvBootControlConf, Path efivars, Path espMount,
      Path standbyMount, Path refrootMount) {
    public static JetsonUefiLayout system() {
      return new JetsonUefiLayout(Path.of("/"), Path.of("/sys/firmware/devicetree/base/compatible"),
          Path.of("/etc/nv_boot_control.conf"), Path.of("/sys/firmware/efi/efivars"), Path.of("/mnt/esp"),
          Path.of("/mnt/standby"), Path.of("/mnt/refroot"));
    }
  }
}
