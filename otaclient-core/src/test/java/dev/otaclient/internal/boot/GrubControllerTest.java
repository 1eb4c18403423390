package dev.otaclient.internal.boot;

import static dev.otaclient.internal.boot.GrubWorld.UUID_A;
import static dev.otaclient.internal.boot.GrubWorld.UUID_B;
import static dev.otaclient.internal.boot.GrubWorld.UUID_BOOT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.error.FailureType;
import dev.otaclient.status.OtaStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GRUB controller against fake block-device commands (runs without root); see GrubLoopDeviceTest for real ext4. */
class GrubControllerTest {
  @TempDir Path tmp;
  FakeSystem fake;
  GrubWorld w;

  @BeforeEach
  void setUp() throws IOException {
    w = new GrubWorld(tmp);
    fake = new FakeSystem(tmp.resolve("fake"))
        .install("findmnt", FakeSystem.FINDMNT)
        .install("mount", FakeSystem.MOUNT)
        .install("umount", FakeSystem.UMOUNT)
        .install("blkid", FakeSystem.BLKID)
        .install("lsblk", FakeSystem.LSBLK)
        .install("dumpe2fs", FakeSystem.DUMPE2FS)
        .install("mkfs.ext4", FakeSystem.RECORD_ONLY)
        .install("grub-reboot", FakeSystem.RECORD_ONLY)
        .install("grub-editenv", FakeSystem.RECORD_ONLY)
        .install("reboot", FakeSystem.RECORD_ONLY)
        .installGrubMkconfig(w.boot, w.root);
    fake.table("disk", "/dev/sda");
    fake.table("children", "NAME=\"/dev/sda\" FSTYPE=\"\"", "NAME=\"/dev/sda1\" FSTYPE=\"vfat\"",
        "NAME=\"/dev/sda2\" FSTYPE=\"ext4\"", "NAME=\"/dev/sda3\" FSTYPE=\"ext4\"", "NAME=\"/dev/sda4\" FSTYPE=\"ext4\"");
    fake.table("blkid", "/dev/sda2 " + UUID_BOOT, "/dev/sda3 " + UUID_A, "/dev/sda4 " + UUID_B);
    fake.mount(w.root, "/dev/sda3");
    fake.mount(w.boot, "/dev/sda2");
    w.provisionFactoryState();
  }

  GrubController open() {
    return new GrubController(w.layout, fake.runner(), null, HealthCheck.none());
  }

  static String expected(String name) {
    return FakeSystem.resource("boot/grub/expected/" + name);
  }

  String grubCfg() throws IOException {
    return Files.readString(w.boot.resolve("grub/grub.cfg"));
  }

  SlotFiles files(String slot) {
    return new SlotFiles(w.boot.resolve("ota-partition." + slot));
  }

  /** Fresh device, initialised, then updated to v2 and rebooted into sda4 (finalised). */
  GrubController updatedToV2() throws IOException {
    GrubController c = open();
    c.finalizeAtStartup();
    Standby sb = c.prepareStandby("v2", false);
    GrubWorld.writeImage(sb, "v2");
    c.commitSwitch(sb);
    fake.mount(w.root, "/dev/sda4");
    GrubController c2 = open();
    assertThat(c2.finalizeAtStartup().status()).isEqualTo(OtaStatus.SUCCESS);
    fake.clearCalls();
    return c2;
  }

  @Test
  void detectsSlotsFromMountsAndPartitions() {
    GrubController c = open();
    assertThat(c.activeDevice()).isEqualTo("/dev/sda3");
    assertThat(c.standbyDevice()).isEqualTo("/dev/sda4");
    assertThat(c.activeSlotId()).isEqualTo("sda3");
    assertThat(c.standbySlotId()).isEqualTo("sda4");
    assertThat(c.activeRoot()).isEqualTo(w.root);
  }

  @Test
  void row1_firstStartAdoptsTheRunningKernelAndBuildsTheLayout() throws IOException {
    BootState s = open().finalizeAtStartup();
    assertThat(s).isEqualTo(new BootState(OtaStatus.INITIALIZED, "", FailureType.NO_FAILURE, ""));
    assertThat(w.bootTree("sda3", "sda4")).isEqualTo(expected("boot-tree.after-init"));
    assertThat(grubCfg()).isEqualTo(expected("grub.cfg.after-init"));
    assertThat(Files.readString(w.root.resolve("etc/default/grub"))).isEqualTo(expected("default-grub.after-init"));
    assertThat(fake.calls().stream().filter(l -> l.startsWith("grub-mkconfig"))).hasSize(2);
    assertThat(fake.calls()).noneMatch(l -> l.startsWith("grub-reboot") || l.startsWith("mkfs"));
  }

