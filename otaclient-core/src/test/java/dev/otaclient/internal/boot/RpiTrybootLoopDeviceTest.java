package dev.otaclient.internal.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.status.OtaStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Raspberry Pi tryboot on loop devices ({@link RpiTrybootRig}): a FAT system-boot partition made by
 * {@code mkfs.vfat} (served by fusefat, as this kernel has no vfat driver) and two ext4 slots labelled
 * slot_a and slot_b, with the rig's model of the firmware's one-shot tryboot.
 */
class RpiTrybootLoopDeviceTest {
  @TempDir Path work;
  final List<String> reboots = new ArrayList<>();
  RpiTrybootRig rig;

  @BeforeEach
  void provision() throws IOException {
    assumeTrue(RpiTrybootRig.available(), "needs root, losetup, e2fsprogs, dosfstools and fusefat");
    rig = RpiTrybootRig.provision(work.resolve("dev"));
  }

  @AfterEach
  void powerOff() {
    if (rig != null) {
      rig.powerOff();
    }
  }

  /** Reboots as the last recorded reboot request says (tryboot or plain). */
  String reboot() throws IOException {
    boolean tryboot = !reboots.isEmpty() && reboots.get(reboots.size() - 1).equals("0 tryboot");
    reboots.clear();
    return rig.reboot(tryboot);
  }

  RpiTrybootController controller() {
    return rig.controller(RpiTrybootRig.recording(reboots), HealthCheck.none());
  }

  @Test
  void updatesThroughTrybootAndFinalisesByMakingConfigTxtTheNewSlots() throws Exception {
    Path fw = rig.firmwareDir();
    RpiTrybootController c = controller();
    assertThat(c.finalizeAtStartup().status()).isEqualTo(OtaStatus.INITIALIZED);
    Standby sb = c.prepareStandby("v2", false);
    RpiTrybootRig.writeImage(sb, "v2");
    c.commitSwitch(sb);
    assertThat(fw.resolve("vmlinuz_slot_b")).hasContent("kernel v2");
    assertThat(fw.resolve("tryboot.txt")).hasSameBinaryContentAs(fw.resolve("config.txt_slot_b"));
    assertThat(rig.firmware(false)).as("a reset without tryboot still starts the old slot").isEqualTo("slot_a");
    c.reboot();
    assertThat(reboots).containsExactly("0 tryboot");
    assertThat(reboot()).isEqualTo("slot_b");
    BootState s = controller().finalizeAtStartup();
    assertThat(s.status()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(s.version()).isEqualTo("v2");
    assertThat(fw.resolve("config.txt")).hasSameBinaryContentAs(fw.resolve("config.txt_slot_b"));
    assertThat(fw.resolve("tryboot.txt")).hasSameBinaryContentAs(fw.resolve("config.txt_slot_a"));
    assertThat(rig.root().resolve("etc/fstab")).hasContent("LABEL=slot_b\t/\text4\tdiscard,x-systemd.growfs\t0\t1\n"
        + "LABEL=system-boot\t/boot/firmware\tvfat\tdefaults\t0\t1\n");
    assertThat(rig.firmware(false)).isEqualTo("slot_b");
  }

  @Test
  void aSlotThatDoesNotComeUpUnderTrybootIsLeftAtTheNextResetAndReportedAsFailure() throws Exception {
    RpiTrybootController c = controller();
    c.finalizeAtStartup();
    Standby sb = c.prepareStandby("v2", false);
    RpiTrybootRig.writeImage(sb, "v2");
    c.commitSwitch(sb);
    c.reboot();
    assertThat(reboot()).isEqualTo("slot_b"); // the one tryboot; slot_b hangs, the watchdog resets
    assertThat(reboot()).isEqualTo("slot_a");
    BootState s = controller().finalizeAtStartup();
    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.failureReason()).startsWith("E2-0101-304").contains("slot_b");
  }

