package dev.otaclient.internal.boot;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.internal.fs.TempNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A/B slots on x86_64 with GRUB (reference §3.2), on disk compatible with the Python client: a
 * device it provisioned keeps working, and vice versa.
 *
 * <pre>
 * /boot/ota-partition            -&gt; ota-partition.&lt;active&gt;   (which slot is the default)
 * /boot/ota-partition.&lt;slot&gt;/     status, version, slot_in_use, failure_reason, grub.cfg,
 *                                vmlinuz-&lt;ver&gt;, initrd.img-&lt;ver&gt;, vmlinuz-ota -&gt;, initrd.img-ota -&gt;
 * /boot/vmlinuz-ota              -&gt; ota-partition/vmlinuz-ota
 * /boot/initrd.img-ota           -&gt; ota-partition/initrd.img-ota
 * /boot/vmlinuz-ota.standby      -&gt; ota-partition.&lt;standby&gt;/vmlinuz-ota
 * /boot/initrd.img-ota.standby   -&gt; ota-partition.&lt;standby&gt;/initrd.img-ota
 * /boot/grub/grub.cfg            -&gt; ../ota-partition/grub.cfg
 * </pre>
 *
 * Slot ids are device names ({@code /dev/nvme0n1p2} -&gt; {@code nvme0n1p2}); the Python client's
 * character-stripping (Q9, {@code /dev/vda2} -&gt; {@code a2}) is not replicated. {@code GRUB_DEFAULT}
 * is always written, also for index 0 (Q10 fixed). Evidence of a switched boot: the running slot is
 * not the one {@code ota-partition} points to.
 */
public final class GrubController extends PartitionedSlots {
  private static final String LINK = "ota-partition";
  private static final Set<String> KEPT_IN_STANDBY_FOLDER = Set.of(
      SlotFiles.STATUS, SlotFiles.VERSION, SlotFiles.SLOT_IN_USE, SlotFiles.FAILURE_REASON, "grub.cfg");

  private final GrubLayout layout;
  private final String activeDevice;
  private final String standbyDevice;
  private final String activeSlot;
  private final String standbySlot;
  private boolean refrootMounted;

  /** Detects the slots with {@code findmnt}/{@code lsblk}; fails with BOOT_CONTROL_INIT (302) on an unexpected layout. */
  public GrubController(GrubLayout layout, CommandRunner cmd, Rebooter rebooter, HealthCheck healthCheck) {
    super(cmd, rebooter, healthCheck);
    this.layout = layout;
    this.activeDevice = partitions.mountSource(layout.root()).orElseThrow(
        () -> initError("cannot find the device mounted at " + layout.root()));
    String bootDevice = partitions.mountSource(layout.boot()).orElseThrow(
        () -> initError("cannot find the device mounted at " + layout.boot() + " (a separate /boot partition is required)"));
    this.standbyDevice = detectStandby(activeDevice, bootDevice);
    this.activeSlot = slotId(activeDevice);
    this.standbySlot = slotId(standbyDevice);
    log.info("GRUB slots: active {} ({}), standby {} ({}), boot {}", activeSlot, activeDevice, standbySlot,
        standbyDevice, bootDevice);
  }

  public GrubController(GrubLayout layout) {
    this(layout, CommandRunner.system(), null, HealthCheck.none());
  }

  /** Slot id of a device: its name under {@code /dev} ({@code /dev/vda2} -&gt; {@code vda2}). */
  public static String slotId(String device) {
    return Path.of(device).getFileName().toString();
  }

  public String activeDevice() {
    return activeDevice;
  }

