package dev.otaclient.internal.boot;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.internal.fs.AtomicFiles;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A GRUB A/B device on three ext4 loop devices (slot A, slot B, /boot), for the reliability suites
 * outside this package: the world of {@link GrubLoopDeviceTest} plus a model of the firmware (which
 * slot GRUB would boot, from what is on the boot partition) and a reboot that follows it.
 *
 * <p>Everything lives in one directory: the three image files, the mount points ({@code root/},
 * {@code boot/}, {@code mnt/standby}, {@code mnt/refroot}), {@code cmdline} and the stand-in commands
 * ({@code fake/}). The device can be powered off (everything unmounted and detached), copied as a
 * directory, and booted again, so each trial of a suite starts from the same bytes.
 *
 * <p>Faked commands as in {@link GrubLoopDeviceTest} (lsblk, grub-mkconfig, reboot), except that
 * {@code grub-reboot} and {@code grub-editenv} really keep {@code next_entry} in
 * {@code /boot/grub/grubenv}, so the firmware model sees an armed one-shot boot. With the environment
 * variable {@code OTA_PROBE_EVENTS} set (a child JVM under test), mkfs.ext4, mount, umount and the
 * GRUB commands print {@code EV CMD <name>} before and {@code EV CMD-DONE <name>} after running on
 * the JVM's stdout, so a test can kill it at those points.
 */
public final class GrubLoopRig implements AutoCloseable {
  public static final String A = "A";
  public static final String B = "B";
  public static final String UUID_A = GrubWorld.UUID_A;
  public static final String UUID_B = GrubWorld.UUID_B;
  public static final String NEW_KERNEL = GrubWorld.NEW_KERNEL;
  public static final String OLD_KERNEL = GrubWorld.OLD_KERNEL;

  private static final CommandRunner SYSTEM = CommandRunner.system();
  private static final Map<String, String> IMAGES = new java.util.TreeMap<>(Map.of(A, "slot_a.img", B, "slot_b.img",
      "boot", "boot.img"));
  private static final Pattern DEFAULT = Pattern.compile("(?m)^\\s*set default=\"(\\d+)\"\\s*$");
  private static final Pattern LINUX = Pattern.compile("^\\s*linux\\s+(\\S+)\\s.*root=UUID=(\\S+)");
  private static final Pattern INITRD = Pattern.compile("^\\s*initrd\\s+(\\S+)");

  private final Path work;
  private final GrubWorld w;
  private final Map<String, String> devices = new LinkedHashMap<>();
  private String running;
  /** Whether the last reboot followed GRUB's one-shot entry (the kernel command line then names it). */
  private boolean bootedByOneShot;

  private GrubLoopRig(Path work) throws IOException {
    this.work = work;
    this.w = new GrubWorld(work);
  }

  public static boolean available() {
    return GrubLoopDeviceTest.available() && Files.isExecutable(Path.of("/usr/bin/perl"));
  }