  @Test
  void theNewSlotsFlashKernelPutsItsKernelAndDeviceTreesOnSystemBootAndItsBackupsGoAtFinalisation() throws Exception {
    Path fw = rig.firmwareDir();
    RpiTrybootController c = controller();
    Standby sb = flashKernelStandby(c, RpiTrybootRig.Lacking.NOTHING);
    c.commitSwitch(sb);
    assertThat(RpiTrybootRig.mountsBelow(work)).as("only the rig's own mounts remain")
        .containsExactlyInAnyOrder(rig.root().toString(), fw.toString());
    assertThat(fw.resolve("vmlinuz_slot_b")).hasContent("kernel v2");
    assertThat(fw.resolve("initrd.img_slot_b")).hasContent("initrd v2");
    assertThat(fw.resolve("vmlinuz_slot_a")).hasContent("kernel factory");
    assertThat(fw.resolve("vmlinuz")).as("renamed to the slot's name").doesNotExist();
    assertThat(fw.resolve("initrd.img")).doesNotExist();
    assertThat(fw.resolve("bcm2711-rpi-4-b.dtb")).hasContent("dtb v2");
    assertThat(fw.resolve("overlays/vc4-kms-v3d.dtbo")).hasContent("overlay v2");
    assertThat(fw.resolve("bcm2711-rpi-4-b.dtb.bak")).hasContent("dtb factory");
    c.reboot();
    assertThat(reboot()).isEqualTo("slot_b");
    assertThat(controller().finalizeAtStartup().status()).isEqualTo(OtaStatus.SUCCESS);
    try (var files = Files.walk(fw)) {
      assertThat(files.map(Path::toString).filter(n -> n.endsWith(".bak")).toList()).isEmpty();
    }
    assertThat(fw.resolve("bcm2711-rpi-4-b.dtb")).hasContent("dtb v2");
    assertThat(rig.firmware(false)).isEqualTo("slot_b");
  }

  @Test
  void aFailingFlashKernelFailsTheUpdateAndTheDeviceKeepsBootingTheRunningSlot() throws Exception {
    Path fw = rig.firmwareDir();
    RpiTrybootController c = controller();
    Standby sb = flashKernelStandby(c, RpiTrybootRig.Lacking.DEVICE_TREES);
    java.util.Map<String, byte[]> before = new java.util.TreeMap<>();
    for (String f : List.of("config.txt", "tryboot.txt", "vmlinuz_slot_a", "initrd.img_slot_a", "config.txt_slot_a",
        "cmdline.txt_slot_a", "bcm2711-rpi-4-b.dtb")) {
      before.put(f, Files.readAllBytes(fw.resolve(f)));
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.commitSwitch(sb))
        .isInstanceOf(dev.otaclient.error.OtaException.class)
        .hasMessageContaining("-0101-304").hasMessageContaining("flash-kernel")
        .hasMessageContaining("no device trees for kernel 6.6.0-2-rpi");
    assertThat(RpiTrybootRig.mountsBelow(rig.layout().standbyMount())).as("the chroot's binds are gone")
        .containsExactly(rig.layout().standbyMount().toString());
    c.onFailure("E2-0101-304 flash-kernel failed"); // as the engine does
    assertThat(RpiTrybootRig.mountsBelow(work)).containsExactlyInAnyOrder(rig.root().toString(), fw.toString());
    for (var e : before.entrySet()) {
      assertThat(fw.resolve(e.getKey())).as(e.getKey()).hasBinaryContent(e.getValue());
    }
    assertThat(fw.resolve("vmlinuz")).as("a partial run's plain kernel is removed").doesNotExist();
    assertThat(rig.root().resolve("etc/os-release")).hasContent("VERSION=factory\n");
    assertThat(rig.firmware(false)).isEqualTo("slot_a");
    c.reboot();
    assertThat(reboots).as("no tryboot armed").containsExactly("plain");
    assertThat(reboot()).isEqualTo("slot_a");
    BootState s = controller().finalizeAtStartup();
    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
  }

