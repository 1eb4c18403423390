package dev.otaclient.internal.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.FailureType;
import dev.otaclient.error.OtaException;
import dev.otaclient.status.OtaStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jetson CBoot controller with a fake, stateful {@code nvbootctrl} and fake mount/blkid/mkfs. The two
 * rootfs slots are plain directories: the layout of slot N mounts "the standby" at the other slot's
 * directory, so a simulated reboot is just a layout with the roles swapped.
 */
class CbootControllerTest {
  static final String PARTUUID_0 = "11111111-2222-4333-8444-000000000001";
  static final String PARTUUID_1 = "11111111-2222-4333-8444-000000000002";

  @TempDir Path tmp;
  FakeSystem fake;
  Path[] slots;
  String devPrefix = "/dev/nvme0n1p";

  @BeforeEach
  void setUp() throws IOException {
    slots = new Path[] {Files.createDirectories(tmp.resolve("slot0")), Files.createDirectories(tmp.resolve("slot1"))};
    Files.createDirectories(tmp.resolve("refroot"));
    Files.createDirectories(tmp.resolve("emmc-boot/boot"));
    Files.writeString(tmp.resolve("emmc-boot/boot/stale-from-last-time"), "x");
    Files.writeString(tmp.resolve("chip"), "0x19\n");
    fake = new FakeSystem(tmp.resolve("fake"))
        .install("findmnt", FakeSystem.FINDMNT)
        .install("mount", FakeSystem.MOUNT)
        .install("umount", FakeSystem.UMOUNT)
        .install("blkid", FakeSystem.BLKID)
        .install("dumpe2fs", FakeSystem.DUMPE2FS)
        .install("mkfs.ext4", FakeSystem.RECORD_ONLY)
        .install("nvbootctrl", FakeSystem.NVBOOTCTRL)
        .install("reboot", FakeSystem.RECORD_ONLY);
    Files.createDirectories(fake.nv(""));
    Files.writeString(fake.nv("successful_0"), "");
    Files.createDirectories(slots[0].resolve("boot/extlinux"));
    Files.writeString(slots[0].resolve("boot/extlinux/extlinux.conf"), FakeSystem.resource("boot/cboot/extlinux.conf"));
  }

  CbootLayout layout(int slot) {
    return new CbootLayout(slots[slot], tmp.resolve("cmdline"), tmp.resolve("chip"), slots[1 - slot],
        tmp.resolve("refroot"), tmp.resolve("emmc-boot"));
  }

  /** What the boot loader does: start {@code slot}; the client then starts with that slot as root. */
  CbootController boot(int slot, HealthCheck hc) throws IOException {
    fake.table("blkid", devPrefix + "1 uuid-0 " + PARTUUID_0, devPrefix + "2 uuid-1 " + PARTUUID_1);
    Files.writeString(fake.nv("current"), Integer.toString(slot));
    Files.writeString(fake.dir.resolve("t_mounts"), "");
    fake.mount(slots[slot], devPrefix + (slot + 1));
    Files.writeString(tmp.resolve("cmdline"), "root=PARTUUID=" + (slot == 0 ? PARTUUID_0 : PARTUUID_1)
        + " rw rootwait rootfstype=ext4 console=ttyTCU0,115200n8\n");
    return new CbootController(layout(slot), fake.runner(), null, hc);
  }

  CbootController boot(int slot) throws IOException {
    return boot(slot, HealthCheck.none());
  }

  SlotFiles files(int slot) {
    return new SlotFiles(slots[slot].resolve("boot/ota-status"));
  }

  static void writeImage(Standby sb, String version) throws IOException {
    Files.createDirectories(sb.bootDir().resolve("extlinux"));
    Files.writeString(sb.bootDir().resolve("extlinux/extlinux.conf"), FakeSystem.resource("boot/cboot/extlinux.conf"));
    Files.writeString(sb.bootDir().resolve("Image"), "kernel " + version);
    Files.createDirectories(sb.bootDir().resolve("dtb"));
    Files.writeString(sb.bootDir().resolve("dtb/board.dtb"), "dtb");
    Files.writeString(sb.root().resolve("os-version"), version);
  }