  /** A new device in {@code work}: slot A running the factory system, first start finalised (INITIALIZED). */
  public static GrubLoopRig provision(Path work) throws IOException {
    GrubLoopRig rig = new GrubLoopRig(Files.createDirectories(work));
    for (Map.Entry<String, String> e : IMAGES.entrySet()) {
      Path img = work.resolve(e.getValue());
      try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
        f.setLength(32L << 20);
      }
      String uuid = switch (e.getKey()) {
        case A -> UUID_A;
        case B -> UUID_B;
        default -> GrubWorld.UUID_BOOT;
      };
      sh("mkfs.ext4", "-q", "-F", "-U", uuid, img.toString());
    }
    rig.powerOn(A);
    rig.w.provisionFactoryState();
    Files.writeString(rig.w.boot.resolve("grub/grubenv"), "# GRUB Environment Block\n");
    rig.controller(() -> { }, HealthCheck.none()).finalizeAtStartup();
    return rig;
  }

  /** Boots the device whose files are in {@code work} (powered off) into {@code slot}. */
  public static GrubLoopRig bootInto(Path work, String slot) throws IOException {
    GrubLoopRig rig = new GrubLoopRig(work);
    rig.powerOn(slot);
    return rig;
  }

  /** Copies the powered-off device to {@code to} (sparse), which must not exist. */
  public static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    for (String img : IMAGES.values()) {
      sh("cp", "--sparse=always", from.resolve(img).toString(), to.resolve(img).toString());
    }
    Files.copy(from.resolve("devices"), to.resolve("devices"));
  }

  private void powerOn(String slot) throws IOException {
    // Slot ids are device names, so a device must come back on the same loop devices at every boot,
    // as a disk's partitions do: the first power-on picks devices reserved for this JVM (LoopDevices)
    // and records them for the copies.
    Path recorded = work.resolve("devices");
    List<String> known = Files.exists(recorded) ? Files.readAllLines(recorded) : List.of();
    int i = 0;
    for (Map.Entry<String, String> e : IMAGES.entrySet()) {
      String img = work.resolve(e.getValue()).toString();
      String dev = i < known.size() ? known.get(i) : "";
      i++;
      if (!dev.isEmpty() && SYSTEM.runAllowingFailure(ErrorCode.UNRECOVERABLE, List.of("losetup", dev, img)).succeeded()) {
        devices.put(e.getKey(), dev);
      } else if (dev.isEmpty()) {
        // not `losetup -f`: another process could take a device between this rig's power-off and on
        String reserved = LoopDevices.reserve();
        sh("losetup", reserved, img);
        devices.put(e.getKey(), reserved);
      } else {
        devices.values().forEach(d -> SYSTEM.runAllowingFailure(ErrorCode.UNRECOVERABLE, List.of("losetup", "-d", d)));
        throw new IllegalStateException(dev + " is taken by someone else: the device cannot boot with its slot names");
      }
    }
    if (known.isEmpty()) {
      Files.write(recorded, List.copyOf(devices.values()));
    }
    running = slot;
    sh("mount", devices.get(slot), w.root.toString());
    sh("mount", devices.get("boot"), w.boot.toString());
    String uuid = slot.equals(A) ? UUID_A : UUID_B;
    String kernel = Files.exists(w.boot.resolve("ota-partition")) ? (bootedByOneShot ? "vmlinuz-ota.standby" : "vmlinuz-ota")
        : "vmlinuz-" + OLD_KERNEL;
    Files.writeString(w.cmdline, "BOOT_IMAGE=/" + kernel + " root=UUID=" + uuid + " ro quiet splash\n");
    installFakes();
  }

  private void installFakes() throws IOException {
    Path dir = work.resolve("fake");
    AtomicFiles.deleteTree(dir);
    FakeSystem fake = new FakeSystem(dir)
        .install("lsblk", FakeSystem.LSBLK)
        .install("reboot", FakeSystem.RECORD_ONLY)
        .installGrubMkconfig(w.boot, w.root);
    Files.move(dir.resolve("grub-mkconfig"), dir.resolve("grub-mkconfig.fixture"));
    Path env = w.boot.resolve("grub/grubenv");
    // the real tools rewrite grubenv in place and sync it; a synced rename is enough here: the suites
    // test our writes, not GRUB's
    ProbeStandIns.wrapped(fake, "grub-mkconfig", "\"$D/grub-mkconfig.fixture\" \"$@\"");
    ProbeStandIns.wrapped(fake, "grub-reboot", "printf '# GRUB Environment Block\\nnext_entry=%s\\n' \"$1\" > '" + env
        + ".new' && mv '" + env + ".new' '" + env + "' && sync -f '" + env + "'");
    ProbeStandIns.wrapped(fake, "grub-editenv", "[ \"$2 $3\" = 'unset next_entry' ] || exit 2; printf '# GRUB Environment Block\\n' > '"
        + env + ".new' && mv '" + env + ".new' '" + env + "' && sync -f '" + env + "'");
    ProbeStandIns.wrapped(fake, "mkfs.ext4", "/usr/sbin/mkfs.ext4 \"$@\"");
    ProbeStandIns.wrapped(fake, "mount", "/usr/bin/mount \"$@\"");
    ProbeStandIns.wrapped(fake, "umount", "/usr/bin/umount \"$@\"");
    // the health check of a switched boot: lingers a little, so a stop can land in finalisation
    ProbeStandIns.wrapped(fake, "ota-health", "sleep 0.1");
    fake.table("disk", "/dev/otadisk");
    fake.table("children", "NAME=\"/dev/otadisk\" FSTYPE=\"\"", "NAME=\"" + devices.get("boot") + "\" FSTYPE=\"ext4\"",
        "NAME=\"" + devices.get(A) + "\" FSTYPE=\"ext4\"", "NAME=\"" + devices.get(B) + "\" FSTYPE=\"ext4\"");
  }

  /**
   * The environment of a child JVM that must stop at the {@code nth} event {@code event} (e.g.
   * {@code CMD-DONE grub-mkconfig}), {@code delayMicros} later, cutting the power of every file system
   * of the device first when {@code cut} ({@link ProbeStandIns#stopAt}).
   */
  public Map<String, String> stopAt(String event, int nth, long delayMicros, boolean cut) {
    return ProbeStandIns.stopAt(work.resolve("fake"), event, nth, delayMicros, cut,
        List.of(w.boot, w.root, w.layout.standbyMount()), List.of());
  }

  /** Unmounts everything and detaches the loop devices: the device is off (nothing is flushed that was not). */
  public void powerOff() {
    for (Path mnt : List.of(w.layout.standbyMount(), w.layout.refrootMount(), w.root, w.boot)) {
      for (int i = 0; i < 5 && mounted(mnt); i++) {
        SYSTEM.runAllowingFailure(ErrorCode.UNRECOVERABLE, List.of("umount", mnt.toString()));
      }
      if (mounted(mnt)) {
        SYSTEM.runAllowingFailure(ErrorCode.UNRECOVERABLE, List.of("umount", "-l", mnt.toString()));
      }
    }
    LoopDevices.detach(devices.values());
    devices.clear();
  }

  @Override
  public void close() {
    powerOff();
  }

  /** e2fsck -fy of every image of the powered-off device; the highest exit code (0 clean, 1 corrected). */
  public int fsck() {
    int worst = 0;
    for (String img : IMAGES.values()) {
      CommandResult r = SYSTEM.runAllowingFailure(ErrorCode.UNRECOVERABLE, List.of("e2fsck", "-fy", work.resolve(img).toString()));
      worst = Math.max(worst, r.exitCode());
    }
    return worst;
  }

  /** What the firmware would start: the slot and the files GRUB loads. */
  public record BootChoice(String slot, int entry, boolean oneShot, String kernel, String initrd, String grubCfg) {}

  /**
   * The GRUB model: reads {@code /boot/grub/grub.cfg} (through its links), takes {@code next_entry} from
   * grubenv when set, else the default; the entry's kernel and initrd must resolve to regular files on
   * the boot partition and its {@code root=UUID=} must name slot A or B. Throws when the device would
   * not boot.
   */
  public BootChoice firmware() throws IOException {
    Path cfgPath = w.boot.resolve("grub/grub.cfg");
    if (!Files.isRegularFile(cfgPath)) {
      throw new IllegalStateException("unbootable: " + cfgPath + " does not resolve to a file (" + describeLinks() + ")");
    }
    String cfg = Files.readString(cfgPath);
    Matcher d = DEFAULT.matcher(cfg);
    if (!d.find()) {
      throw new IllegalStateException("unbootable: no default entry in grub.cfg:\n" + cfg);
    }
    int entry = Integer.parseInt(d.group(1));
    boolean oneShot = false;
    Optional<String> next = nextEntry();
    if (next.isPresent()) {
      entry = Integer.parseInt(next.get());
      oneShot = true;
    }
    List<String[]> entries = entries(cfg);
    if (entry >= entries.size()) {
      throw new IllegalStateException("unbootable: entry " + entry + " of " + entries.size() + " in grub.cfg");
    }
    String[] e = entries.get(entry);
    Path kernel = w.boot.resolve(e[0].substring(1));
    Path initrd = w.boot.resolve(e[2].substring(1));
    if (!Files.isRegularFile(kernel) || !Files.isRegularFile(initrd)) {
      throw new IllegalStateException("unbootable: entry " + entry + " loads " + e[0] + " and " + e[2]
          + ", not both present (" + describeLinks() + ")");
    }
    String slot = e[1].equals(UUID_A) ? A : e[1].equals(UUID_B) ? B : null;
    if (slot == null) {
      throw new IllegalStateException("unbootable: entry " + entry + " mounts root=UUID=" + e[1]);
    }
    return new BootChoice(slot, entry, oneShot, kernel.toRealPath().getFileName().toString(),
        initrd.toRealPath().getFileName().toString(), cfg);
  }

  private Optional<String> nextEntry() throws IOException {
    Path env = w.boot.resolve("grub/grubenv");
    if (!Files.exists(env)) {
      return Optional.empty();
    }
    return Files.readAllLines(env).stream().filter(l -> l.startsWith("next_entry=") && l.length() > 11)
        .map(l -> l.substring(11)).findFirst();
  }

  /** Menu entries in GrubConfig's flat numbering: {linux path, root UUID, initrd path}. */
  private static List<String[]> entries(String cfg) {
    List<String[]> out = new ArrayList<>();
    String[] cur = null;
    for (String line : cfg.split("\n")) {
      String t = line.strip();
      if (t.startsWith("menuentry ")) {
        cur = new String[] {"", "", ""};
        out.add(cur);
      } else if (cur != null) {
        Matcher l = LINUX.matcher(line);
        Matcher i = INITRD.matcher(line);
        if (l.find()) {
          cur[0] = l.group(1);
          cur[1] = l.group(2);
        } else if (i.find()) {
          cur[2] = i.group(1);
        }
      }
    }
    return out;
  }

  private String describeLinks() throws IOException {
    StringBuilder sb = new StringBuilder();
    for (String l : List.of("ota-partition", "grub/grub.cfg", "vmlinuz-ota", "vmlinuz-ota.standby")) {
      Path p = w.boot.resolve(l);
      sb.append(l).append(Files.isSymbolicLink(p) ? " -> " + Files.readSymbolicLink(p) : Files.exists(p) ? " (file)" : " (missing)")
          .append("; ");
    }
    return sb.toString();
  }

  /**
   * A reboot: GRUB picks the slot ({@link #firmware}), consumes a one-shot entry as GRUB does, the
   * device powers off and comes back with that slot as the root file system. Returns the choice.
   */
  public BootChoice reboot() throws IOException {
    BootChoice c = firmware();
    if (c.oneShot()) {
      Path env = w.boot.resolve("grub/grubenv");
      Files.writeString(env, "# GRUB Environment Block\n");
    }
    powerOff();
    bootedByOneShot = c.oneShot();
    powerOn(c.slot());
    return c;
  }

  /** The controller of this device as the client would build it (stand-in commands first on the PATH). */
  public GrubController controller(Rebooter rebooter, HealthCheck health) {
    return new GrubController(w.layout, CommandRunner.withPrefix(work.resolve("fake")), rebooter, health);
  }

  /** The same, for a process that did not set the device up (a child JVM): no mounting, nothing installed. */
  public static GrubController controllerAt(Path work, Rebooter rebooter, HealthCheck health) throws IOException {
    return new GrubController(new GrubWorld(work).layout, CommandRunner.withPrefix(work.resolve("fake")), rebooter, health);
  }

  public String running() {
    return running;
  }

  public String device(String slot) {
    return devices.get(slot);
  }

  public Path root() {
    return w.root;
  }

  public Path boot() {
    return w.boot;
  }

  public Path standbyMount() {
    return w.layout.standbyMount();
  }

  /** The status files of a slot's folder on the boot partition. */
  public Path slotFolder(String slot) {
    return w.boot.resolve("ota-partition." + GrubController.slotId(devices.get(slot)));
  }

  public List<String> calls() throws IOException {
    return Files.readAllLines(work.resolve("fake/calls.log"));
  }

  public boolean mounted(Path mnt) {
    return SYSTEM.runAllowingFailure(ErrorCode.UNRECOVERABLE, List.of("findmnt", "-n", "--mountpoint", mnt.toString()))
        .succeeded();
  }

  /** The /boot tree with the slot folders named @A@ and @B@. */
  public String bootTree() throws IOException {
    return w.bootTree(GrubController.slotId(devices.get(A)), GrubController.slotId(devices.get(B)));
  }

  /** The test fixture's expected grub.cfg of a stage: after-init, after-commit, after-finalise. */
  public static String expectedGrubCfg(String stage) {
    return FakeSystem.resource("boot/grub/expected/grub.cfg." + stage);
  }

  /** What the engine would put into a standby, into an image rootfs: kernel in {@code boot/}, fstab, default grub. */
  public static void writeImageRootfs(Path rootfs, String version) throws IOException {
    Files.createDirectories(rootfs.resolve("boot"));
    GrubWorld.writeImage(new Standby(rootfs, rootfs.resolve("boot"), false), version);
  }

  private static String sh(String... argv) {
    return SYSTEM.run(ErrorCode.UNRECOVERABLE, argv).stdout();
  }
}
