package dev.otaclient.internal.boot;

import dev.otaclient.error.ErrorApi;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.internal.fs.TempNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * GRUB A/B in the layout of TIER IV's client from 3.14 on: one folder per slot on the shared boot
 * partition, the slot to boot chosen through {@code grubenv}, menu entries generated per slot.
 *
 * <pre>
 * /boot/ota-slot_a/, ota-slot_b/   vmlinuz-&lt;ver&gt;, initrd.img-&lt;ver&gt;, grub/ (for grub-mkconfig),
 *                                  status, version, slot_in_use, failure_reason
 * /boot/vmlinuz-&lt;ver&gt;, initrd.img-&lt;ver&gt;   copies of each slot's kernel (older clients bootstrap from them)
 * /boot/grub/ota-slot_a.cfg, ota-slot_b.cfg    one menu entry each, id = title = the slot
 * /boot/grub/grub.cfg              OTA-managed: grub-mkconfig output that sources the two entries,
 *                                  with a header and a footer carrying a checksum
 * /boot/grub/grubenv               saved_entry=&lt;default slot&gt; [next_entry=&lt;one-shot slot&gt;]
 * each slot: /etc/grub.d/30_ota (sources the entries), /etc/default/grub (GRUB_DEFAULT=saved), /etc/fstab
 * </pre>
 *
 * Partitions by position on the disk of the running root: UEFI (first partition an ESP) ESP, /boot,
 * slot A, slot B; BIOS /boot, slot A, slot B. Slot ids are {@code ota-slot_a}, {@code ota-slot_b}.
 *
 * <p>At start-up the layout of the boot partition decides: a managed, intact grub.cfg is this layout;
 * a grub.cfg that is a symlink is the 2022 {@code ota-partition} layout, migrated in place (its status
 * files carried over, then this layout set up, the atomic replacement of grub.cfg last); anything else
 * is set up from the running kernel. Until grub.cfg is replaced GRUB boots through the old files, after
 * it through the new ones: a power cut at any step leaves a device that boots on one layout or the other.
 *
 * <p>Evidence of a switched boot: the running slot's {@code slot_in_use} names it while grubenv's
 * default ({@code saved_entry}) is still the other slot. Finalisation sets {@code saved_entry}.
 */
public final class GrubSlotsController extends PartitionedSlots {
  /** GPT type of an EFI system partition. */
  static final String ESP_TYPE = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";
  private static final Set<String> KEPT_IN_SLOT_FOLDER = Set.of(SlotFiles.STATUS, SlotFiles.VERSION,
      SlotFiles.SLOT_IN_USE, SlotFiles.FAILURE_REASON, "version_detail", "grub");
  private static final List<String> CARRIED = List.of(SlotFiles.STATUS, SlotFiles.VERSION, SlotFiles.FAILURE_REASON,
      "version_detail");

  /** What the boot partition holds at start-up. */
  public enum BootLayout { CURRENT, OLD_OTA_PARTITION, UNMANAGED }

  private final GrubSlotsLayout layout;
  private final GrubEnv env;
  private final String activeDevice;
  private final String standbyDevice;
  private final String bootDevice;
  private final Optional<String> efiDevice;
  private final String activeSlot;
  private final String standbySlot;
  private final Map<String, String> deviceOf = new LinkedHashMap<>();
  private boolean refrootMounted;

