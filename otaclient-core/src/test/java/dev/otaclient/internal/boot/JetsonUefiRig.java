package dev.otaclient.internal.boot;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.internal.fs.ContentHash;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A Jetson Orin (UEFI) disk on three loop devices: rootfs slots 0 (APP) and 1 (APP_b) as ext4, the ESP
 * as FAT ({@code mkfs.vfat}, served by fusefat when mounted), with a fake efivars directory and a
 * stateful fake {@code nvbootctrl} in its UEFI form whose state ({@code nvram/}) survives power cycles,
 * as the firmware's does. Real mount, umount, mkfs.ext4, dumpe2fs; faked {@code lsblk}, {@code blkid}
 * (PARTUUIDs: loop devices have no partition table) and {@code nvbootctrl}.
 *
 * <p>The firmware model at a reboot: with the capsule trigger set (QSPI: the OsIndications variable) and
 * a capsule on the ESP it applies the capsule: a good one ({@code GOOD R<bsp>}) sets the firmware version
 * and switches the boot chain to the other slot, a failed one leaves the chain where it was; either way
 * trigger and capsule are consumed. Otherwise it boots the active chain, unless that slot is marked
 * unbootable in {@code RootfsStatusSlotX}. L4TLauncher must be on the ESP and the slot's extlinux.conf
 * must name its own PARTUUID.
 *
 * <p>The efivars directory and the nvbootctrl state are NVRAM: written synchronously and never cut.
 */
public final class JetsonUefiRig implements AutoCloseable {
  public static final String TNSPEC = "3701-500-0004-M.0-1-1-jetson-agx-orin-devkit-";
  private static final CommandRunner SYSTEM = CommandRunner.system();
  private static final List<String> ORDER = List.of("0", "1", "esp");

  private final Path work;
  private final Map<String, String> devices = new LinkedHashMap<>();

  private JetsonUefiRig(Path work) {
    this.work = work;
  }

  public static boolean available() {
    return RpiTrybootRig.available();
  }

