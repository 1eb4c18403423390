package dev.otaclient.internal.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.status.OtaStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-slot GRUB layout on real ext4 loop devices with Debian's grub-mkconfig and grub-editenv
 * ({@link GrubSlotsRig}): set-up of a factory device, an update and its one-shot boot, a new slot that
 * does not come up, and the migration of a device on the 2022 layout. Skipped without root.
 */
class GrubSlotsLoopDeviceTest {
  @TempDir Path work;
  final List<String> reboots = new ArrayList<>();

  @BeforeEach
  void needsRoot() {
    assumeTrue(GrubSlotsRig.available(), "needs root, losetup, e2fsprogs, perl, grub-common and grub2-common");
  }

  @Test
  void setsUpAFactoryDeviceThenUpdatesAndFinalisesThroughGrubenv() throws Exception {
    try (GrubSlotsRig rig = GrubSlotsRig.provisionFactory(work.resolve("dev"))) {
      assertThat(rig.firmware().kernel()).isEqualTo("vmlinuz-" + GrubSlotsRig.OLD_KERNEL);
      GrubSlotsController c = rig.controller(() -> reboots.add("reboot"), HealthCheck.none());
      assertThat(c.bootLayout()).isEqualTo(GrubSlotsController.BootLayout.UNMANAGED);
      BootState s = c.finalizeAtStartup();
      assertThat(s.status()).isEqualTo(OtaStatus.INITIALIZED);
      assertThat(c.activeSlotId()).isEqualTo("ota-slot_a");
      assertThat(c.bootLayout()).isEqualTo(GrubSlotsController.BootLayout.CURRENT);
      Path boot = rig.boot();
      assertThat(Files.readString(boot.resolve("grub/grub.cfg"))).startsWith(GrubSlotConfig.MANAGED_HEADER)
          .contains("source ${config_directory}/ota-slot_a.cfg").doesNotContain("menuentry ");
      assertThat(Files.readString(boot.resolve("grub/ota-slot_a.cfg")))
          .contains("menuentry 'ota-slot_a'", "$menuentry_id_option 'ota-slot_a'",
              "linux\t/ota-slot_a/vmlinuz-" + GrubSlotsRig.OLD_KERNEL, "initrd\t/ota-slot_a/initrd.img-" + GrubSlotsRig.OLD_KERNEL);
      assertThat(GrubFirmware.readEnv(boot.resolve("grub/grubenv"))).containsEntry("saved_entry", "ota-slot_a")
          .doesNotContainKey("next_entry");
      assertThat(boot.resolve("ota-slot_a/vmlinuz-" + GrubSlotsRig.OLD_KERNEL)).isRegularFile();
      assertThat(Files.readString(rig.root().resolve("etc/default/grub"))).contains("GRUB_DEFAULT=saved\n")
          .doesNotContain("GRUB_TIMEOUT=10");
      assertThat(rig.root().resolve("etc/grub.d/30_ota")).isExecutable();
      GrubFirmware.Choice onA = rig.firmware();
      assertThat(onA.slot()).isEqualTo(GrubSlotsRig.A);
      assertThat(onA.image()).isEqualTo("/ota-slot_a/vmlinuz-" + GrubSlotsRig.OLD_KERNEL);

      Standby sb = c.prepareStandby("v2", false);
      GrubSlotsRig.writeImageRootfs(sb.root(), "v2");
      c.commitSwitch(sb);
      assertThat(rig.mounted(rig.standbyMount())).isFalse();
      GrubFirmware.Choice next = rig.firmware();
      assertThat(next.slot()).isEqualTo(GrubSlotsRig.B);
      assertThat(next.oneShot()).isTrue();
      assertThat(next.kernel()).isEqualTo("vmlinuz-" + GrubSlotsRig.NEW_KERNEL);
      c.reboot();
      assertThat(reboots).containsExactly("reboot");

      GrubFirmware.Choice booted = rig.reboot();
      assertThat(booted.slot()).isEqualTo(GrubSlotsRig.B);
      GrubSlotsController onB = rig.controller(() -> reboots.add("reboot"), HealthCheck.none());
      BootState fin = onB.finalizeAtStartup();
      assertThat(fin.status()).isEqualTo(OtaStatus.SUCCESS);
      assertThat(fin.version()).isEqualTo("v2");
      assertThat(GrubFirmware.readEnv(boot.resolve("grub/grubenv"))).containsEntry("saved_entry", "ota-slot_b");
      GrubFirmware.Choice steady = rig.firmware();
      assertThat(steady.slot()).isEqualTo(GrubSlotsRig.B);
      assertThat(steady.oneShot()).isFalse();
      assertThat(Files.readString(rig.root().resolve("etc/fstab")))
          .startsWith("UUID=" + GrubWorld.UUID_B + "\t/\text4\terrors=remount-ro\t0\t1\n");
    }
  }