  /** Detects the partitions ({@code findmnt}, {@code lsblk}); fails with BOOT_CONTROL_INIT (302) on an unexpected layout. */
  public GrubSlotsController(GrubSlotsLayout layout, CommandRunner cmd, Rebooter rebooter, HealthCheck healthCheck) {
    super(cmd, rebooter, healthCheck);
    this.layout = layout;
    this.env = new GrubEnv(cmd, layout.grubDir().resolve("grubenv"));
    this.activeDevice = partitions.mountSource(layout.root()).orElseThrow(
        () -> initError("cannot find the device mounted at " + layout.root()));
    String disk = cmd.run(ErrorCode.BOOT_CONTROL_INIT, "lsblk", "-idpn", "-o", "PKNAME", activeDevice).stdout().strip();
    if (disk.isEmpty()) {
      throw initError("cannot find the disk of " + activeDevice);
    }
    List<Map<String, String>> parts = new ArrayList<>();
    for (String line : cmd.run(ErrorCode.BOOT_CONTROL_INIT, "lsblk", "-Ppo", "NAME,FSTYPE,UUID,PARTTYPE", disk)
        .stdout().split("\n")) {
      Map<String, String> p = pairs(line);
      if (!p.getOrDefault("NAME", "").isEmpty() && !p.get("NAME").equals(disk)) {
        parts.add(p);
      }
    }
    boolean uefi = !parts.isEmpty() && ESP_TYPE.equalsIgnoreCase(parts.get(0).getOrDefault("PARTTYPE", ""));
    int first = uefi ? 1 : 0;
    if (parts.size() < first + 3) {
      throw initError(disk + " has " + parts.size() + " partitions; a " + (uefi ? "UEFI" : "BIOS")
          + " GRUB A/B disk needs " + (uefi ? "ESP, /boot, slot A, slot B" : "/boot, slot A, slot B"));
    }
    this.efiDevice = uefi ? Optional.of(parts.get(0).get("NAME")) : Optional.empty();
    this.bootDevice = parts.get(first).get("NAME");
    deviceOf.put(GrubSlotConfig.SLOT_A, parts.get(first + 1).get("NAME"));
    deviceOf.put(GrubSlotConfig.SLOT_B, parts.get(first + 2).get("NAME"));
    if (activeDevice.equals(deviceOf.get(GrubSlotConfig.SLOT_A))) {
      activeSlot = GrubSlotConfig.SLOT_A;
      standbySlot = GrubSlotConfig.SLOT_B;
    } else if (activeDevice.equals(deviceOf.get(GrubSlotConfig.SLOT_B))) {
      activeSlot = GrubSlotConfig.SLOT_B;
      standbySlot = GrubSlotConfig.SLOT_A;
    } else {
      throw initError("the running root " + activeDevice + " is neither slot A (" + deviceOf.get(GrubSlotConfig.SLOT_A)
          + ") nor slot B (" + deviceOf.get(GrubSlotConfig.SLOT_B) + ") of " + disk);
    }
    this.standbyDevice = deviceOf.get(standbySlot);
    String mountedBoot = partitions.mountSource(layout.boot()).orElseThrow(
        () -> initError("nothing is mounted at " + layout.boot() + " (the boot partition " + bootDevice + " must be)"));
    if (!mountedBoot.equals(bootDevice)) {
      throw initError(layout.boot() + " is " + mountedBoot + ", not the boot partition " + bootDevice + " of " + disk);
    }
    log.info("GRUB per-slot layout ({}): active {} ({}), standby {} ({}), boot {}{}", uefi ? "UEFI" : "BIOS",
        activeSlot, activeDevice, standbySlot, standbyDevice, bootDevice, efiDevice.map(e -> ", ESP " + e).orElse(""));
  }