  /** A flashed device running slot 0 (R35.4.1, L4TLauncher on the ESP), before the client's first start. */
  public static JetsonUefiRig provision(Path work) throws IOException {
    JetsonUefiRig rig = new JetsonUefiRig(Files.createDirectories(work));
    for (String p : ORDER) {
      Path img = work.resolve(p + ".img");
      try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
        f.setLength(32L << 20);
      }
      if (p.equals("esp")) {
        sh("mkfs.vfat", img.toString());
      } else {
        sh("mkfs.ext4", "-q", "-F", img.toString());
      }
    }
    Files.createDirectories(work.resolve("efivars"));
    Files.writeString(work.resolve("compatible"), "nvidia,p3737-0000+p3701-0000\0nvidia,tegra234\0nvidia,tegra23x\0");
    Files.writeString(work.resolve("nv_boot_control.conf"), "TNSPEC " + TNSPEC + "\nTEGRA_CHIPID 0x23\n"
        + "TEGRA_OTA_BOOT_DEVICE /dev/mtdblock0\nTEGRA_OTA_GPT_DEVICE /dev/mtdblock0\n");
    Path nv = Files.createDirectories(work.resolve("nvram"));
    Files.writeString(nv.resolve("version"), "35.4.1\n");
    Files.writeString(nv.resolve("capsule"), "0\n");
    Files.writeString(nv.resolve("current"), "0\n");
    Files.writeString(nv.resolve("active"), "0\n");
    rig.powerOn();
    writeRootfs(rig.root(), "35", "4.1");
    Path extlinux = rig.root().resolve("boot/extlinux/extlinux.conf");
    Files.writeString(extlinux, ExtlinuxConfig.rewriteRoot(Files.readString(extlinux), "partuuid-0"));
    rig.onEsp(esp -> {
      Files.createDirectories(esp.resolve("EFI/BOOT"));
      Files.writeString(esp.resolve(JetsonUefiController.LAUNCHER), "L4TLauncher R35.4.1");
    });
    return rig;
  }

  /** Boots the powered-off device in {@code work} into the slot nvbootctrl says runs. */
  public static JetsonUefiRig boot(Path work) throws IOException {
    JetsonUefiRig rig = new JetsonUefiRig(work);
    rig.powerOn();
    return rig;
  }

  /** Copies the powered-off device: images, NVRAM and the device's files. */
  public static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    for (String part : ORDER) {
      sh("cp", "--sparse=always", from.resolve(part + ".img").toString(), to.resolve(part + ".img").toString());
    }
    for (String f : List.of("devices", "compatible", "nv_boot_control.conf")) {
      Files.copy(from.resolve(f), to.resolve(f));
    }
    sh("cp", "-a", from.resolve("efivars").toString(), from.resolve("nvram").toString(), to.toString());
  }

  private void powerOn() throws IOException {
    devices.putAll(LoopDevices.attach(work, ORDER));
    sh("mount", devices.get(Integer.toString(running())), Files.createDirectories(root()).toString());
    installFakes();
  }

  private void installFakes() throws IOException {
    Path dir = work.resolve("fake");
    AtomicFiles.deleteTree(dir);
    FakeSystem fake = new FakeSystem(dir).install("reboot", FakeSystem.RECORD_ONLY);
    fake.install("lsblk", """
        case "$*" in
          *PKNAME*) echo /dev/otadisk ;;
          *) echo 'NAME="/dev/otadisk" PARTLABEL=""'
             echo "NAME=\\"$(sed -n 1p "$D/t_parts")\\" PARTLABEL=\\"APP\\""
             echo "NAME=\\"$(sed -n 2p "$D/t_parts")\\" PARTLABEL=\\"APP_b\\""
             echo "NAME=\\"$(sed -n 3p "$D/t_parts")\\" PARTLABEL=\\"esp\\"" ;;
        esac
        """);
    fake.install("blkid", FakeSystem.BLKID);
    ProbeStandIns.fatAwareMounts(fake, devices.get("esp"));
    ProbeStandIns.wrapped(fake, "mkfs.ext4", "/usr/sbin/mkfs.ext4 \"$@\"");
    ProbeStandIns.wrapped(fake, "chattr", "/usr/bin/chattr \"$@\"");
    ProbeStandIns.wrapped(fake, "ota-health", "sleep 0.1");
    ProbeStandIns.wrapped(fake, "nvbootctrl", """
        S='@NVRAM@'
        ab() { [ "$1" = 0 ] && echo A || echo B; }
        case "$1" in
          dump-slots-info) printf 'Current version: %s\\nCapsule update status: %s\\nCurrent bootloader slot: %s\\nActive bootloader slot: %s\\nnum_slots: 2\\n' \\
              "$(cat "$S/version")" "$(cat "$S/capsule")" "$(ab "$(cat "$S/current")")" "$(ab "$(cat "$S/active")")" ;;
          get-current-slot) cat "$S/current" ;;
          set-active-boot-slot) echo "$2" > "$S/active.new" && sync "$S/active.new" && mv "$S/active.new" "$S/active" ;;
          verify) echo "verified" ;;
          *) echo "nvbootctrl: unknown command $1" >&2; false ;;
        esac
        """.replace("@NVRAM@", work.resolve("nvram").toString()));
    fake.table("parts", devices.get("0"), devices.get("1"), devices.get("esp"));
    fake.table("blkid", devices.get("0") + " 00000000-0000-4000-8000-0000000000a0 partuuid-0",
        devices.get("1") + " 00000000-0000-4000-8000-0000000000b1 partuuid-1");
  }

  private static JetsonUefiController.JetsonUefiLayout layoutAt(Path work) {
    return new JetsonUefiController.JetsonUefiLayout(work.resolve("root"), work.resolve("compatible"),
        work.resolve("nv_boot_control.conf"), work.resolve("efivars"), work.resolve("mnt/esp"),
        work.resolve("mnt/standby"), work.resolve("mnt/refroot"));
  }

  public JetsonUefiController.JetsonUefiLayout layout() {
    return layoutAt(work);
  }

  public JetsonUefiController controller(Rebooter rebooter, HealthCheck health) {
    return controllerAt(work, rebooter, health);
  }

  /** The controller of the device in {@code work} (also from a child JVM that did not set it up). */
  public static JetsonUefiController controllerAt(Path work, Rebooter rebooter, HealthCheck health) {
    return new JetsonUefiController(layoutAt(work), CommandRunner.withPrefix(work.resolve("fake")), rebooter, health);
  }

  /** The rootfs of an L4T release: nv_tegra_release and an extlinux.conf. */
  public static void writeRootfs(Path rootfs, String major, String revision) throws IOException {
    Files.createDirectories(rootfs.resolve("etc"));
    Files.createDirectories(rootfs.resolve("boot/extlinux"));
    Files.writeString(rootfs.resolve("etc/nv_tegra_release"), "# R" + major + " (release), REVISION: " + revision
        + ", GCID: 33958178, BOARD: t186ref, EABI: aarch64, DATE: Tue Aug  1 19:57:35 UTC 2023\n");
    Files.writeString(rootfs.resolve("boot/extlinux/extlinux.conf"), "LABEL primary\n      LINUX /boot/Image\n"
        + "      APPEND ${cbootargs} root=PARTUUID=old rw rootwait\n");
  }

  /** An image's firmware package: a capsule whose content the model reads (GOOD R.. or BROKEN) and L4TLauncher. */
  public static void writeFirmware(Path rootfs, String capsule) throws IOException {
    Path dir = Files.createDirectories(rootfs.resolve("opt/ota/firmware"));
    Files.writeString(dir.resolve("bl_only_payload.Cap"), capsule);
    Files.writeString(dir.resolve("BOOTAA64.efi"), "L4TLauncher R35.4.1");
    String capDigest = ContentHash.of(capsule.getBytes(StandardCharsets.UTF_8));
    String appDigest = ContentHash.of("L4TLauncher R35.4.1".getBytes(StandardCharsets.UTF_8));
    Files.writeString(dir.resolve("firmware_manifest.yaml"), """
        format_version: 1
        hardware_type: nvidia_jetson
        hardware_series: ADLINK RQX
        hardware_model: rqx59g
        firmware_spec:
          bsp_version: "R35.4.1"
          firmware_compat:
            board_id: "3701"
            board_sku: "0004"
            board_rev: "M.0"
            fab_id: "500"
            board_conf: "jetson-agx-orin-devkit"
        firmware_packages:
          - payload_name: bl_only_payload.Cap
            file_location: file:///opt/ota/firmware/bl_only_payload.Cap
            type: UEFI-CAPSULE
            digest: sha256:%s
          - payload_name: BOOTAA64.efi
            file_location: file:///opt/ota/firmware/BOOTAA64.efi
            type: UEFI-BOOT-APP
            digest: sha256:%s
        """.formatted(capDigest, appDigest));
    Files.writeString(dir.resolve("firmware_update.yaml"), "format_version: 1\nfirmware_list:\n  - bl_only_payload.Cap\n"
        + "  - BOOTAA64.efi\n");
  }

  @FunctionalInterface
  public interface EspBody {
    void run(Path esp) throws IOException;
  }

  /** Runs {@code body} on the ESP, mounted (fusefat) for the call and flushed at its unmount. */
  public void onEsp(EspBody body) throws IOException {
    Path mnt = Files.createDirectories(work.resolve("esp-view"));
    sh("fusefat", "-o", "rw+", devices.get("esp"), mnt.toString());
    try {
      body.run(mnt);
    } finally {
      sh("umount", mnt.toString());
      sh("blockdev", "--flushbufs", devices.get("esp"));
    }
  }

  public Path nv(String f) {
    return work.resolve("nvram").resolve(f);
  }

  private int nvInt(String f) throws IOException {
    return Integer.parseInt(Files.readString(nv(f)).strip());
  }

  public Path efivar(String name) {
    return work.resolve("efivars").resolve(name);
  }

  /** The rootfs slot that runs (nvbootctrl's current slot). */
  public int running() throws IOException {
    return nvInt("current");
  }

  /** The chain the firmware would start now, consuming nothing (no capsule is applied). Throws when nothing boots. */
  public int nextBoot() throws IOException {
    return firmware(false);
  }

  /** The firmware at a reboot: capsule, chain, mount of the slot it starts. Returns that slot. */
  public int reboot() throws IOException {
    int target = firmware(true);
    Files.writeString(nv("current"), target + "\n");
    Files.writeString(nv("active"), target + "\n");
    powerOff();
    powerOn();
    String extlinux = AtomicFiles.readString(root().resolve("boot/extlinux/extlinux.conf")).orElse("");
    if (!extlinux.contains("root=PARTUUID=partuuid-" + target + " ")) {
      throw new IllegalStateException("unbootable: slot " + target + "'s extlinux.conf mounts another root:\n" + extlinux);
    }
    return target;
  }

  private int firmware(boolean consume) throws IOException {
    int current = running();
    int target = nvInt("active");
    Path trigger = efivar(JetsonUefiController.OS_INDICATIONS);
    String[] capsule = {null};
    boolean[] launcher = {false};
    onEsp(esp -> {
      launcher[0] = Files.isRegularFile(esp.resolve(JetsonUefiController.LAUNCHER))
          && Files.size(esp.resolve(JetsonUefiController.LAUNCHER)) > 0;
      Path dir = esp.resolve(JetsonUefiController.CAPSULE_DIR);
      if (Files.exists(trigger) && Files.isDirectory(dir)) {
        try (Stream<Path> s = Files.list(dir)) {
          for (Path c : s.toList()) {
            capsule[0] = Files.readString(c);
            if (consume) {
              Files.delete(c);
            }
          }
        }
      }
    });
    if (!launcher[0]) {
      throw new IllegalStateException("unbootable: no L4TLauncher on the ESP");
    }
    if (capsule[0] != null) {
      boolean good = capsule[0].startsWith("GOOD");
      target = good ? 1 - current : current;
      if (consume) {
        Files.delete(trigger);
        if (good) {
          Files.writeString(nv("version"), capsule[0].substring("GOOD R".length()).strip() + "\n");
        }
        Files.writeString(nv("capsule"), good ? "1\n" : "3\n");
      }
    }
    Path health = efivar(JetsonUefiController.ROOTFS_STATUS.get(target));
    if (target != current && Files.exists(health) && Files.readAllBytes(health)[4] != 0) {
      target = current; // a slot marked unbootable is not started: the chain stays
    }
    return target;
  }

  /**
   * The firmware at a reboot into a slot that does not come up: the switch happens as in {@link #reboot},
   * then the new rootfs never marks its boot good, UEFI's retry count runs out, it marks the slot
   * unbootable and falls back to the chain and rootfs it came from. Returns the slot that runs.
   */
  public int rebootIntoAHangingSlot() throws IOException {
    int before = running();
    int target = reboot();
    if (target != before) {
      Files.write(efivar(JetsonUefiController.ROOTFS_STATUS.get(target)), new byte[] {7, 0, 0, 0, (byte) 0xff, 0, 0, 0});
      Files.writeString(nv("current"), before + "\n");
      Files.writeString(nv("active"), before + "\n");
      powerOff();
      powerOn();
    }
    return before;
  }

  /** See {@link ProbeStandIns#stopAt}: the power of the running rootfs, the mounted standby and the ESP. */
  public Map<String, String> stopAt(String event, int nth, long delayMicros, boolean cut) {
    return ProbeStandIns.stopAt(work.resolve("fake"), event, nth, delayMicros, cut,
        List.of(root(), layout().standbyMount()), List.of(work.resolve("esp.img")));
  }

  /** Unmounts everything and detaches the loop devices; an ESP image cut by a stop is then put in place. */
  public void powerOff() {
    JetsonUefiController.JetsonUefiLayout l = layout();
    for (Path mnt : List.of(l.espMount(), l.standbyMount(), l.refrootMount(), work.resolve("esp-view"),
        work.resolve("peek"), root())) {
      for (int i = 0; i < 5 && mounted(mnt); i++) {
        SYSTEM.runAllowingFailure(ErrorCode.UNRECOVERABLE, List.of("umount", mnt.toString()));
      }
    }
    LoopDevices.detach(devices.values());
    devices.clear();
    try {
      ProbeStandIns.restoreCutImages(List.of(work.resolve("esp.img")));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    powerOff();
  }

  /** e2fsck -fy of both slots, fsck.fat -n of the ESP (the firmware does not repair it); the worst exit code. */
  public int fsck() {
    int worst = 0;
    for (String part : List.of("0", "1")) {
      worst = Math.max(worst, SYSTEM.runAllowingFailure(ErrorCode.UNRECOVERABLE,
          List.of("e2fsck", "-fy", work.resolve(part + ".img").toString())).exitCode());
    }
    return Math.max(worst, SYSTEM.runAllowingFailure(ErrorCode.UNRECOVERABLE,
        List.of("fsck.fat", "-n", work.resolve("esp.img").toString())).exitCode());
  }

  /** The status of both slots (the other mounted for the call, a second mount if the client left it mounted): slot → status text or null. */
  public Map<Integer, String> statusFiles() throws IOException {
    Map<Integer, String> out = new LinkedHashMap<>();
    int me = running();
    out.put(me, AtomicFiles.readString(root().resolve("boot/ota-status/status")).orElse(null));
    Path peek = Files.createDirectories(work.resolve("peek"));
    sh("mount", devices.get(Integer.toString(1 - me)), peek.toString());
    try {
      out.put(1 - me, AtomicFiles.readString(peek.resolve("boot/ota-status/status")).orElse(null));
    } finally {
      sh("umount", peek.toString());
    }
    return out;
  }

  public Path root() {
    return work.resolve("root");
  }

  public boolean mounted(Path mnt) {
    return SYSTEM.runAllowingFailure(ErrorCode.UNRECOVERABLE, List.of("findmnt", "-n", "--mountpoint", mnt.toString()))
        .succeeded();
  }

  private static String sh(String... argv) {
    return SYSTEM.run(ErrorCode.UNRECOVERABLE, argv).stdout();
  }
}