  @Test
  void aNewSlotThatDoesNotComeUpFallsBackToTheOldOneWhichReportsFailure() throws Exception {
    try (GrubSlotsRig rig = GrubSlotsRig.provisionFactory(work.resolve("dev"))) {
      GrubSlotsController c = rig.controller(() -> { }, HealthCheck.none());
      c.finalizeAtStartup();
      Standby sb = c.prepareStandby("v2", false);
      GrubSlotsRig.writeImageRootfs(sb.root(), "v2");
      c.commitSwitch(sb);
      assertThat(rig.reboot().slot()).isEqualTo(GrubSlotsRig.B); // the one-shot is used up ...
      GrubFirmware.Choice back = rig.reboot(); // ... and B hangs: the watchdog resets, GRUB starts the default
      assertThat(back.slot()).isEqualTo(GrubSlotsRig.A);
      assertThat(back.oneShot()).isFalse();
      BootState s = rig.controller(() -> { }, HealthCheck.none()).finalizeAtStartup();
      assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
      assertThat(s.failureReason()).startsWith("E2-0101-304").contains("ota-slot_b");
    }
  }

  @Test
  void migratesADeviceOfThe2022LayoutInPlaceKeepingItsState() throws Exception {
    try (GrubSlotsRig rig = GrubSlotsRig.provisionOldLayout(work.resolve("dev"))) {
      Path boot = rig.boot();
      assertThat(Files.isSymbolicLink(boot.resolve("grub/grub.cfg"))).isTrue();
      GrubFirmware.Choice old = rig.reboot();
      assertThat(old.slot()).isEqualTo(GrubSlotsRig.A);
      assertThat(old.image()).isEqualTo("/vmlinuz-ota");
      String legacy = "ota-partition." + Path.of(rig.device(GrubSlotsRig.A)).getFileName();
      Files.writeString(boot.resolve(legacy + "/version"), "v1");
      GrubSlotsController c = rig.controller(() -> { }, HealthCheck.none());
      assertThat(c.bootLayout()).isEqualTo(GrubSlotsController.BootLayout.OLD_OTA_PARTITION);
      BootState s = c.finalizeAtStartup();
      assertThat(s.status()).isEqualTo(OtaStatus.INITIALIZED);
      assertThat(s.version()).isEqualTo("v1");
      assertThat(c.bootLayout()).isEqualTo(GrubSlotsController.BootLayout.CURRENT);
      assertThat(Files.readString(boot.resolve("ota-slot_a/slot_in_use"))).isEqualTo("ota-slot_a");
      assertThat(boot.resolve(legacy + "/status")).hasContent("INITIALIZED"); // the old folder is left alone
      GrubFirmware.Choice now = rig.firmware();
      assertThat(now.slot()).isEqualTo(GrubSlotsRig.A);
      assertThat(now.image()).isEqualTo("/ota-slot_a/vmlinuz-" + GrubSlotsRig.OLD_KERNEL);

      Standby sb = c.prepareStandby("v2", false);
      GrubSlotsRig.writeImageRootfs(sb.root(), "v2");
      c.commitSwitch(sb);
      assertThat(boot.resolve("ota-partition." + Path.of(rig.device(GrubSlotsRig.B)).getFileName())).doesNotExist();
      assertThat(rig.reboot().slot()).isEqualTo(GrubSlotsRig.B);
      BootState fin = rig.controller(() -> { }, HealthCheck.none()).finalizeAtStartup();
      assertThat(fin.status()).isEqualTo(OtaStatus.SUCCESS);
      assertThat(rig.firmware().slot()).isEqualTo(GrubSlotsRig.B);
    }
  }
}