  public GrubSlotsController(GrubSlotsLayout layout) {
    this(layout, CommandRunner.system(), null, HealthCheck.none());
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

  /** What the boot partition holds now. */
  public BootLayout bootLayout() {
    Path cfg = layout.grubCfg();
    if (Files.isSymbolicLink(cfg)) {
      return BootLayout.OLD_OTA_PARTITION;
    }
    return AtomicFiles.readString(cfg).filter(GrubSlotConfig::isValidManaged).isPresent()
        ? BootLayout.CURRENT : BootLayout.UNMANAGED;
  }

  private static Map<String, String> pairs(String line) {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m = Pattern.compile("([A-Z:-]+)=\"([^\"]*)\"").matcher(line);
    while (m.find()) {
      out.put(m.group(1), m.group(2));
    }
    return out;
  }

  private static OtaException initError(String detail) {
    return new OtaException(ErrorCode.BOOT_CONTROL_INIT, ErrorModule.BOOT_CONTROL, detail);
  }

  private Path folder(String slot) {
    return layout.boot().resolve(slot);
  }

  private Path entryFile(String slot) {
    return layout.grubDir().resolve(slot + ".cfg");
  }

  /** The 2022 layout's folder of a slot: named after its device ({@code ota-partition.sda3}). */
  private Path legacyFolder(String slot) {
    String name = Path.of(deviceOf.get(slot)).getFileName().toString();
    Path full = layout.boot().resolve("ota-partition." + name);
    // the Python client of 2022 stripped the characters of "/dev" from the left (vda2 became a2)
    Path stripped = layout.boot().resolve("ota-partition." + deviceOf.get(slot).replaceFirst("^[/dev]+", ""));
    return Files.isDirectory(full) || !Files.isDirectory(stripped) ? full : stripped;
  }

  // ---------------------------------------------------------------- state-machine primitives

  @Override
  protected SlotFiles activeFiles() throws IOException {
    return new SlotFiles(Files.createDirectories(folder(activeSlot)));
  }

  @Override
  protected <T> T withStandbyFiles(IoFunction<SlotFiles, T> fn) throws IOException {
    return fn.apply(new SlotFiles(Files.createDirectories(folder(standbySlot))));
  }

  /** Sweeps temporary names, then brings the boot partition to this layout (migration or set-up) if needed. */
  @Override
  protected void beforeFinalize() throws IOException {
    int n = TempNames.removeLeftovers(folder(activeSlot)) + TempNames.removeLeftovers(folder(standbySlot));
    for (Path written : List.of(layout.grubCfg(), env.file(), entryFile(GrubSlotConfig.SLOT_A),
        entryFile(GrubSlotConfig.SLOT_B))) {
      n += TempNames.removeLeftoversOf(written);
    }
    // the set-up rewrites files of the running root too (prepareSlotRoot); a cut mid-write leaves temp files
    for (String f : List.of("etc/fstab", "etc/default/grub", "etc/grub.d/" + GrubSlotConfig.HOOK_NAME,
        "etc/grub.d/" + GrubSlotConfig.UEFI_FIRMWARE_HOOK)) {
      n += TempNames.removeLeftoversOf(layout.root().resolve(f));
    }
    if (n > 0) {
      log.info("removed {} temporary files left by interrupted writes", n);
    }
    releaseMounts(ErrorCode.BOOT_CONTROL_INIT);
    switch (bootLayout()) {
      case CURRENT -> { }
      case OLD_OTA_PARTITION -> migrate();
      case UNMANAGED -> setUp();
    }
  }

  @Override
  protected void initialiseFirstBoot() {
    // the layout was set up by beforeFinalize; nothing is specific to the first status file
  }

  @Override
  protected boolean bootedBySwitch() throws IOException {
    return activeFiles().slotInUse().filter(activeSlot::equals).isPresent()
        && !env.get("saved_entry", ErrorCode.BOOT_CONTROL_INIT).filter(activeSlot::equals).isPresent();
  }

  @Override
  protected boolean runningIsDefault() {
    return env.get("saved_entry", ErrorCode.BOOT_CONTROL_INIT).filter(activeSlot::equals).isPresent();
  }

  @Override
  protected void makeRunningDefault() throws IOException {
    env.write(Map.of("saved_entry", activeSlot), ErrorCode.BOOT_CONTROL_INIT);
  }

  @Override
  protected void disarmSwitch() throws IOException {
    Map<String, String> now = env.read(ErrorCode.POST_UPDATE);
    if (now.containsKey("next_entry")) {
      env.write(Map.of("saved_entry", now.getOrDefault("saved_entry", activeSlot)), ErrorCode.POST_UPDATE);
    }
  }

  @Override
  protected boolean leaveRunningSlot() {
    // saved_entry still names the previous slot, so a normal boot starts it
    rebooter().reboot();
    return false;
  }

  @Override
  protected Standby doPrepareStandby(String newVersion, boolean reuseInPlace) throws IOException {
    Path folder = Files.createDirectories(folder(standbySlot));
    markStandbyUpdating(new SlotFiles(folder), newVersion);
    // GRUB must not be able to start a half-built slot, even through a stale one-shot entry
    AtomicFiles.delete(entryFile(standbySlot));
    releaseMounts(ErrorCode.PRE_UPDATE);
    boolean reuse = partitions.reuseOrFormat(standbyDevice, reuseInPlace);
    partitions.mountStandby(standbyDevice, layout.standbyMount());
    partitions.bindReadOnly(layout.root(), layout.refrootMount());
    refrootMounted = true;
    AtomicFiles.emptyDirectory(folder, KEPT_IN_SLOT_FOLDER);
    Path boot = Files.createDirectories(layout.standbyMount().resolve("boot"));
    return new Standby(layout.standbyMount(), boot, reuse);
  }

  @Override
  protected void doCommitSwitch(Standby standby) throws IOException {
    Path slotRoot = layout.standbyMount();
    String kernel = kernelVersion(slotRoot.resolve("boot"), ErrorCode.POST_UPDATE);
    Path folder = Files.createDirectories(folder(standbySlot));
    AtomicFiles.emptyDirectory(folder, KEPT_IN_SLOT_FOLDER);
    installBootFiles(slotRoot.resolve("boot"), kernel, folder);
    String reference = AtomicFiles.readString(layout.root().resolve("etc/fstab")).orElse("");
    prepareSlotRoot(slotRoot, standbyDevice, Optional.of(reference), ErrorCode.POST_UPDATE);
    writeEntry(standbySlot, slotRoot, folder, kernel, ErrorCode.POST_UPDATE);
    releaseMounts(ErrorCode.POST_UPDATE);
    Map<String, String> vars = new LinkedHashMap<>();
    vars.put("saved_entry", activeSlot);
    vars.put("next_entry", standbySlot);
    env.write(vars, ErrorCode.POST_UPDATE);
    // an older client installed by this image must set itself up afresh, not trust a stale folder
    Path legacy = legacyFolder(standbySlot);
    if (Files.isDirectory(legacy, LinkOption.NOFOLLOW_LINKS)) {
      AtomicFiles.deleteTree(legacy);
    }
  }

  @Override
  protected void doPrepareRollback() throws IOException {
    if (!Files.isRegularFile(entryFile(standbySlot))) {
      throw new OtaException(ErrorCode.PRE_ROLLBACK, ErrorModule.BOOT_CONTROL, ErrorApi.ROLLBACK,
          entryFile(standbySlot) + " is missing: slot " + standbySlot + " has no boot entry", null);
    }
    Map<String, String> vars = new LinkedHashMap<>();
    vars.put("saved_entry", activeSlot);
    vars.put("next_entry", standbySlot);
    env.write(vars, ErrorCode.PRE_ROLLBACK);
  }

  @Override
  protected void releaseStandby() {
    releaseMounts(ErrorCode.POST_UPDATE);
  }

  // ---------------------------------------------------------------- set-up and migration

  /**
   * The 2022 layout to this one. The running slot's status files (and the other slot's, so the state
   * table can read them) are carried into the new folders with {@code slot_in_use} translated; then
   * the layout is set up. The old folders stay as they are; nothing the old layout boots from is
   * changed before grub.cfg is replaced.
   */
  private void migrate() throws IOException {
    log.info("boot partition on the 2022 ota-partition layout: migrating to per-slot folders");
    for (String slot : List.of(activeSlot, standbySlot)) {
      Path from = legacyFolder(slot);
      if (!Files.isDirectory(from)) {
        continue;
      }
      Path to = Files.createDirectories(folder(slot));
      for (String f : CARRIED) {
        Optional<String> v = AtomicFiles.readString(from.resolve(f));
        if (v.isPresent()) {
          AtomicFiles.writeString(to.resolve(f), v.get());
        } else {
          AtomicFiles.delete(to.resolve(f));
        }
      }
      Optional<String> inUse = AtomicFiles.readString(from.resolve(SlotFiles.SLOT_IN_USE)).map(String::strip)
          .filter(s -> !s.isEmpty());
      if (inUse.isPresent()) {
        AtomicFiles.writeString(to.resolve(SlotFiles.SLOT_IN_USE), translateLegacySlot(inUse.get()));
      } else {
        AtomicFiles.delete(to.resolve(SlotFiles.SLOT_IN_USE));
      }
    }
    setUp();
  }

  /** A 2022 slot id (a device name) as a slot of this layout; an unknown one as the running slot. */
  String translateLegacySlot(String legacy) {
    for (String slot : List.of(GrubSlotConfig.SLOT_A, GrubSlotConfig.SLOT_B)) {
      String name = legacyFolder(slot).getFileName().toString().substring("ota-partition.".length());
      if (legacy.equals(name) || legacy.equals(Path.of(deviceOf.get(slot)).getFileName().toString())) {
        return slot;
      }
    }
    log.warn("slot_in_use '{}' of the 2022 layout names neither slot; taking it as {}", legacy, activeSlot);
    return activeSlot;
  }

  /**
   * Sets this layout up from the running system: the running kernel into the slot folder, the running
   * root prepared (fstab, /etc/default/grub, the hooks), its entry generated, grubenv's default set, and
   * last the managed grub.cfg, which is the switch to this layout.
   */
  private void setUp() throws IOException {
    String cmdline = Files.readString(layout.procCmdline());
    String image = GrubSlotConfig.bootImage(cmdline).orElseThrow(
        () -> initError(layout.procCmdline() + ": no BOOT_IMAGE= to tell which kernel is running"));
    String rel = image.startsWith("/boot/") && !Files.exists(layout.boot().resolve(image.substring(1)))
        ? image.substring("/boot/".length()) : image.replaceFirst("^/+", "");
    Path kernel;
    try {
      kernel = layout.boot().resolve(rel).toRealPath();
    } catch (IOException e) {
      throw initError("the running kernel " + image + " is not on the boot partition " + layout.boot());
    }
    String name = kernel.getFileName().toString();
    if (!name.startsWith("vmlinuz-")) {
      throw initError("the running kernel " + kernel + " is not named vmlinuz-<version>");
    }
    String version = name.substring("vmlinuz-".length());
    Path initrd = kernel.resolveSibling("initrd.img-" + version);
    if (!Files.isRegularFile(initrd)) {
      throw initError("no initrd.img-" + version + " beside the running kernel " + kernel);
    }
    log.info("setting up the per-slot GRUB layout for {} from the running kernel {}", activeSlot, kernel);
    Path folder = Files.createDirectories(folder(activeSlot));
    installBootFiles(kernel.getParent(), version, folder);
    Path work = layout.setupMount();
    Files.createDirectories(work);
    cmd.run(ErrorCode.BOOT_CONTROL_INIT, "mount", "--bind", layout.root().toString(), work.toString());
    try {
      String own = AtomicFiles.readString(work.resolve("etc/fstab")).orElse("");
      prepareSlotRoot(work, activeDevice, Optional.of(own), ErrorCode.BOOT_CONTROL_INIT);
      writeEntry(activeSlot, work, folder, version, ErrorCode.BOOT_CONTROL_INIT);
      env.write(Map.of("saved_entry", activeSlot), ErrorCode.BOOT_CONTROL_INIT);
      Path empty = layout.boot().resolve(".ota-setup-empty");
      AtomicFiles.deleteTree(empty);
      Files.createDirectories(empty.resolve("grub"));
      try {
        String generated = mkconfigIn(work, empty, ErrorCode.BOOT_CONTROL_INIT);
        String version2 = GrubSlotConfig.grubVersion(
            chroot(work, ErrorCode.BOOT_CONTROL_INIT, "grub-mkconfig", "--version"));
        AtomicFiles.writeString(layout.grubCfg(), GrubSlotConfig.managed(generated, version2));
      } finally {
        AtomicFiles.deleteTree(empty);
      }
    } finally {
      partitions.release(ErrorCode.BOOT_CONTROL_INIT, chrootMounts(work));
      partitions.unmountIfMounted(work, ErrorCode.BOOT_CONTROL_INIT);
    }
    log.info("boot partition now on the per-slot layout, {} the default", activeSlot);
  }

  /** fstab, /etc/default/grub and the grub.d hooks of a slot mounted at {@code slotRoot}. */
  private void prepareSlotRoot(Path slotRoot, String device, Optional<String> referenceFstab, ErrorCode code)
      throws IOException {
    String uuid = partitions.uuid(device, code);
    Path fstab = slotRoot.resolve("etc/fstab");
    AtomicFiles.writeString(fstab, GrubSlotConfig.fstab(AtomicFiles.readString(fstab).orElse(""), referenceFstab, uuid,
        partitions.uuid(bootDevice, code), efiDevice.isPresent() ? Optional.of(partitions.uuid(efiDevice.get(), code))
            : Optional.empty()));
    Path defaults = slotRoot.resolve("etc/default/grub");
    Files.createDirectories(defaults.getParent());
    AtomicFiles.writeString(defaults, GrubSlotConfig.defaultGrub(AtomicFiles.readString(defaults).orElse("")));
    Path hooks = Files.createDirectories(slotRoot.resolve("etc/grub.d"));
    AtomicFiles.writeString(hooks.resolve(GrubSlotConfig.HOOK_NAME), GrubSlotConfig.HOOK);
    Files.setPosixFilePermissions(hooks.resolve(GrubSlotConfig.HOOK_NAME), PosixFilePermissions.fromString("rwxr-x---"));
    Path uefi = hooks.resolve(GrubSlotConfig.UEFI_FIRMWARE_HOOK);
    if (Files.exists(uefi, LinkOption.NOFOLLOW_LINKS)) {
      // a regular file replaces a link without following it; not executable, so grub-mkconfig skips it
      AtomicFiles.writeString(uefi, GrubSlotConfig.UEFI_FIRMWARE_STUB);
      Files.setPosixFilePermissions(uefi, PosixFilePermissions.fromString("rw-r-----"));
    }
  }

  /** Generates the slot's entry with grub-mkconfig in the slot, with the slot folder as its /boot. */
  private void writeEntry(String slot, Path slotRoot, Path folder, String kernel, ErrorCode code) throws IOException {
    Files.createDirectories(folder.resolve("grub"));
    String generated = mkconfigIn(slotRoot, folder, code);
    String entry = GrubSlotConfig.slotEntry(generated, slot, kernel).orElseThrow(() -> new OtaException(code,
        ErrorModule.BOOT_CONTROL, "grub-mkconfig in " + slotRoot + " produced no entry for vmlinuz-" + kernel));
    AtomicFiles.writeString(entryFile(slot), entry + "\n");
  }

  /** Copies the regular files {@code *<kernel>} of {@code from} into the slot folder and (for older clients) /boot. */
  private void installBootFiles(Path from, String kernel, Path folder) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(from)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(kernel))
          .filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList();
    }
    for (Path f : files) {
      Path target = folder.resolve(f.getFileName());
      if (!f.equals(target)) {
        AtomicFiles.copy(f, target);
      }
      Path top = layout.boot().resolve(f.getFileName());
      if (!f.equals(top)) {
        AtomicFiles.copy(f, top);
      }
    }
  }

  /** The kernel version in a slot's /boot: the newest {@code vmlinuz-<v>} with an {@code initrd.img-<v>}. */
  private static String kernelVersion(Path boot, ErrorCode code) throws IOException {
    try (Stream<Path> s = Files.list(boot)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("vmlinuz-"))
          .map(n -> n.substring("vmlinuz-".length()))
          .filter(v -> Files.isRegularFile(boot.resolve("vmlinuz-" + v), LinkOption.NOFOLLOW_LINKS)
              && Files.isRegularFile(boot.resolve("initrd.img-" + v)))
          .max(Comparator.comparing(v -> v, GrubController::compareVersions))
          .orElseThrow(() -> new OtaException(code, ErrorModule.BOOT_CONTROL,
              boot + " has no vmlinuz-<version> with a matching initrd.img-<version>"));
    }
  }

  /** grub-mkconfig run in the slot at {@code slotRoot} (chroot), with {@code bootSource} as its /boot. */
  private String mkconfigIn(Path slotRoot, Path bootSource, ErrorCode code) throws IOException {
    return new SlotChroot(cmd, partitions, false).run(slotRoot, chrootBinds(bootSource), Map.of(), code,
        List.of("grub-mkconfig")).stdout();
  }

  private static List<SlotChroot.Bind> chrootBinds(Path bootSource) {
    return List.of(new SlotChroot.Bind(Path.of("/proc"), "proc"), new SlotChroot.Bind(Path.of("/sys"), "sys"),
        new SlotChroot.Bind(Path.of("/dev"), "dev"), new SlotChroot.Bind(bootSource, "boot"));
  }

  private String chroot(Path slotRoot, ErrorCode code, String... argv) throws IOException {
    return new SlotChroot(cmd, partitions, false).run(slotRoot, List.of(), Map.of(), code, List.of(argv)).stdout();
  }

  /** The bind mounts of a chroot at {@code slotRoot}, in unmount order (where they sit; their sources do not matter). */
  private static List<Path> chrootMounts(Path slotRoot) {
    return SlotChroot.unmountOrder(slotRoot, chrootBinds(slotRoot.resolve("boot")));
  }

  private void releaseMounts(ErrorCode code) {
    try {
      List<Path> all = new ArrayList<>(chrootMounts(layout.standbyMount()));
      all.addAll(chrootMounts(layout.setupMount()));
      all.addAll(List.of(layout.standbyMount(), layout.refrootMount(), layout.setupMount()));
      partitions.release(code, all);
    } finally {
      refrootMounted = false;
    }
  }
}