  @Test
  void aFlashKernelFailingAfterItReplacedTheDeviceTreesPutsTheRunningSlotsBack() throws Exception {
    Path fw = rig.firmwareDir();
    RpiTrybootController c = controller();
    Standby sb = flashKernelStandby(c, RpiTrybootRig.Lacking.OVERLAYS);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.commitSwitch(sb))
        .hasMessageContaining("-0101-304").hasMessageContaining("no overlays for kernel 6.6.0-2-rpi");
    assertThat(fw.resolve("bcm2711-rpi-4-b.dtb")).as("the running slot's device tree, back in place")
        .hasContent("dtb factory");
    assertThat(rig.flashKernelLeftovers()).isEmpty();
  }

  @Test
  void theFallbackSlotStartsWithItsOwnDeviceTreesAgain() throws Exception {
    Path fw = rig.firmwareDir();
    RpiTrybootController c = controller();
    Standby sb = flashKernelStandby(c, RpiTrybootRig.Lacking.NOTHING);
    c.commitSwitch(sb);
    c.reboot();
    assertThat(reboot()).isEqualTo("slot_b"); // the one tryboot; slot_b hangs, the watchdog resets
    assertThat(reboot()).isEqualTo("slot_a");
    RpiTrybootController back = controller();
    BootState s = back.finalizeAtStartup();
    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(fw.resolve("bcm2711-rpi-4-b.dtb")).hasContent("dtb factory");
    assertThat(fw.resolve("overlays/vc4-kms-v3d.dtbo")).hasContent("overlay factory");
    assertThat(rig.flashKernelLeftovers()).isEmpty();
    assertThat(fw.resolve("vmlinuz_slot_b")).as("slot_b's own kernel stays: nothing else reads it").hasContent("kernel v2");
    // the next update starts from the running slot's files: its backups are the running slot's again
    Standby again = back.prepareStandby("v3", false);
    RpiTrybootRig.writeImageWithFlashKernel(again, "v3", "6.6.0-3-rpi", RpiTrybootRig.Lacking.NOTHING);
    back.commitSwitch(again);
    assertThat(fw.resolve("bcm2711-rpi-4-b.dtb.bak")).hasContent("dtb factory");
    assertThat(fw.resolve(".ota-flash-kernel")).hasContent("slot_b\n");
  }

  /**
   * Starts {@code c} on a device whose system-boot has the factory device tree and overlay, and returns its
   * standby holding v2 with flash-kernel (its kernel package lacking {@code lacking}).
   */
  private Standby flashKernelStandby(RpiTrybootController c, RpiTrybootRig.Lacking lacking) throws IOException {
    assumeTrue(RpiTrybootRig.busyboxAvailable(), "needs busybox-static (/bin/busybox) for the flash-kernel stand-in");
    rig.installFactoryDeviceTrees();
    c.finalizeAtStartup();
    Standby sb = c.prepareStandby("v2", false);
    RpiTrybootRig.writeImageWithFlashKernel(sb, "v2", "6.6.0-2-rpi", lacking);
    return sb;
  }

  @Test
  void bindsLeftByAClientKilledDuringFlashKernelAreReleasedAtItsNextStart() throws Exception {
    Path fw = rig.firmwareDir();
    RpiTrybootController c = controller();
    c.finalizeAtStartup();
    Standby sb = c.prepareStandby("v2", false);
    CommandRunner sys = CommandRunner.system();
    // what the chroot held when the client was killed during flash-kernel
    for (var bind : java.util.Map.of(fw, "boot/firmware", Path.of("/proc"), "proc", Path.of("/sys"), "sys").entrySet()) {
      Path at = Files.createDirectories(sb.root().resolve(bind.getValue()));
      sys.run(dev.otaclient.error.ErrorCode.UNRECOVERABLE, "mount", "-o", "bind", bind.getKey().toString(), at.toString());
    }
    controller().finalizeAtStartup(); // restarted without a reboot
    assertThat(RpiTrybootRig.mountsBelow(work)).containsExactlyInAnyOrder(rig.root().toString(), fw.toString());
  }

  @Test
  void aStandbyWithoutFlashKernelGetsItsKernelCopiedAndTheDeviceTreesStay() throws Exception {
    Path fw = rig.firmwareDir();
    Files.writeString(fw.resolve("bcm2711-rpi-4-b.dtb"), "dtb factory");
    RpiTrybootController c = controller();
    c.finalizeAtStartup();
    Standby sb = c.prepareStandby("v2", false);
    RpiTrybootRig.writeImage(sb, "v2");
    c.commitSwitch(sb);
    assertThat(fw.resolve("vmlinuz_slot_b")).hasContent("kernel v2");
    assertThat(fw.resolve("initrd.img_slot_b")).hasContent("initrd v2");
    assertThat(fw.resolve("bcm2711-rpi-4-b.dtb")).hasContent("dtb factory");
    assertThat(RpiTrybootRig.mountsBelow(work)).containsExactlyInAnyOrder(rig.root().toString(), fw.toString());
  }

  @Test
  void refusesAMachineThatIsNoRaspberryPi() throws Exception {
    Files.writeString(work.resolve("dev/model"), "NVIDIA Jetson AGX Orin\0");
    org.assertj.core.api.Assertions.assertThatThrownBy(this::controller)
        .hasMessageContaining("E2-0101-301").hasMessageContaining("is not a Raspberry Pi");
  }
}