  @Test
  void startUpRemovesTemporaryFilesOfInterruptedWritesAndNothingElse() throws IOException {
    open().finalizeAtStartup();
    Path folder = w.boot.resolve("ota-partition.sda3");
    Path tornCfg = Files.writeString(folder.resolve(".grub.cfg.tmp123"), "half a config");
    Path tornLink = Files.createSymbolicLink(w.boot.resolve(".ota-partition.tmp42"), Path.of("ota-partition.sda4"));
    Path tornDefaults = Files.writeString(w.root.resolve("etc/default/.grub.tmp7"), "GRUB_");
    Path someoneElses = Files.writeString(w.root.resolve("etc/default/.keyboard.tmp9"), "x");
    Path notATemp = Files.writeString(w.boot.resolve("notes.tmp1"), "x");

    open().finalizeAtStartup();

    assertThat(tornCfg).doesNotExist();
    assertThat(Files.exists(tornLink, java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(tornDefaults).doesNotExist();
    assertThat(someoneElses).exists();
    assertThat(notATemp).exists();
    assertThat(grubCfg()).isEqualTo(expected("grub.cfg.after-init"));
  }

  @Test
  void q10_grubDefaultIsWrittenAlsoForIndexZero() throws IOException {
    Files.writeString(w.root.resolve("etc/default/grub"), "GRUB_DEFAULT=3\nGRUB_TIMEOUT=5\n");
    open().finalizeAtStartup();
    assertThat(Files.readString(w.root.resolve("etc/default/grub"))).isEqualTo("GRUB_DEFAULT=0\nGRUB_TIMEOUT=0\n"
        + "GRUB_TIMEOUT_STYLE=menu\nGRUB_DISABLE_SUBMENU=y\nGRUB_DISABLE_OS_PROBER=true\nGRUB_DISABLE_RECOVERY=true\n");
    assertThat(grubCfg()).contains("   set default=\"0\"\n");
  }

  @Test
  void row6_preUpdateFormatsByUuidMountsAndCleansTheStandbyFolder() throws IOException {
    GrubController c = open();
    c.finalizeAtStartup();
    Path folder = Files.createDirectories(w.boot.resolve("ota-partition.sda4"));
    Files.writeString(folder.resolve("vmlinuz-old"), "stale");
    Files.writeString(folder.resolve("grub.cfg"), "kept");
    fake.clearCalls();

    Standby sb = c.prepareStandby("v2", false);

    assertThat(sb).isEqualTo(new Standby(w.layout.standbyMount(), folder, false));
    String mnt = w.layout.standbyMount().toString();
    assertThat(fake.calls()).containsSubsequence(
        "blkid -o value -s UUID /dev/sda4",
        "mkfs.ext4 -F -q -U " + UUID_B + " /dev/sda4",
        "mount -o rw --make-private --make-unbindable /dev/sda4 " + mnt,
        "mount -o bind,ro,unbindable " + w.root + " " + w.layout.refrootMount());
    assertThat(c.activeRoot()).isEqualTo(w.layout.refrootMount());
    assertThat(Files.exists(folder.resolve("vmlinuz-old"))).isFalse();
    assertThat(Files.readString(folder.resolve("grub.cfg"))).isEqualTo("kept");
    assertThat(files("sda3").status()).contains(OtaStatus.FAILURE);
    assertThat(files("sda3").slotInUse()).contains("sda4");
    assertThat(files("sda4").status()).contains(OtaStatus.UPDATING);
    assertThat(files("sda4").version()).isEqualTo("v2");
    assertThat(files("sda4").slotInUse()).contains("sda4");
    assertThat(c.currentState().status()).isEqualTo(OtaStatus.UPDATING);
  }

  @Test
  void reuseInPlaceOnlyWhenTheFileSystemIsClean() throws IOException {
    GrubController c = open();
    c.finalizeAtStartup();
    fake.clearCalls();
    Standby kept = c.prepareStandby("v2", true);
    assertThat(kept.reusedInPlace()).isTrue();
    assertThat(fake.calls()).contains("dumpe2fs -h /dev/sda4").noneMatch(l -> l.startsWith("mkfs"));
    c.onFailure("E1-0102-207: test");

    fake.table("fsstate", "not clean with errors");
    fake.clearCalls();
    Standby formatted = c.prepareStandby("v2", true);
    assertThat(formatted.reusedInPlace()).isFalse();
    assertThat(fake.calls()).contains("mkfs.ext4 -F -q -U " + UUID_B + " /dev/sda4");
  }

  @Test
  void postUpdateMergesFstabLinksKernelsArmsOneShotThenFinalisesAfterReboot() throws IOException {
    GrubController c = open();
    c.finalizeAtStartup();
    Standby sb = c.prepareStandby("v2", false);
    GrubWorld.writeImage(sb, "v2");
    fake.clearCalls();

    c.commitSwitch(sb);

    assertThat(Files.readString(w.layout.standbyMount().resolve("etc/fstab")))
        .isEqualTo(FakeSystem.resource("boot/grub/fstab.merged.expected"));
    assertThat(w.bootTree("sda3", "sda4")).isEqualTo(expected("boot-tree.after-commit"));
    assertThat(grubCfg()).isEqualTo(expected("grub.cfg.after-commit"));
    assertThat(fake.mounted(w.layout.standbyMount())).isFalse();
    assertThat(fake.mounted(w.layout.refrootMount())).isFalse();
    assertThat(fake.calls()).containsSubsequence("umount " + w.layout.standbyMount(), "umount " + w.layout.refrootMount(),
        "grub-mkconfig ", "grub-mkconfig ", "grub-reboot 0");
    assertThat(fake.calls()).noneMatch(l -> l.startsWith("reboot"));
    c.reboot();
    assertThat(fake.calls()).last().isEqualTo("reboot ");

    // the one-shot boot starts sda4: now it is mounted as root
    fake.mount(w.root, "/dev/sda4");
    GrubController booted = open();
    assertThat(booted.activeSlotId()).isEqualTo("sda4");
    assertThat(booted.finalizeAtStartup()).isEqualTo(new BootState(OtaStatus.SUCCESS, "v2", FailureType.NO_FAILURE, ""));
    assertThat(w.bootTree("sda3", "sda4")).isEqualTo(expected("boot-tree.after-finalise"));
    assertThat(grubCfg()).isEqualTo(expected("grub.cfg.after-finalise"));
  }

  @Test
  void row2_storedStatesUnchanged() throws IOException {
    open().finalizeAtStartup();
    for (OtaStatus st : new OtaStatus[] {OtaStatus.SUCCESS, OtaStatus.FAILURE, OtaStatus.INITIALIZED, OtaStatus.ROLLBACK_FAILURE}) {
      files("sda3").writeStatus(st);
      files("sda3").writeVersion("v7");
      fake.clearCalls();
      BootState s = open().finalizeAtStartup();
      assertThat(s.status()).isEqualTo(st);
      assertThat(s.version()).isEqualTo("v7");
      assertThat(files("sda3").status()).contains(st);
      assertThat(fake.calls()).noneMatch(l -> l.startsWith("grub-"));
    }
  }

  @Test
  void row4_updatingWithoutEvidenceIsFailure() throws IOException {
    open().finalizeAtStartup();
    files("sda3").writeStatus(OtaStatus.UPDATING);   // ota-partition -> sda3 = the running slot: no switch
    BootState s = open().finalizeAtStartup();
    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.failureReason()).contains("slot sda3 was found UPDATING at start-up without evidence of a switched boot");
    assertThat(files("sda3").status()).contains(OtaStatus.FAILURE);
  }

  @Test
  void row5_rollbackWithEvidenceSucceedsWithoutIsRollbackFailure() throws IOException {
    GrubController c = updatedToV2();                 // running sda4 v2; sda3 holds the factory system
    assertThat(c.checkRollback().reason()).isEqualTo("slot sda3 has no recorded version");
    files("sda3").writeVersion("v1");
    assertThat(c.checkRollback()).isEqualTo(RollbackCheck.ok());
    c.prepareRollback();
    assertThat(fake.calls()).contains("grub-reboot 0");
    assertThat(files("sda4").status()).contains(OtaStatus.FAILURE);
    assertThat(files("sda3").status()).contains(OtaStatus.ROLLBACKING);
    assertThat(c.currentState().status()).isEqualTo(OtaStatus.ROLLBACKING);

    // the one-shot boot starts sda3
    fake.mount(w.root, "/dev/sda3");
    GrubController back = open();
    assertThat(back.finalizeAtStartup()).isEqualTo(new BootState(OtaStatus.SUCCESS, "v1", FailureType.NO_FAILURE, ""));
    assertThat(Files.readSymbolicLink(w.boot.resolve("ota-partition"))).isEqualTo(Path.of("ota-partition.sda3"));

    // ROLLBACKING found on the default slot: the switch was never finalised
    files("sda3").writeStatus(OtaStatus.ROLLBACKING);
    BootState again = open().finalizeAtStartup();
    assertThat(again.status()).isEqualTo(OtaStatus.ROLLBACK_FAILURE);
    assertThat(again.failureReason()).startsWith("E2-0201-304: ");
  }

  @Test
  void row7_failureMarksBothUnmountsAndDisarmsTheOneShot() throws IOException {
    GrubController c = open();
    c.finalizeAtStartup();
    Files.writeString(w.boot.resolve("grub/grubenv"), "# GRUB Environment Block\n");
    Standby sb = c.prepareStandby("v2", false);
    GrubWorld.writeImage(sb, "v2");
    c.commitSwitch(sb);
    fake.clearCalls();
    c.onFailure("E2-0101-304: failed to switch the boot loader to the updated slot: reboot failed");
    assertThat(fake.calls()).contains("grub-editenv " + w.boot.resolve("grub/grubenv") + " unset next_entry");
    assertThat(files("sda3").status()).contains(OtaStatus.FAILURE);
    assertThat(files("sda3").slotInUse()).contains("sda3");
    assertThat(files("sda4").status()).contains(OtaStatus.FAILURE);
    assertThat(c.currentState().failure()).isEqualTo(FailureType.UNRECOVERABLE);
    assertThat(open().finalizeAtStartup().failureReason())
        .isEqualTo("E2-0101-304: failed to switch the boot loader to the updated slot: reboot failed");
  }

  @Test
  void row8_fallbackToTheOldSlotIsFailure() throws IOException {
    GrubController c = open();
    c.finalizeAtStartup();
    Standby sb = c.prepareStandby("v2", false);
    GrubWorld.writeImage(sb, "v2");
    c.commitSwitch(sb);
    c.reboot();
    // sda4 did not come up; the GRUB default (sda3) booted again
    BootState s = open().finalizeAtStartup();
    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.failureReason()).startsWith("E2-0101-304: ")
        .contains("running slot sda3 although slot sda4 was expected");
    assertThat(files("sda3").slotInUse()).contains("sda3");
    assertThat(files("sda4").status()).contains(OtaStatus.FAILURE);
    assertThat(Files.readSymbolicLink(w.boot.resolve("ota-partition"))).isEqualTo(Path.of("ota-partition.sda3"));
  }

  @Test
  void healthCheckFailureRebootsIntoThePreviousSlot() throws IOException {
    GrubController c = open();
    c.finalizeAtStartup();
    Standby sb = c.prepareStandby("v2", false);
    GrubWorld.writeImage(sb, "v2");
    c.commitSwitch(sb);
    fake.mount(w.root, "/dev/sda4");
    fake.clearCalls();
    GrubController booted = new GrubController(w.layout, fake.runner(), null,
        new HealthCheck(java.util.List.of(java.util.List.of("false")), fake.runner()));
    BootState s = booted.finalizeAtStartup();
    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.failureReason()).contains("health check `false` exited with 1").contains("going back to slot sda3");
    assertThat(fake.calls()).contains("reboot ").noneMatch(l -> l.startsWith("grub-mkconfig"));
    assertThat(Files.readSymbolicLink(w.boot.resolve("ota-partition"))).isEqualTo(Path.of("ota-partition.sda3"));
    // after the reboot the previous slot reports the health-check reason
    fake.mount(w.root, "/dev/sda3");
    BootState old = open().finalizeAtStartup();
    assertThat(old.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(old.failureReason()).isEqualTo(s.failureReason());
  }
}
