package dev.otaclient.internal.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.internal.fs.ContentHash;
import dev.otaclient.status.OtaStatus;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jetson UEFI on loop devices: rootfs slots 0 and 1 as ext4, the ESP as FAT (mkfs.vfat, served by
 * fusefat), a fake efivars directory and a stateful fake {@code nvbootctrl} in its UEFI form. The
 * firmware model at a reboot: with the capsule trigger set (QSPI: the OsIndications variable) and a
 * capsule on the ESP it applies the capsule: a good one sets the firmware version and switches the
 * boot chain to the other slot, a failed one leaves the chain where it was; either way trigger and
 * capsule are consumed. Otherwise it boots the active chain. L4TLauncher must be on the ESP.
 */
class JetsonUefiLoopDeviceTest {
  static final CommandRunner SYSTEM = CommandRunner.system();
  static final String TNSPEC = "3701-500-0004-M.0-1-1-jetson-agx-orin-devkit-";
  @TempDir Path work;
  final Map<String, String> devices = new LinkedHashMap<>();
  Path root;
  FakeSystem fake;

  @BeforeEach
  void provision() throws IOException {
    assumeTrue(GrubLoopDeviceTest.available() && Files.isExecutable(Path.of("/usr/sbin/mkfs.vfat"))
        && Files.isExecutable(Path.of("/usr/bin/fusefat")), "needs root, losetup, e2fsprogs, dosfstools and fusefat");
    for (String p : List.of("0", "1", "esp")) {
      Path img = work.resolve(p + ".img");
      try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
        f.setLength(32L << 20);
      }
      String dev = LoopDevices.reserve();
      sh("losetup", dev, img.toString());
      devices.put(p, dev);
      if (p.equals("esp")) {
        sh("mkfs.vfat", dev);
      } else {
        sh("mkfs.ext4", "-q", "-F", dev);
      }
    }
    root = Files.createDirectories(work.resolve("root"));
    sh("mount", devices.get("0"), root.toString());
    writeRootfs(root, "35", "4.1");
    onEsp(esp -> {
      Files.createDirectories(esp.resolve("EFI/BOOT"));
      Files.writeString(esp.resolve(JetsonUefiController.LAUNCHER), "L4TLauncher R35.4.1");
    });
    Files.createDirectories(work.resolve("efivars"));
    Files.writeString(work.resolve("compatible"), "nvidia,p3737-0000+p3701-0000\0nvidia,tegra234\0nvidia,tegra23x\0");
    Files.writeString(work.resolve("nv_boot_control.conf"), "TNSPEC " + TNSPEC + "\nTEGRA_CHIPID 0x23\n"
        + "TEGRA_OTA_BOOT_DEVICE /dev/mtdblock0\nTEGRA_OTA_GPT_DEVICE /dev/mtdblock0\n");
    fake = new FakeSystem(work.resolve("fake"));
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
    fake.install("mount", "n=$#; eval src=\\${$((n-1))}; eval mnt=\\${$n}\n"
        + "[ \"$src\" = \"" + devices.get("esp") + "\" ] && exec fusefat -o rw+ \"$src\" \"$mnt\"\nexec /usr/bin/mount \"$@\"\n");
    fake.install("nvbootctrl", """
        S="$D/t_nv"
        ab() { [ "$1" = 0 ] && echo A || echo B; }
        case "$1" in
          dump-slots-info) printf 'Current version: %s\\nCapsule update status: %s\\nCurrent bootloader slot: %s\\nActive bootloader slot: %s\\nnum_slots: 2\\n' \\
              "$(cat "$S/version")" "$(cat "$S/capsule")" "$(ab "$(cat "$S/current")")" "$(ab "$(cat "$S/active")")" ;;
          get-current-slot) cat "$S/current" ;;
          set-active-boot-slot) echo "$2" > "$S/active" ;;
          verify) echo "verified" ;;
          *) echo "nvbootctrl: unknown command $1" >&2; exit 2 ;;
        esac
        """);
    fake.table("parts", devices.get("0"), devices.get("1"), devices.get("esp"));
    fake.table("blkid", devices.get("0") + " 00000000-0000-4000-8000-0000000000a0 partuuid-0", devices.get("1") + " 00000000-0000-4000-8000-0000000000b1 partuuid-1");
    Path nv = Files.createDirectories(fake.dir.resolve("t_nv"));
    Files.writeString(nv.resolve("version"), "35.4.1\n");
    Files.writeString(nv.resolve("capsule"), "0\n");
    Files.writeString(nv.resolve("current"), "0\n");
    Files.writeString(nv.resolve("active"), "0\n");
  }

  @AfterEach
  void powerOff() {
    for (Path m : List.of(work.resolve("mnt/esp"), work.resolve("mnt/standby"), work.resolve("mnt/refroot"), root)) {
      SYSTEM.runAllowingFailure(ErrorCode.UNRECOVERABLE, List.of("umount", m.toString()));
    }
    devices.values().forEach(d -> SYSTEM.runAllowingFailure(ErrorCode.UNRECOVERABLE, List.of("losetup", "-d", d)));
  }

  static void writeRootfs(Path rootfs, String major, String revision) throws IOException {
    Files.createDirectories(rootfs.resolve("etc"));
    Files.createDirectories(rootfs.resolve("boot/extlinux"));
    Files.writeString(rootfs.resolve("etc/nv_tegra_release"), "# R" + major + " (release), REVISION: " + revision
        + ", GCID: 33958178, BOARD: t186ref, EABI: aarch64, DATE: Tue Aug  1 19:57:35 UTC 2023\n");
    Files.writeString(rootfs.resolve("boot/extlinux/extlinux.conf"), "LABEL primary\n      LINUX /boot/Image\n"
        + "      APPEND ${cbootargs} root=PARTUUID=old rw rootwait\n");
  }

  /** An image's firmware package: a capsule whose content the model reads (GOOD or BROKEN). */
  static void writeFirmware(Path rootfs, String capsule) throws IOException {
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
  interface EspBody {
    void run(Path esp) throws IOException;
  }

  void onEsp(EspBody body) throws IOException {
    Path mnt = Files.createDirectories(work.resolve("esp-view"));
    sh("fusefat", "-o", "rw+", devices.get("esp"), mnt.toString());
    try {
      body.run(mnt);
    } finally {
      sh("umount", mnt.toString());
    }
  }

  Path nv(String f) {
    return fake.dir.resolve("t_nv").resolve(f);
  }

  /** The firmware at a reboot; returns the slot it starts. */
  int reboot() throws IOException {
    int current = Integer.parseInt(Files.readString(nv("current")).strip());
    int target = Integer.parseInt(Files.readString(nv("active")).strip());
    Path trigger = work.resolve("efivars").resolve(JetsonUefiController.OS_INDICATIONS);
    String[] capsule = {null};
    boolean[] launcher = {false};
    onEsp(esp -> {
      launcher[0] = Files.isRegularFile(esp.resolve(JetsonUefiController.LAUNCHER));
      Path dir = esp.resolve(JetsonUefiController.CAPSULE_DIR);
      if (Files.exists(trigger) && Files.isDirectory(dir)) {
        try (Stream<Path> s = Files.list(dir)) {
          for (Path c : s.toList()) {
            capsule[0] = Files.readString(c);
            Files.delete(c);
          }
        }
      }
    });
    if (!launcher[0]) {
      throw new IllegalStateException("unbootable: no L4TLauncher on the ESP");
    }
    if (capsule[0] != null) {
      Files.delete(trigger);
      if (capsule[0].startsWith("GOOD")) {
        target = 1 - current;
        Files.writeString(nv("version"), capsule[0].substring("GOOD R".length()).strip() + "\n");
        Files.writeString(nv("capsule"), "1\n");
      } else {
        target = current;
        Files.writeString(nv("capsule"), "3\n");
      }
    }
    Path health = work.resolve("efivars").resolve(JetsonUefiController.ROOTFS_STATUS.get(target));
    if (target != current && Files.exists(health) && Files.readAllBytes(health)[4] != 0) {
      target = current; // a slot marked unbootable is not started: the chain stays
    }
    Files.writeString(nv("current"), target + "\n");
    Files.writeString(nv("active"), target + "\n");
    for (Path m : List.of(work.resolve("mnt/standby"), work.resolve("mnt/refroot"), root)) {
      SYSTEM.runAllowingFailure(ErrorCode.UNRECOVERABLE, List.of("umount", m.toString()));
    }
    sh("mount", devices.get(Integer.toString(target)), root.toString());
    return target;
  }

  /**
   * The firmware at a reboot into a slot that does not come up: the switch happens as in {@link #reboot},
   * then the new rootfs never marks its boot good, UEFI's retry count runs out and it falls back to the
   * chain and rootfs it came from. Returns the slot that runs.
   */
  int rebootIntoAHangingSlot() throws IOException {
    int before = Integer.parseInt(Files.readString(nv("current")).strip());
    int target = reboot();
    if (target != before) {
      // the retries are used up: the firmware marks the slot unbootable and never starts it again
      Files.write(work.resolve("efivars").resolve(JetsonUefiController.ROOTFS_STATUS.get(target)),
          new byte[] {7, 0, 0, 0, (byte) 0xff, 0, 0, 0});
      Files.writeString(nv("current"), before + "\n");
      Files.writeString(nv("active"), before + "\n");
      SYSTEM.runAllowingFailure(ErrorCode.UNRECOVERABLE, List.of("umount", root.toString()));
      sh("mount", devices.get(Integer.toString(before)), root.toString());
    }
    return before;
  }

  JetsonUefiController controller() {
    return new JetsonUefiController(new JetsonUefiController.JetsonUefiLayout(root, work.resolve("compatible"),
        work.resolve("nv_boot_control.conf"), work.resolve("efivars"), work.resolve("mnt/esp"),
        work.resolve("mnt/standby"), work.resolve("mnt/refroot")), fake.runner(), () -> { }, HealthCheck.none());
  }

  @Test
  void withoutFirmwareTheClientSwitchesTheBootChainItself() throws Exception {
    JetsonUefiController c = controller();
    assertThat(c.finalizeAtStartup().status()).isEqualTo(OtaStatus.INITIALIZED);
    Standby sb = c.prepareStandby("v2", false);
    writeRootfs(sb.root(), "35", "4.1");
    c.commitSwitch(sb);
    assertThat(Files.readString(nv("active")).strip()).isEqualTo("1");
    assertThat(reboot()).isEqualTo(1);
    assertThat(Files.readString(root.resolve("boot/extlinux/extlinux.conf"))).contains("root=PARTUUID=partuuid-1 rw");
    BootState s = controller().finalizeAtStartup();
    assertThat(s.status()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(s.version()).isEqualTo("v2");
  }

  @Test
  void aGoodCapsuleIsAppliedByTheFirmwareWhichSwitchesTheChain() throws Exception {
    JetsonUefiController c = controller();
    c.finalizeAtStartup();
    Standby sb = c.prepareStandby("v2", false);
    writeRootfs(sb.root(), "35", "4.1");
    writeFirmware(sb.root(), "GOOD R35.4.1");
    c.commitSwitch(sb);
    assertThat(Files.readString(nv("active")).strip()).as("the client leaves the switch to the capsule").isEqualTo("0");
    assertThat(work.resolve("efivars").resolve(JetsonUefiController.OS_INDICATIONS))
        .hasBinaryContent(JetsonUefiController.CAPSULE_TRIGGER);
    assertThat(reboot()).isEqualTo(1);
    assertThat(controller().finalizeAtStartup().status()).isEqualTo(OtaStatus.SUCCESS);
  }

  @Test
  void aFailedCapsuleLeavesTheOldSlotWhichReportsTheFallback() throws Exception {
    JetsonUefiController c = controller();
    c.finalizeAtStartup();
    Standby sb = c.prepareStandby("v2", false);
    writeRootfs(sb.root(), "35", "4.1");
    writeFirmware(sb.root(), "BROKEN");
    c.commitSwitch(sb);
    assertThat(reboot()).isEqualTo(0);
    BootState s = controller().finalizeAtStartup();
    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.failureReason()).startsWith("E2-0101-304");
  }

  @Test
  void aNewSlotThatDoesNotComeUpIsLeftByTheFirmwaresFallbackAndReported() throws Exception {
    JetsonUefiController c = controller();
    c.finalizeAtStartup();
    Standby sb = c.prepareStandby("v2", false);
    writeRootfs(sb.root(), "35", "4.1");
    c.commitSwitch(sb);
    assertThat(rebootIntoAHangingSlot()).isEqualTo(0);
    BootState s = controller().finalizeAtStartup();
    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.failureReason()).startsWith("E2-0101-304").contains("slot 1");
    assertThat(Files.readString(nv("active")).strip()).isEqualTo("0");
  }

  @Test
  void theNextUpdateResetsTheUnbootableMarkOfASlotThatFailedBefore() throws Exception {
    JetsonUefiController c = controller();
    c.finalizeAtStartup();
    Standby sb = c.prepareStandby("v2", false);
    writeRootfs(sb.root(), "35", "4.1");
    c.commitSwitch(sb);
    assertThat(rebootIntoAHangingSlot()).isEqualTo(0);
    JetsonUefiController again = controller();
    assertThat(again.finalizeAtStartup().status()).isEqualTo(OtaStatus.FAILURE);
    Standby retry = again.prepareStandby("v2", false);
    writeRootfs(retry.root(), "35", "4.1");
    again.commitSwitch(retry);
    assertThat(work.resolve("efivars").resolve(JetsonUefiController.ROOTFS_STATUS.get(1)))
        .hasBinaryContent(JetsonUefiController.ROOTFS_BOOTABLE);
    assertThat(reboot()).as("slot 1 is started again").isEqualTo(1);
    assertThat(controller().finalizeAtStartup().status()).isEqualTo(OtaStatus.SUCCESS);
  }

  @Test
  void anImageOfAnotherBspReleaseIsRefusedBeforeAnythingIsArmed() throws Exception {
    JetsonUefiController c = controller();
    c.finalizeAtStartup();
    Standby sb = c.prepareStandby("v2", false);
    writeRootfs(sb.root(), "36", "3.0");
    assertThatThrownBy(() -> c.commitSwitch(sb)).hasMessageContaining("E2-0101-304")
        .hasMessageContaining("R36.3.0").hasMessageContaining("R35.4.1");
    c.onFailure("E2-0101-304: refused");
    assertThat(Files.readString(nv("active")).strip()).isEqualTo("0");
    assertThat(reboot()).isEqualTo(0);
    assertThat(controller().finalizeAtStartup().status()).isEqualTo(OtaStatus.FAILURE);
  }

  private static String sh(String... argv) {
    return SYSTEM.run(ErrorCode.UNRECOVERABLE, argv).stdout();
  }
}