  public String standbyDevice() {
    return standbyDevice;
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

  // ---------------------------------------------------------------- detection

  private String detectStandby(String active, String boot) {
    String disk = cmd.run(ErrorCode.BOOT_CONTROL_INIT, "lsblk", "-idpn", "-o", "PKNAME", active).stdout().strip();
    if (disk.isEmpty()) {
      throw initError("cannot find the disk of " + active);
    }
    String listing = cmd.run(ErrorCode.BOOT_CONTROL_INIT, "lsblk", "-Pp", "-o", "NAME,FSTYPE", disk).stdout();
    for (String line : listing.split("\n")) {
      String name = pairValue(line, "NAME");
      String fstype = pairValue(line, "FSTYPE");
      if ("ext4".equals(fstype) && !name.equals(active) && !name.equals(boot) && !name.equals(disk)) {
        return name;
      }
    }
    throw initError("no standby ext4 partition on " + disk + " besides " + active + " (root) and " + boot + " (boot)");
  }

  private static String pairValue(String line, String key) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?:^|\\s)" + key + "=\"([^\"]*)\"").matcher(line);
    return m.find() ? m.group(1) : "";
  }

  private static OtaException initError(String detail) {
    return new OtaException(ErrorCode.BOOT_CONTROL_INIT, ErrorModule.BOOT_CONTROL, detail);
  }

  // ---------------------------------------------------------------- paths

  private Path folder(String slot) {
    return layout.boot().resolve(LINK + "." + slot);
  }

  private Optional<String> linkedSlot() {
    return AtomicFiles.readSymlink(layout.boot().resolve(LINK))
        .map(t -> t.getFileName().toString())
        .filter(n -> n.startsWith(LINK + "."))
        .map(n -> n.substring(LINK.length() + 1));
  }

  // ---------------------------------------------------------------- state-machine primitives

  @Override
  protected SlotFiles activeFiles() {
    return new SlotFiles(folder(activeSlot));
  }

  @Override
  protected <T> T withStandbyFiles(IoFunction<SlotFiles, T> fn) throws IOException {
    return fn.apply(new SlotFiles(folder(standbySlot)));
  }

  @Override
  protected void initialiseFirstBoot() throws IOException {
    Path dir = folder(activeSlot);
    Files.createDirectories(dir);
    Files.createDirectories(folder(standbySlot));
    String cmdline = Files.readString(layout.procCmdline());
    String booted = GrubConfig.bootedKernel(cmdline)
        .orElseThrow(() -> initError(layout.procCmdline() + ": no BOOT_IMAGE= to tell which kernel is running"));
    if (!booted.equals(GrubConfig.KERNEL)) {
      // a device not yet under OTA control: adopt the running kernel as this slot's
      String version = booted.startsWith("vmlinuz-") ? booted.substring("vmlinuz-".length()) : booted;
      adopt(layout.boot().resolve(booted), dir);
      adopt(layout.boot().resolve("initrd.img-" + version), dir);
      linkKernel(dir);
    }
    AtomicFiles.replaceSymlink(layout.boot().resolve(LINK), Path.of(LINK + "." + activeSlot));
    regenerate(false, ErrorCode.BOOT_CONTROL_INIT);
  }

  @Override
  protected void beforeFinalize() {
    // writes cut short by a crash or power cut leave their temporary names behind; never read, but
    // they would pile up in /boot
    Path boot = layout.boot();
    int n = TempNames.removeLeftovers(folder(activeSlot)) + TempNames.removeLeftovers(folder(standbySlot));
    for (Path written : List.of(boot.resolve(LINK), boot.resolve("vmlinuz-ota"), boot.resolve("initrd.img-ota"),
        boot.resolve("vmlinuz-ota.standby"), boot.resolve("initrd.img-ota.standby"), boot.resolve("grub/grub.cfg"),
        layout.defaultGrub())) {
      n += TempNames.removeLeftoversOf(written);
    }
    if (n > 0) {
      log.info("removed {} temporary files left by interrupted writes", n);
    }
  }

  @Override
  protected boolean bootedBySwitch() {
    return linkedSlot().filter(s -> !s.equals(activeSlot)).isPresent();
  }

  @Override
  protected boolean runningIsDefault() {
    return linkedSlot().filter(activeSlot::equals).isPresent();
  }

  @Override
  protected void makeRunningDefault() throws IOException {
    // grub.cfg is reached through ota-partition: the running slot's folder must hold its grub.cfg
    // before the link moves there, or a power cut in between leaves GRUB without a config (found by
    // the GRUB crash suite). The output does not depend on where the link points.
    regenerate(false, ErrorCode.BOOT_CONTROL_INIT);
    AtomicFiles.replaceSymlink(layout.boot().resolve(LINK), Path.of(LINK + "." + activeSlot));
  }

  @Override
  protected void disarmSwitch() {
    // grub-reboot stores the one-shot entry in grubenv; GRUB clears it when it uses it
    Path env = layout.boot().resolve("grub/grubenv");
    if (Files.exists(env)) {
      cmd.run(ErrorCode.POST_UPDATE, "grub-editenv", env.toString(), "unset", "next_entry");
    }
  }

  @Override
  protected boolean leaveRunningSlot() {
    // ota-partition still names the previous slot, so a normal boot starts it
    rebooter().reboot();
    return false;
  }

  @Override
  protected Standby doPrepareStandby(String newVersion, boolean reuseInPlace) throws IOException {
    Path folder = folder(standbySlot);
    Files.createDirectories(folder);
    markStandbyUpdating(new SlotFiles(folder), newVersion);
    releaseMounts(ErrorCode.PRE_UPDATE);
    boolean reuse = partitions.reuseOrFormat(standbyDevice, reuseInPlace);
    partitions.mountStandby(standbyDevice, layout.standbyMount());
    partitions.bindReadOnly(layout.root(), layout.refrootMount());
    refrootMounted = true;
    if (!reuse) {
      AtomicFiles.emptyDirectory(folder, KEPT_IN_STANDBY_FOLDER);
    }
    return new Standby(layout.standbyMount(), folder, reuse);
  }

  @Override
  protected void doCommitSwitch(Standby standby) throws IOException {
    String standbyUuid = partitions.uuid(standbyDevice, ErrorCode.POST_UPDATE);
    Path imageFstab = layout.standbyMount().resolve("etc/fstab");
    String active = AtomicFiles.readString(layout.root().resolve("etc/fstab")).orElse("");
    String image = AtomicFiles.readString(imageFstab).orElse("");
    AtomicFiles.writeString(imageFstab, FstabMerge.merge(active, image, standbyUuid));
    releaseMounts(ErrorCode.POST_UPDATE);
    linkKernel(folder(standbySlot));
    regenerate(true, ErrorCode.POST_UPDATE);
    armOneShot(ErrorCode.POST_UPDATE);
  }

  @Override
  protected void doPrepareRollback() throws IOException {
    if (!Files.exists(folder(standbySlot).resolve("vmlinuz-ota"))) {
      throw new OtaException(ErrorCode.PRE_ROLLBACK, ErrorModule.BOOT_CONTROL, dev.otaclient.error.ErrorApi.ROLLBACK,
          folder(standbySlot) + "/vmlinuz-ota is missing: slot " + standbySlot + " cannot be booted", null);
    }
    regenerate(true, ErrorCode.PRE_ROLLBACK);
    armOneShot(ErrorCode.PRE_ROLLBACK);
  }

  @Override
  protected void releaseStandby() throws IOException {
    releaseMounts(ErrorCode.POST_UPDATE);
  }


  // ---------------------------------------------------------------- GRUB work

  private void armOneShot(ErrorCode code) throws IOException {
    String cfg = Files.readString(layout.boot().resolve("grub/grub.cfg"));
    OptionalInt idx = GrubConfig.menuEntryIndex(cfg, GrubConfig.STANDBY_KERNEL);
    if (idx.isEmpty()) {
      throw new OtaException(code, ErrorModule.BOOT_CONTROL, layout.boot() + "/grub/grub.cfg has no entry for "
          + GrubConfig.STANDBY_KERNEL);
    }
    cmd.run(code, "grub-reboot", Integer.toString(idx.getAsInt()));
  }

  /**
   * Regenerates the top-level links and the running slot's grub.cfg: forced options and
   * GRUB_DEFAULT = the {@code vmlinuz-ota} entry (i.e. whatever {@code ota-partition} names), and
   * the standby entries booting the standby partition.
   */
  private void regenerate(boolean requireStandbyEntry, ErrorCode code) throws IOException {
    Path boot = layout.boot();
    AtomicFiles.replaceSymlink(boot.resolve("vmlinuz-ota"), Path.of(LINK, "vmlinuz-ota"));
    AtomicFiles.replaceSymlink(boot.resolve("initrd.img-ota"), Path.of(LINK, "initrd.img-ota"));
    AtomicFiles.replaceSymlink(boot.resolve("vmlinuz-ota.standby"), Path.of(LINK + "." + standbySlot, "vmlinuz-ota"));
    AtomicFiles.replaceSymlink(boot.resolve("initrd.img-ota.standby"), Path.of(LINK + "." + standbySlot, "initrd.img-ota"));

    String defaults = AtomicFiles.readString(layout.defaultGrub()).orElse("");
    AtomicFiles.writeString(layout.defaultGrub(), GrubConfig.rewriteDefaults(defaults, GrubConfig.FORCED_DEFAULTS));
    String first = cmd.run(code, "grub-mkconfig").stdout();
    OptionalInt idx = GrubConfig.menuEntryIndex(first, GrubConfig.KERNEL);
    if (idx.isEmpty()) {
      throw new OtaException(code, ErrorModule.BOOT_CONTROL, "grub-mkconfig produced no entry for /" + GrubConfig.KERNEL);
    }
    defaults = AtomicFiles.readString(layout.defaultGrub()).orElse("");
    AtomicFiles.writeString(layout.defaultGrub(),
        GrubConfig.rewriteDefaults(defaults, java.util.Map.of("GRUB_DEFAULT", Integer.toString(idx.getAsInt()))));

    String cfg = cmd.run(code, "grub-mkconfig").stdout();
    OptionalInt standbyIdx = GrubConfig.menuEntryIndex(cfg, GrubConfig.STANDBY_KERNEL);
    if (standbyIdx.isPresent()) {
      cfg = GrubConfig.rewriteStandbyRoot(cfg, partitions.uuid(standbyDevice, code));
    } else if (requireStandbyEntry) {
      throw new OtaException(code, ErrorModule.BOOT_CONTROL, "grub-mkconfig produced no entry for /"
          + GrubConfig.STANDBY_KERNEL + " (slot " + standbySlot + " has no kernel?)");
    }
    AtomicFiles.writeString(folder(activeSlot).resolve("grub.cfg"), cfg);
    AtomicFiles.replaceSymlink(boot.resolve("grub/grub.cfg"), Path.of("..", LINK, "grub.cfg"));
  }

  /** Points vmlinuz-ota / initrd.img-ota in a slot folder at the folder's kernel and initrd. */
  private static void linkKernel(Path folder) throws IOException {
    Path kernel = newest(folder, "vmlinuz-").orElseThrow(() -> new OtaException(ErrorCode.POST_UPDATE,
        ErrorModule.BOOT_CONTROL, "no vmlinuz-* kernel in " + folder));
    String version = kernel.getFileName().toString().substring("vmlinuz-".length());
    Path initrd = folder.resolve("initrd.img-" + version);
    if (!Files.isRegularFile(initrd, LinkOption.NOFOLLOW_LINKS)) {
      initrd = newest(folder, "initrd.img-").orElseThrow(() -> new OtaException(ErrorCode.POST_UPDATE,
          ErrorModule.BOOT_CONTROL, "no initrd.img-* in " + folder));
    }
    AtomicFiles.replaceSymlink(folder.resolve("vmlinuz-ota"), kernel.getFileName());
    AtomicFiles.replaceSymlink(folder.resolve("initrd.img-ota"), initrd.getFileName());
  }

  /** The regular (non-symlink) file with {@code prefix} and the highest name, skipping our own -ota links. */
  private static Optional<Path> newest(Path folder, String prefix) throws IOException {
    try (Stream<Path> s = Files.list(folder)) {
      return s.filter(p -> p.getFileName().toString().startsWith(prefix))
          .filter(p -> !p.getFileName().toString().equals(prefix + "ota")
              && !p.getFileName().toString().startsWith(prefix + "ota."))
          .filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
          .max(Comparator.comparing(p -> p.getFileName().toString(), GrubController::compareVersions));
    }
  }

  /** Version-aware name order: digit runs compare numerically (5.15 &gt; 5.4). */
  static int compareVersions(String a, String b) {
    java.util.regex.Matcher ma = java.util.regex.Pattern.compile("\\d+|\\D+").matcher(a);
    java.util.regex.Matcher mb = java.util.regex.Pattern.compile("\\d+|\\D+").matcher(b);
    while (ma.find() && mb.find()) {
      String x = ma.group();
      String y = mb.group();
      int c;
      if (Character.isDigit(x.charAt(0)) && Character.isDigit(y.charAt(0))) {
        c = new java.math.BigInteger(x).compareTo(new java.math.BigInteger(y));
      } else {
        c = x.compareTo(y);
      }
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.length(), b.length());
  }

  /** Copies a kernel or initrd of a device not yet under OTA control into a slot folder. */
  private static void adopt(Path file, Path dir) {
    if (!Files.isRegularFile(file)) {
      throw new OtaException(ErrorCode.BOOT_CONTROL_INIT, ErrorModule.BOOT_CONTROL, "cannot adopt the running kernel: "
          + file + " is missing");
    }
    AtomicFiles.copy(file, dir.resolve(file.getFileName()));
  }

  private void releaseMounts(ErrorCode code) {
    try {
      partitions.release(code, List.of(layout.standbyMount(), layout.refrootMount()));
    } finally {
      refrootMounted = false;
    }
  }
}
