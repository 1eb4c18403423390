package dev.otaclient.internal.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.status.OtaStatus;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Raspberry Pi tryboot on loop devices: a FAT system-boot partition made by {@code mkfs.vfat} (mounted
 * with fusefat, as this kernel has no vfat driver) and two
 * ext4 slots labelled slot_a and slot_b, real mount/umount/blkid/e2label/dumpe2fs/mkfs.ext4, only
 * {@code lsblk} faked. The firmware model: with the one-shot tryboot flag (passed as the reboot
 * parameter {@code "0 tryboot"}) it reads tryboot.txt, otherwise config.txt; the file's kernel,
 * initramfs and cmdline must be on the boot partition and the cmdline's {@code root=LABEL=} a slot;
 * the flag is gone after that one boot.
 */
class RpiTrybootLoopDeviceTest {
  static final CommandRunner SYSTEM = CommandRunner.system();
  @TempDir Path work;
  final Map<String, String> devices = new LinkedHashMap<>();
  final List<String> reboots = new ArrayList<>();
  Path root;
  Path fw;
  String running;

  @BeforeEach
  void provision() throws IOException {
    assumeTrue(GrubLoopDeviceTest.available() && Files.isExecutable(Path.of("/usr/sbin/mkfs.vfat"))
        && Files.isExecutable(Path.of("/usr/bin/fusefat")), "needs root, losetup, e2fsprogs, dosfstools and fusefat");
    for (String p : List.of("boot", "slot_a", "slot_b")) {
      Path img = work.resolve(p + ".img");
      try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
        f.setLength(32L << 20);
      }
      String dev = LoopDevices.reserve();
      sh("losetup", dev, img.toString());
      devices.put(p, dev);
      if (p.equals("boot")) {
        sh("mkfs.vfat", "-n", "system-boot", dev);
      } else {
        sh("mkfs.ext4", "-q", "-F", "-L", p, dev);
      }
    }
    root = Files.createDirectories(work.resolve("root"));
    fw = Files.createDirectories(work.resolve("firmware"));
    boot("slot_a");
    for (String s : List.of("slot_a", "slot_b")) {
      Files.writeString(fw.resolve("config.txt_" + s), "[all]\nkernel=vmlinuz_" + s + "\ninitramfs initrd.img_" + s
          + " followkernel\ncmdline=cmdline.txt_" + s + "\n");
      Files.writeString(fw.resolve("cmdline.txt_" + s), "console=serial0,115200 root=LABEL=" + s + " rootfstype=ext4 rootwait\n");
    }
    Files.writeString(fw.resolve("vmlinuz_slot_a"), "kernel factory");
    Files.writeString(fw.resolve("initrd.img_slot_a"), "initrd factory");
    Files.copy(fw.resolve("config.txt_slot_a"), fw.resolve("config.txt"));
    Files.copy(fw.resolve("config.txt_slot_b"), fw.resolve("tryboot.txt"));
    Files.writeString(work.resolve("model"), "Raspberry Pi 4 Model B Rev 1.4\0");
  }

  @AfterEach
  void powerOff() {
    for (Path m : List.of(work.resolve("mnt/standby"), work.resolve("mnt/refroot"), root, fw)) {
      SYSTEM.runAllowingFailure(ErrorCode.UNRECOVERABLE, List.of("umount", m.toString()));
    }
    devices.values().forEach(d -> SYSTEM.runAllowingFailure(ErrorCode.UNRECOVERABLE, List.of("losetup", "-d", d)));
  }

  void boot(String slot) throws IOException {
    for (Path m : List.of(work.resolve("mnt/standby"), work.resolve("mnt/refroot"), root, fw)) {
      SYSTEM.runAllowingFailure(ErrorCode.UNRECOVERABLE, List.of("umount", m.toString()));
    }
    sh("mount", devices.get(slot), root.toString());
    // this kernel has no vfat driver: the FAT file system is served by fusefat (FUSE), still a real FAT
    sh("fusefat", "-o", "rw+", devices.get("boot"), fw.toString());
    running = slot;
  }

  /** The firmware: tryboot.txt once after a tryboot reboot, else config.txt. */
  String firmware(boolean tryboot) throws IOException {
    String cfg = Files.readString(fw.resolve(tryboot ? "tryboot.txt" : "config.txt"));
    Matcher k = Pattern.compile("(?m)^kernel=(\\S+)").matcher(cfg);
    Matcher i = Pattern.compile("(?m)^initramfs (\\S+)").matcher(cfg);
    Matcher c = Pattern.compile("(?m)^cmdline=(\\S+)").matcher(cfg);
    if (!k.find() || !i.find() || !c.find() || !Files.isRegularFile(fw.resolve(k.group(1)))
        || !Files.isRegularFile(fw.resolve(i.group(1))) || !Files.isRegularFile(fw.resolve(c.group(1)))) {
      throw new IllegalStateException("unbootable: " + cfg);
    }
    Matcher r = Pattern.compile("root=LABEL=(\\S+)").matcher(Files.readString(fw.resolve(c.group(1))));
    if (!r.find() || !devices.containsKey(r.group(1)) || r.group(1).equals("boot")) {
      throw new IllegalStateException("unbootable: root of " + c.group(1));
    }
    return r.group(1);
  }

  /** Reboots as the last recorded reboot request says (tryboot or plain). */
  String reboot() throws IOException {
    boolean tryboot = !reboots.isEmpty() && reboots.get(reboots.size() - 1).equals("0 tryboot");
    reboots.clear();
    String slot = firmware(tryboot);
    boot(slot);
    return slot;
  }

  RpiTrybootController controller() throws IOException {
    FakeSystem fake = new FakeSystem(work.resolve("fake")).install("lsblk", FakeSystem.LSBLK);
    fake.table("disk", "/dev/otadisk");
    fake.table("children", "NAME=\"/dev/otadisk\"", "NAME=\"" + devices.get("boot") + "\"",
        "NAME=\"" + devices.get("slot_a") + "\"", "NAME=\"" + devices.get("slot_b") + "\"");
    Rebooter r = new Rebooter() {
      @Override
      public void reboot() {
        reboots.add("plain");
      }

      @Override
      public void reboot(String param) {
        reboots.add(param);
      }
    };
    return new RpiTrybootController(new RpiTrybootController.RpiLayout(root, fw, work.resolve("model"),
        work.resolve("mnt/standby"), work.resolve("mnt/refroot")), fake.runner(), r, HealthCheck.none());
  }

  static void writeImage(Standby sb, String version) throws IOException {
    Files.createDirectories(sb.root().resolve("etc"));
    Files.writeString(sb.root().resolve("etc/os-release"), "VERSION=" + version + "\n");
    Files.writeString(sb.bootDir().resolve("vmlinuz-6.1.0-rpi"), "kernel " + version);
    Files.createSymbolicLink(sb.bootDir().resolve("vmlinuz"), Path.of("vmlinuz-6.1.0-rpi"));
    Files.writeString(sb.bootDir().resolve("initrd.img"), "initrd " + version);
  }

  @Test
  void updatesThroughTrybootAndFinalisesByMakingConfigTxtTheNewSlots() throws Exception {
    RpiTrybootController c = controller();
    assertThat(c.finalizeAtStartup().status()).isEqualTo(OtaStatus.INITIALIZED);
    Standby sb = c.prepareStandby("v2", false);
    writeImage(sb, "v2");
    c.commitSwitch(sb);
    assertThat(fw.resolve("vmlinuz_slot_b")).hasContent("kernel v2");
    assertThat(fw.resolve("tryboot.txt")).hasSameBinaryContentAs(fw.resolve("config.txt_slot_b"));
    assertThat(firmware(false)).as("a reset without tryboot still starts the old slot").isEqualTo("slot_a");
    c.reboot();
    assertThat(reboots).containsExactly("0 tryboot");
    assertThat(reboot()).isEqualTo("slot_b");
    BootState s = controller().finalizeAtStartup();
    assertThat(s.status()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(s.version()).isEqualTo("v2");
    assertThat(fw.resolve("config.txt")).hasSameBinaryContentAs(fw.resolve("config.txt_slot_b"));
    assertThat(fw.resolve("tryboot.txt")).hasSameBinaryContentAs(fw.resolve("config.txt_slot_a"));
    assertThat(root.resolve("etc/fstab")).hasContent("LABEL=slot_b\t/\text4\tdiscard,x-systemd.growfs\t0\t1\n"
        + "LABEL=system-boot\t/boot/firmware\tvfat\tdefaults\t0\t1\n");
    assertThat(firmware(false)).isEqualTo("slot_b");
  }

  @Test
  void aSlotThatDoesNotComeUpUnderTrybootIsLeftAtTheNextResetAndReportedAsFailure() throws Exception {
    RpiTrybootController c = controller();
    c.finalizeAtStartup();
    Standby sb = c.prepareStandby("v2", false);
    writeImage(sb, "v2");
    c.commitSwitch(sb);
    c.reboot();
    assertThat(reboot()).isEqualTo("slot_b"); // the one tryboot; slot_b hangs, the watchdog resets
    assertThat(reboot()).isEqualTo("slot_a");
    BootState s = controller().finalizeAtStartup();
    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.failureReason()).startsWith("E2-0101-304").contains("slot_b");
  }

  @Test
  void refusesAMachineThatIsNoRaspberryPi() throws Exception {
    Files.writeString(work.resolve("model"), "NVIDIA Jetson AGX Orin\0");
    org.assertj.core.api.Assertions.assertThatThrownBy(this::controller)
        .hasMessageContaining("E2-0101-301").hasMessageContaining("is not a Raspberry Pi");
  }

  private static String sh(String... argv) {
    return SYSTEM.run(ErrorCode.UNRECOVERABLE, argv).stdout();
  }
}
