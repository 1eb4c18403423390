package dev.otaclient.internal.boot;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.internal.fs.AtomicFiles;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Raspberry Pi 4 A/B disk on three loop devices in disk order: the FAT {@code system-boot} partition
 * ({@code mkfs.vfat}; served by fusefat, as this kernel has no vfat driver) and the ext4 slots labelled
 * {@code slot_a} and {@code slot_b}. Real mount, umount, blkid, e2label, dumpe2fs, mkfs.ext4; faked
 * only {@code lsblk} (loop devices have no disk) and {@code reboot}.
 *
 * <p>The firmware model: with the one-shot tryboot flag (the reboot parameter {@code "0 tryboot"}) it
 * reads tryboot.txt, otherwise config.txt; the file's kernel, initramfs and cmdline must be on the boot
 * partition and the cmdline's {@code root=LABEL=} a slot; the flag is gone after that one boot.
 *
 * <p>Everything lives in one directory (images, mount points {@code root/}, {@code firmware/},
 * {@code mnt/}, the model file, stand-ins {@code fake/}), so the device can be powered off, copied and
 * booted again, as {@link GrubSlotsRig}; the stand-ins report events for the crash suites
 * ({@link ProbeStandIns}).
 */
public final class RpiTrybootRig implements AutoCloseable {
  public static final String A = RpiTrybootController.SLOT_A;
  public static final String B = RpiTrybootController.SLOT_B;
  private static final CommandRunner SYSTEM = CommandRunner.system();
  private static final List<String> ORDER = List.of("boot", A, B);

  private final Path work;
  private final Map<String, String> devices = new LinkedHashMap<>();
  private String running;

  private RpiTrybootRig(Path work) {
    this.work = work;
  }

  public static boolean available() {
    return GrubLoopDeviceTest.available() && Files.isExecutable(Path.of("/usr/sbin/mkfs.vfat"))
        && Files.isExecutable(Path.of("/usr/bin/fusefat")) && Files.isExecutable(Path.of("/usr/sbin/blockdev"));
  }

