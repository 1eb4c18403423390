package dev.otaclient.internal.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.status.OtaStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jetson UEFI on loop devices ({@link JetsonUefiRig}: ext4 rootfs slots 0 and 1, a FAT ESP, fake efivars,
 * a stateful UEFI {@code nvbootctrl}) with the rig's firmware model: capsules applied or failed, a rootfs
 * that does not come up left and marked unbootable.
 */
class JetsonUefiLoopDeviceTest {
  @TempDir Path work;
  JetsonUefiRig rig;

  @BeforeEach
  void provision() throws IOException {
    assumeTrue(JetsonUefiRig.available(), "needs root, losetup, e2fsprogs, dosfstools and fusefat");
    rig = JetsonUefiRig.provision(work.resolve("dev"));
  }

  @AfterEach
  void powerOff() {
    if (rig != null) {
      rig.powerOff();
    }
  }

  static void writeRootfs(Path rootfs, String major, String revision) throws IOException {
    JetsonUefiRig.writeRootfs(rootfs, major, revision);
  }

  static void writeFirmware(Path rootfs, String capsule) throws IOException {
    JetsonUefiRig.writeFirmware(rootfs, capsule);
  }

  Path nv(String f) {
    return rig.nv(f);
  }

  int reboot() throws IOException {
    return rig.reboot();
  }

  int rebootIntoAHangingSlot() throws IOException {
    return rig.rebootIntoAHangingSlot();
  }

  JetsonUefiController controller() {
    return rig.controller(() -> { }, HealthCheck.none());
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
    assertThat(Files.readString(rig.root().resolve("boot/extlinux/extlinux.conf"))).contains("root=PARTUUID=partuuid-1 rw");
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
    assertThat(rig.efivar(JetsonUefiController.OS_INDICATIONS))
        .hasBinaryContent(JetsonUefiController.CAPSULE_TRIGGER);
    assertThat(reboot()).isEqualTo(1);
    assertThat(controller().finalizeAtStartup().status()).isEqualTo(OtaStatus.SUCCESS);
  }

  /**
   * Found by the Jetson UEFI crash suite: the version file of a new L4TLauncher was written with a mode
   * change, which FAT refuses (EPERM from vfat, ENOSYS from fusefat), so every update that brought a
   * newer launcher failed at the switch.
   */
  @Test
  void anOlderL4tLauncherIsReplacedOnTheFatEspAndItsVersionRecorded() throws Exception {
    String old = "L4TLauncher R35.3.1";
    rig.onEsp(esp -> {
      Files.delete(esp.resolve(JetsonUefiController.LAUNCHER));
      Files.writeString(esp.resolve(JetsonUefiController.LAUNCHER), old);
      Files.writeString(esp.resolve(JetsonUefiController.LAUNCHER_VERSION), "R35.3.1:"
          + dev.otaclient.internal.fs.ContentHash.of(old.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    });
    JetsonUefiController c = controller();
    c.finalizeAtStartup();
    Standby sb = c.prepareStandby("v2", false);
    writeRootfs(sb.root(), "35", "4.1");
    writeFirmware(sb.root(), "GOOD R35.4.1");
    c.commitSwitch(sb);
    rig.onEsp(esp -> {
      assertThat(esp.resolve(JetsonUefiController.LAUNCHER)).hasContent("L4TLauncher R35.4.1");
      assertThat(esp.resolve("EFI/BOOT/BOOTAA64.efi_bak")).hasContent(old);
      assertThat(Files.readString(esp.resolve(JetsonUefiController.LAUNCHER_VERSION))).startsWith("R35.4.1:");
    });
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
    assertThat(rig.efivar(JetsonUefiController.ROOTFS_STATUS.get(1)))
        .hasBinaryContent(JetsonUefiController.ROOTFS_BOOTABLE);
    assertThat(reboot()).as("slot 1 is started again").isEqualTo(1);
    assertThat(controller().finalizeAtStartup().status()).isEqualTo(OtaStatus.SUCCESS);
  }

  @Test
  void anImageOfAnotherBspReleaseIsRefusedFromItsReleaseFileBeforeTheStandbyIsTouched() throws Exception {
    JetsonUefiController c = controller();
    c.finalizeAtStartup();
    String other = "# R36 (release), REVISION: 3.0, GCID: 1, BOARD: generic, EABI: aarch64, DATE: now\n";
    String same = "# R35 (release), REVISION: 4.1, GCID: 1, BOARD: generic, EABI: aarch64, DATE: now\n";
    List<String> asked = new ArrayList<>();

    assertThatThrownBy(() -> c.vetImage((path, max) -> {
      asked.add(path);
      return Optional.of(other.getBytes(StandardCharsets.UTF_8));
    })).hasMessageContaining("E1-0101-203").hasMessageContaining("R36.3.0").hasMessageContaining("R35.4.1");
    assertThat(asked).containsExactly("/etc/nv_tegra_release");
    // the same release, and an image without the file, pass
    c.vetImage((path, max) -> Optional.of(same.getBytes(StandardCharsets.UTF_8)));
    c.vetImage(ImageFiles.NONE);
    // nothing armed by the refusal: the running chain boots
    assertThat(Files.readString(nv("active")).strip()).isEqualTo("0");
    assertThat(reboot()).isEqualTo(0);
    assertThat(controller().finalizeAtStartup().status()).isEqualTo(OtaStatus.INITIALIZED);
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
}