  static List<String> tree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.map(p -> dir.relativize(p).toString()).sorted().toList();
    }
  }

  @Test
  void onlyXavierIsSupported() throws IOException {
    Files.writeString(tmp.resolve("chip"), "0x18\n");
    assertThatThrownBy(() -> boot(0)).isInstanceOfSatisfying(OtaException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.PLATFORM_UNSUPPORTED);
      assertThat(e.detail()).contains("tegra chip id '0x18' is not supported");
    });
  }

  @Test
  void kernelBootedFromTheStandbyPartitionIsRefused() throws IOException {
    boot(0);
    Files.writeString(tmp.resolve("cmdline"), "root=PARTUUID=" + PARTUUID_1 + " rw\n");
    assertThatThrownBy(() -> new CbootController(layout(0), fake.runner(), null, HealthCheck.none()))
        .isInstanceOfSatisfying(OtaException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.BOOT_CONTROL_INIT);
          assertThat(e.detail()).isEqualTo("kernel command line root=PARTUUID=" + PARTUUID_1
              + " is /dev/nvme0n1p2, not the running root /dev/nvme0n1p1");
        });
  }

  @Test
  void row1_initialisedWhenStatusOrSlotInUseIsMissing() throws IOException {
    Files.delete(fake.nv("successful_0"));
    CbootController c = boot(0);
    assertThat(c.finalizeAtStartup()).isEqualTo(new BootState(OtaStatus.INITIALIZED, "", FailureType.NO_FAILURE, ""));
    assertThat(files(0).slotInUse()).contains("0");
    assertThat(fake.calls()).contains("nvbootctrl -t rootfs mark-boot-successful 0");

    files(0).writeStatus(OtaStatus.SUCCESS);
    Files.delete(slots[0].resolve("boot/ota-status/slot_in_use"));
    assertThat(boot(0).finalizeAtStartup().status()).isEqualTo(OtaStatus.INITIALIZED);
    assertThat(files(0).status()).contains(OtaStatus.INITIALIZED);
  }

  @Test
  void row2_storedStatesUnchanged() throws IOException {
    for (OtaStatus st : new OtaStatus[] {OtaStatus.SUCCESS, OtaStatus.FAILURE, OtaStatus.INITIALIZED, OtaStatus.ROLLBACK_FAILURE}) {
      files(0).writeStatus(st);
      files(0).writeSlotInUse("0");
      files(0).writeVersion("v5");
      BootState s = boot(0).finalizeAtStartup();
      assertThat(s.status()).isEqualTo(st);
      assertThat(s.version()).isEqualTo("v5");
      assertThat(files(0).status()).contains(st);
    }
  }

  @Test
  void fullUpdateOnNvmeThenRollback() throws IOException {
    CbootController c = boot(0);
    c.finalizeAtStartup();
    fake.clearCalls();

    Standby sb = c.prepareStandby("v2", false);
    assertThat(sb).isEqualTo(new Standby(slots[1], slots[1].resolve("boot"), false, java.util.Set.of("/boot/ota-status")));
    assertThat(fake.calls()).containsSubsequence(
        "nvbootctrl -t rootfs set-slot-as-unbootable 1",
        "mkfs.ext4 -F -q -U uuid-1 /dev/nvme0n1p2",
        "mount -o rw --make-private --make-unbindable /dev/nvme0n1p2 " + slots[1],
        "mount -o bind,ro,unbindable " + slots[0] + " " + tmp.resolve("refroot"));
    assertThat(files(0).status()).contains(OtaStatus.FAILURE);
    assertThat(files(0).slotInUse()).contains("1");
    assertThat(files(1).status()).contains(OtaStatus.UPDATING);
    assertThat(files(1).version()).isEqualTo("v2");
    assertThat(files(1).slotInUse()).contains("1");
    assertThat(c.activeRoot()).isEqualTo(tmp.resolve("refroot"));

    writeImage(sb, "v2");
    fake.clearCalls();
    c.commitSwitch(sb);
    assertThat(Files.readString(slots[1].resolve("boot/extlinux/extlinux.conf")))
        .isEqualTo(FakeSystem.resource("boot/cboot/extlinux.conf.expected"));
    assertThat(tree(tmp.resolve("emmc-boot/boot"))).isEqualTo(tree(slots[1].resolve("boot")))
        .doesNotContain("stale-from-last-time").contains("dtb/board.dtb", "ota-status/status");
    assertThat(Files.readString(tmp.resolve("emmc-boot/boot/Image"))).isEqualTo("kernel v2");
    assertThat(fake.calls()).containsSubsequence(
        "blkid -o value -s PARTUUID /dev/nvme0n1p2",
        "mount -o rw /dev/mmcblk0p2 " + tmp.resolve("emmc-boot"),
        "umount " + tmp.resolve("emmc-boot"),
        "umount " + slots[1],
        "umount " + tmp.resolve("refroot"),
        "nvbootctrl -t rootfs set-active-boot-slot 1");
    c.reboot();
    assertThat(fake.calls()).last().isEqualTo("reboot ");

    CbootController booted = boot(1);
    assertThat(booted.finalizeAtStartup()).isEqualTo(new BootState(OtaStatus.SUCCESS, "v2", FailureType.NO_FAILURE, ""));
    assertThat(fake.calls()).contains("nvbootctrl -t rootfs mark-boot-successful 1");
    assertThat(files(1).status()).contains(OtaStatus.SUCCESS);

    // rollback to slot 0 (give it a version: the factory system had none recorded)
    assertThat(booted.checkRollback().reason()).isEqualTo("slot 0 has no recorded version");
    files(0).writeVersion("v1");
    assertThat(booted.checkRollback()).isEqualTo(RollbackCheck.ok());
    fake.clearCalls();
    booted.prepareRollback();
    assertThat(fake.calls()).containsSubsequence("mount -o rw /dev/nvme0n1p1 " + slots[0], "umount " + slots[0],
        "nvbootctrl -t rootfs set-active-boot-slot 0");
    assertThat(files(0).status()).contains(OtaStatus.ROLLBACKING);
    assertThat(files(1).status()).contains(OtaStatus.FAILURE);
    assertThat(boot(0).finalizeAtStartup()).isEqualTo(new BootState(OtaStatus.SUCCESS, "v1", FailureType.NO_FAILURE, ""));
  }

  @Test
  void onEmmcThereIsNoSeparateBootSync() throws IOException {
    devPrefix = "/dev/mmcblk0p";
    CbootController c = boot(0);
    c.finalizeAtStartup();
    Standby sb = c.prepareStandby("v2", false);
    writeImage(sb, "v2");
    c.commitSwitch(sb);
    assertThat(fake.calls()).noneMatch(l -> l.startsWith("mount ") && l.endsWith(tmp.resolve("emmc-boot").toString()))
        .contains("mount -o rw --make-private --make-unbindable /dev/mmcblk0p2 " + slots[1]);
    assertThat(tree(tmp.resolve("emmc-boot/boot"))).contains("stale-from-last-time");
    assertThat(boot(1).finalizeAtStartup().status()).isEqualTo(OtaStatus.SUCCESS);
  }

  @Test
  void row4_updatingOnASlotAlreadyMarkedSuccessfulIsFailure() throws IOException {
    files(0).writeStatus(OtaStatus.UPDATING);
    files(0).writeSlotInUse("0");
    BootState s = boot(0).finalizeAtStartup();
    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.failureReason()).contains("slot 0 was found UPDATING at start-up without evidence");
  }

  @Test
  void row5_rollbackingWithoutEvidenceIsRollbackFailure() throws IOException {
    files(0).writeStatus(OtaStatus.ROLLBACKING);
    files(0).writeSlotInUse("1");
    Files.delete(fake.nv("successful_0"));
    BootState s = boot(0).finalizeAtStartup();
    assertThat(s.status()).isEqualTo(OtaStatus.ROLLBACK_FAILURE);
    assertThat(files(0).status()).contains(OtaStatus.ROLLBACK_FAILURE);
  }

  @Test
  void row7_failureDuringUpdateMarksBothSlotsAndUnmounts() throws IOException {
    CbootController c = boot(0);
    c.finalizeAtStartup();
    c.prepareStandby("v2", false);
    fake.clearCalls();
    c.onFailure("E2-0102-306: standby slot has not enough space: /usr/lib/big");
    assertThat(files(0).status()).contains(OtaStatus.FAILURE);
    assertThat(files(0).slotInUse()).contains("0");
    assertThat(files(1).status()).contains(OtaStatus.FAILURE);
    assertThat(fake.mounted(slots[1])).isFalse();
    assertThat(fake.mounted(tmp.resolve("refroot"))).isFalse();
    assertThat(fake.calls()).contains("nvbootctrl -t rootfs set-active-boot-slot 0");
    BootState after = boot(0).finalizeAtStartup();
    assertThat(after.failure()).isEqualTo(FailureType.UNRECOVERABLE);
    assertThat(after.failureReason()).isEqualTo("E2-0102-306: standby slot has not enough space: /usr/lib/big");
  }

  @Test
  void row8_bootLoaderFallbackIsFailureOnTheOldSlot() throws IOException {
    CbootController c = boot(0);
    c.finalizeAtStartup();
    Standby sb = c.prepareStandby("v2", false);
    writeImage(sb, "v2");
    c.commitSwitch(sb);
    // slot 1 never got marked successful; CBoot's retry logic starts slot 0 again
    fake.clearCalls();
    BootState s = boot(0).finalizeAtStartup();
    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.failureReason()).contains("running slot 0 although slot 1 was expected");
    assertThat(fake.calls()).contains("nvbootctrl -t rootfs set-active-boot-slot 0", "nvbootctrl -t rootfs mark-boot-successful 0");
    assertThat(files(1).status()).contains(OtaStatus.FAILURE);
    assertThat(files(0).slotInUse()).contains("0");
  }

  @Test
  void healthCheckFailureSwitchesBackAndReboots() throws IOException {
    CbootController c = boot(0);
    c.finalizeAtStartup();
    Standby sb = c.prepareStandby("v2", false);
    writeImage(sb, "v2");
    c.commitSwitch(sb);
    fake.clearCalls();
    BootState s = boot(1, new HealthCheck(List.of(List.of("false")), fake.runner())).finalizeAtStartup();
    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.failureReason()).contains("health check `false` exited with 1");
    assertThat(fake.calls()).containsSubsequence("nvbootctrl -t rootfs set-active-boot-slot 0", "reboot ");
    assertThat(fake.calls()).doesNotContain("nvbootctrl -t rootfs mark-boot-successful 1");
    assertThat(boot(0).finalizeAtStartup().failureReason()).isEqualTo(s.failureReason());
  }
}