  /** A provisioned device with slot_a running, before the client's first start. */
  public static RpiTrybootRig provision(Path work) throws IOException {
    RpiTrybootRig rig = new RpiTrybootRig(Files.createDirectories(work));
    for (String p : ORDER) {
      Path img = work.resolve(p + ".img");
      try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
        f.setLength(32L << 20);
      }
      if (p.equals("boot")) {
        sh("mkfs.vfat", "-n", "system-boot", img.toString());
      } else {
        sh("mkfs.ext4", "-q", "-F", "-L", p, img.toString());
      }
    }
    Files.writeString(work.resolve("model"), "Raspberry Pi 4 Model B Rev 1.4\0");
    rig.powerOn(A);
    Path fw = rig.firmwareDir();
    for (String s : List.of(A, B)) {
      Files.writeString(fw.resolve("config.txt_" + s), "[all]\nkernel=vmlinuz_" + s + "\ninitramfs initrd.img_" + s
          + " followkernel\ncmdline=cmdline.txt_" + s + "\n");
      Files.writeString(fw.resolve("cmdline.txt_" + s), "console=serial0,115200 root=LABEL=" + s + " rootfstype=ext4 rootwait\n");
    }
    Files.writeString(fw.resolve("vmlinuz_" + A), "kernel factory");
    Files.writeString(fw.resolve("initrd.img_" + A), "initrd factory");
    Files.copy(fw.resolve("config.txt_" + A), fw.resolve("config.txt"));
    Files.copy(fw.resolve("config.txt_" + B), fw.resolve("tryboot.txt"));
    Files.createDirectories(rig.root().resolve("etc"));
    Files.writeString(rig.root().resolve("etc/os-release"), "VERSION=factory\n");
    return rig;
  }

  /** Boots the powered-off device in {@code work} into {@code slot} (no firmware decision: a test's choice). */
  public static RpiTrybootRig bootInto(Path work, String slot) throws IOException {
    RpiTrybootRig rig = new RpiTrybootRig(work);
    rig.powerOn(slot);
    return rig;
  }

  /** Copies the powered-off device (sparse). */
  public static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    for (String part : ORDER) {
      sh("cp", "--sparse=always", from.resolve(part + ".img").toString(), to.resolve(part + ".img").toString());
    }
    Files.copy(from.resolve("devices"), to.resolve("devices"));
    Files.copy(from.resolve("model"), to.resolve("model"));
  }

  private void powerOn(String slot) throws IOException {
    devices.putAll(LoopDevices.attach(work, ORDER));
    running = slot;
    sh("mount", devices.get(slot), Files.createDirectories(root()).toString());
    sh("fusefat", "-o", "rw+,fsname=" + devices.get("boot"), devices.get("boot"),
        Files.createDirectories(firmwareDir()).toString());
    installFakes();
  }

  private void installFakes() throws IOException {
    Path dir = work.resolve("fake");
    AtomicFiles.deleteTree(dir);
    FakeSystem fake = new FakeSystem(dir).install("lsblk", FakeSystem.LSBLK).install("reboot", FakeSystem.RECORD_ONLY);
    ProbeStandIns.fatAwareMounts(fake, devices.get("boot"));
    ProbeStandIns.wrapped(fake, "mkfs.ext4", "/usr/sbin/mkfs.ext4 \"$@\"");
    ProbeStandIns.wrapped(fake, "e2label", "/usr/sbin/e2label \"$@\"");
    ProbeStandIns.wrapped(fake, "ota-health", "sleep 0.1");
    ProbeStandIns.wrapped(fake, "chroot", "/usr/sbin/chroot \"$@\""); // flash-kernel's run: a step
    fake.table("disk", "/dev/otadisk");
    fake.table("children", "NAME=\"/dev/otadisk\"", "NAME=\"" + devices.get("boot") + "\"",
        "NAME=\"" + devices.get(A) + "\"", "NAME=\"" + devices.get(B) + "\"");
  }

  public RpiTrybootController.RpiLayout layout() {
    return layoutAt(work);
  }

  private static RpiTrybootController.RpiLayout layoutAt(Path work) {
    return new RpiTrybootController.RpiLayout(work.resolve("root"), work.resolve("firmware"), work.resolve("model"),
        work.resolve("mnt/standby"), work.resolve("mnt/refroot"));
  }

  public RpiTrybootController controller(Rebooter rebooter, HealthCheck health) {
    return new RpiTrybootController(layout(), CommandRunner.withPrefix(work.resolve("fake")), rebooter, health);
  }

  /** The same, for a process that did not set the device up (a child JVM). */
  public static RpiTrybootController controllerAt(Path work, Rebooter rebooter, HealthCheck health) {
    return new RpiTrybootController(layoutAt(work), CommandRunner.withPrefix(work.resolve("fake")), rebooter, health);
  }

  /** What the firmware would start: tryboot.txt once after a tryboot reboot, else config.txt. Throws when nothing boots. */
  public String firmware(boolean tryboot) throws IOException {
    Path fw = firmwareDir();
    String cfg = Files.readString(fw.resolve(tryboot ? RpiTrybootController.TRYBOOT : RpiTrybootController.CONFIG));
    Matcher k = Pattern.compile("(?m)^kernel=(\\S+)").matcher(cfg);
    Matcher i = Pattern.compile("(?m)^initramfs (\\S+)").matcher(cfg);
    Matcher c = Pattern.compile("(?m)^cmdline=(\\S+)").matcher(cfg);
    if (!k.find() || !i.find() || !c.find() || !nonEmpty(fw.resolve(k.group(1))) || !nonEmpty(fw.resolve(i.group(1)))
        || !Files.isRegularFile(fw.resolve(c.group(1)))) {
      throw new IllegalStateException("unbootable: " + cfg);
    }
    Matcher r = Pattern.compile("root=LABEL=(\\S+)").matcher(Files.readString(fw.resolve(c.group(1))));
    if (!r.find() || !List.of(A, B).contains(r.group(1))) {
      throw new IllegalStateException("unbootable: root of " + c.group(1));
    }
    return r.group(1);
  }

  private static boolean nonEmpty(Path p) throws IOException {
    return Files.isRegularFile(p) && Files.size(p) > 0;
  }

  /** A reboot where the firmware decides (tryboot once if asked), power off, power on into its choice. */
  public String reboot(boolean tryboot) throws IOException {
    String slot = firmware(tryboot);
    powerOff();
    powerOn(slot);
    return slot;
  }

  /** See {@link ProbeStandIns#stopAt}: the power of both slots' ext4 (running and mounted standby) and of the FAT. */
  public Map<String, String> stopAt(String event, int nth, long delayMicros, boolean cut) {
    return ProbeStandIns.stopAt(work.resolve("fake"), event, nth, delayMicros, cut,
        List.of(root(), layout().standbyMount()), List.of(work.resolve("boot.img")));
  }

  /**
   * Unmounts everything mounted below the device's directory, the last mounted first (also the binds of a
   * flash-kernel chroot a stopped client left in the standby), and detaches the loop devices; a FAT image
   * cut by a stop is then put in place.
   */
  public void powerOff() {
    List<String> mounts;
    try {
      mounts = new java.util.ArrayList<>(mountsBelow(work));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    java.util.Collections.reverse(mounts);
    for (String m : mounts) {
      Path mnt = Path.of(m);
      for (int i = 0; i < 5 && mounted(mnt); i++) {
        SYSTEM.runAllowingFailure(ErrorCode.UNRECOVERABLE, List.of("umount", mnt.toString()));
      }
    }
    LoopDevices.detach(devices.values());
    devices.clear();
    try {
      ProbeStandIns.restoreCutImages(List.of(work.resolve("boot.img")));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    powerOff();
  }

  /** e2fsck -fy of both slots, fsck.fat -n of the boot partition (the firmware does not repair it); the worst exit code. */
  public int fsck() {
    int worst = 0;
    for (String part : List.of(A, B)) {
      worst = Math.max(worst, SYSTEM.runAllowingFailure(ErrorCode.UNRECOVERABLE,
          List.of("e2fsck", "-fy", work.resolve(part + ".img").toString())).exitCode());
    }
    return Math.max(worst, SYSTEM.runAllowingFailure(ErrorCode.UNRECOVERABLE,
        List.of("fsck.fat", "-n", work.resolve("boot.img").toString())).exitCode());
  }

  /** The status files of both slots (the other slot mounted for the call, a second mount if the client left it mounted): slot → status text or null. */
  public Map<String, String> statusFiles() throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    String other = running.equals(A) ? B : A;
    out.put(running, AtomicFiles.readString(root().resolve("boot/ota-status/status")).orElse(null));
    Path peek = Files.createDirectories(work.resolve("peek"));
    sh("mount", devices.get(other), peek.toString());
    try {
      out.put(other, AtomicFiles.readString(peek.resolve("boot/ota-status/status")).orElse(null));
    } finally {
      sh("umount", peek.toString());
    }
    return out;
  }

  /** What the engine would put into the standby: a kernel (through a link, as Debian's) and an initrd in /boot. */
  public static void writeImage(Standby sb, String version) throws IOException {
    Files.createDirectories(sb.root().resolve("etc"));
    Files.writeString(sb.root().resolve("etc/os-release"), "VERSION=" + version + "\n");
    Files.writeString(sb.bootDir().resolve("vmlinuz-6.1.0-rpi"), "kernel " + version);
    Files.deleteIfExists(sb.bootDir().resolve("vmlinuz"));
    Files.createSymbolicLink(sb.bootDir().resolve("vmlinuz"), Path.of("vmlinuz-6.1.0-rpi"));
    Files.writeString(sb.bootDir().resolve("initrd.img"), "initrd " + version);
  }

  /** Whether images can carry the flash-kernel stand-in: a statically linked busybox for its shell and tools. */
  public static boolean busyboxAvailable() {
    return Files.isExecutable(BUSYBOX);
  }

  private static final Path BUSYBOX = Path.of("/bin/busybox");
  private static final List<String> APPLETS = List.of("sh", "cat", "cp", "mv", "mkdir", "grep", "ls", "sed", "sort",
      "tail", "basename");

  /**
   * A stand-in for Debian's flash-kernel on a Pi (it has no amd64 package), run by busybox's shell in the
   * slot. Like the real one it refuses a chroot without {@code FK_FORCE=yes}; it also insists on what the
   * real one reads: /proc, /sys, and the boot partition (config.txt) mounted at /boot/firmware. It installs
   * the newest kernel's vmlinuz, initrd.img and its device trees and overlays there, keeping each file it
   * replaces as {@code <name>.bak}; a kernel without device trees fails after the kernel was copied, one
   * without overlays after its device trees were installed.
   */
  static final String FLASH_KERNEL = """
      #!/bin/sh
      set -e
      fail() { echo "flash-kernel: $*" >&2; exit 1; }
      [ "$FK_FORCE" = yes ] || fail "in a chroot: set FK_FORCE=yes to go on"
      [ -r /proc/self/mounts ] || fail "/proc is not mounted"
      [ -d /sys/kernel ] || fail "/sys is not mounted"
      grep -q ' /boot/firmware ' /proc/self/mounts || fail "/boot/firmware is not a mount point"
      [ -f /boot/firmware/config.txt ] || fail "/boot/firmware is not the boot partition"
      v=$(ls /boot | grep '^vmlinuz-' | sed 's/^vmlinuz-//' | sort | tail -n 1)
      [ -n "$v" ] || fail "no kernel in /boot"
      put() { if [ -e "$2" ]; then mv "$2" "$2.bak"; fi; cp "$1" "$2"; }
      put "/boot/vmlinuz-$v" /boot/firmware/vmlinuz
      put "/boot/initrd.img-$v" /boot/firmware/initrd.img
      [ -d "/usr/lib/linux-image-$v" ] || fail "no device trees for kernel $v"
      for d in /usr/lib/linux-image-$v/broadcom/*.dtb; do put "$d" "/boot/firmware/$(basename "$d")"; done
      [ -d "/usr/lib/linux-image-$v/overlays" ] || fail "no overlays for kernel $v"
      mkdir -p /boot/firmware/overlays
      for d in /usr/lib/linux-image-$v/overlays/*.dtbo; do put "$d" "/boot/firmware/overlays/$(basename "$d")"; done
      """;

  /** The device tree and the overlay the flash-kernel stand-in installs, as paths on system-boot. */
  public static final String DEVICE_TREE = "bcm2711-rpi-4-b.dtb";
  public static final String OVERLAY = "overlays/vc4-kms-v3d.dtbo";

  /** Puts the factory's device tree and overlay on system-boot ({@code dtb factory}, {@code overlay factory}). */
  public void installFactoryDeviceTrees() throws IOException {
    Files.writeString(firmwareDir().resolve(DEVICE_TREE), "dtb factory");
    Path overlay = firmwareDir().resolve(OVERLAY);
    Files.createDirectories(overlay.getParent());
    Files.writeString(overlay, "overlay factory");
  }

  /** The names of flash-kernel's {@code *.bak} files and of the client's marker left on system-boot. */
  public List<String> flashKernelLeftovers() throws IOException {
    try (java.util.stream.Stream<Path> files = Files.walk(firmwareDir())) {
      return files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".bak") || n.equals(FlashKernel.MARKER)).toList();
    }
  }

  /** What a kernel package of {@link #writeImageWithFlashKernel} lacks (its flash-kernel then fails). */
  public enum Lacking { NOTHING, DEVICE_TREES, OVERLAYS }

  /**
   * {@link #writeImage} plus what a Debian Pi image brings for flash-kernel: busybox as /bin/sh and its
   * tools, the stand-in at /usr/sbin/flash-kernel, {@code vmlinuz-<kernel>} and {@code initrd.img-<kernel>}
   * in /boot and the kernel's device tree and overlay, but for what it is {@code lacking}.
   */
  public static void writeImageWithFlashKernel(Standby sb, String version, String kernel, Lacking lacking)
      throws IOException {
    writeImage(sb, version);
    Path root = sb.root();
    Path bin = Files.createDirectories(root.resolve("bin"));
    Files.copy(BUSYBOX, bin.resolve("busybox"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    for (String applet : APPLETS) {
      Files.deleteIfExists(bin.resolve(applet));
      Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
    }
    Path fk = Files.createDirectories(root.resolve("usr/sbin")).resolve("flash-kernel");
    Files.writeString(fk, FLASH_KERNEL);
    Files.setPosixFilePermissions(fk, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(sb.bootDir().resolve("vmlinuz-" + kernel), "kernel " + version);
    Files.writeString(sb.bootDir().resolve("initrd.img-" + kernel), "initrd " + version);
    Files.deleteIfExists(sb.bootDir().resolve("vmlinuz"));
    Files.createSymbolicLink(sb.bootDir().resolve("vmlinuz"), Path.of("vmlinuz-" + kernel));
    Path lib = root.resolve("usr/lib/linux-image-" + kernel);
    if (lacking != Lacking.DEVICE_TREES) {
      Files.writeString(Files.createDirectories(lib.resolve("broadcom")).resolve(DEVICE_TREE), "dtb " + version);
    }
    if (lacking == Lacking.NOTHING) {
      Files.writeString(Files.createDirectories(lib.resolve("overlays")).resolve(Path.of(OVERLAY).getFileName()),
          "overlay " + version);
    }
  }

  /** The mount points of this process's namespace at or below {@code dir} (from /proc/self/mountinfo). */
  public static List<String> mountsBelow(Path dir) throws IOException {
    String prefix = dir.toAbsolutePath().toString();
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().map(l -> l.split(" ")[4])
        .filter(m -> m.equals(prefix) || m.startsWith(prefix + "/")).toList();
  }

  public String running() {
    return running;
  }

  public Path root() {
    return work.resolve("root");
  }

  public Path firmwareDir() {
    return work.resolve("firmware");
  }

  public String device(String part) {
    return devices.get(part);
  }

  public boolean mounted(Path mnt) {
    return SYSTEM.runAllowingFailure(ErrorCode.UNRECOVERABLE, List.of("findmnt", "-n", "--mountpoint", mnt.toString()))
        .succeeded();
  }

  /** The rebooter of a test: records each request ({@code plain} or the firmware parameter). */
  public static Rebooter recording(List<String> requests) {
    return new Rebooter() {
      @Override
      public void reboot() {
        requests.add("plain");
      }

      @Override
      public void reboot(String param) {
        requests.add(param);
      }
    };
  }

  private static String sh(String... argv) {
    return SYSTEM.run(ErrorCode.UNRECOVERABLE, argv).stdout();
  }
}
