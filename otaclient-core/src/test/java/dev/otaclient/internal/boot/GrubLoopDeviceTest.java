package dev.otaclient.internal.boot;

import static dev.otaclient.internal.boot.GrubWorld.UUID_A;
import static dev.otaclient.internal.boot.GrubWorld.UUID_B;
import static dev.otaclient.internal.boot.GrubWorld.UUID_BOOT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.FailureType;
import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.status.OtaStatus;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * GRUB A/B on real ext4 file systems: three loop devices (slot A, slot B, /boot), real findmnt,
 * blkid, mkfs.ext4, mount, umount and dumpe2fs. Faked: lsblk (loop devices have no parent disk, so
 * it answers as if the three were partitions of one disk), grub-mkconfig (fixture-driven, reads the
 * real mounts and UUIDs), grub-reboot, grub-editenv and reboot (recorded only).
 */
class GrubLoopDeviceTest {
  private static final CommandRunner SYSTEM = CommandRunner.system();

  Path work;
  final List<String> loops = new ArrayList<>();
  String loopA;
  String loopB;
  String loopBoot;
  GrubWorld w;
  FakeSystem fake;
  Path check;

  static boolean available() {
    boolean root = "root".equals(System.getProperty("user.name"));
    return root && Files.isExecutable(Path.of("/usr/sbin/losetup")) && Files.isExecutable(Path.of("/usr/sbin/mkfs.ext4"))
        && Files.exists(Path.of("/dev/loop-control"));
  }

  @BeforeEach
  void setUp() throws IOException {
    Assumptions.assumeTrue(available(), "needs root and losetup");
    work = Files.createTempDirectory("ota-grub-loop");
    loopA = loop("slot_a.img", UUID_A);
    loopB = loop("slot_b.img", UUID_B);
    loopBoot = loop("boot.img", UUID_BOOT);
    w = new GrubWorld(work);
    check = Files.createDirectories(work.resolve("check"));

    // slot B holds an old system: formatting must wipe it
    sh("mount", loopB, check.toString());
    Files.writeString(check.resolve("old-junk"), "x");
    sh("umount", check.toString());

    sh("mount", loopA, w.root.toString());
    sh("mount", loopBoot, w.boot.toString());
    w.provisionFactoryState();

    fake = new FakeSystem(work.resolve("fake"))
        .install("lsblk", FakeSystem.LSBLK)
        .install("grub-reboot", FakeSystem.RECORD_ONLY)
        .install("grub-editenv", FakeSystem.RECORD_ONLY)
        .install("reboot", FakeSystem.RECORD_ONLY)
        .installGrubMkconfig(w.boot, w.root);
    fake.table("disk", "/dev/otadisk");
    fake.table("children", "NAME=\"/dev/otadisk\" FSTYPE=\"\"", "NAME=\"" + loopBoot + "\" FSTYPE=\"ext4\"",
        "NAME=\"" + loopA + "\" FSTYPE=\"ext4\"", "NAME=\"" + loopB + "\" FSTYPE=\"ext4\"");
  }

  @AfterEach
  void tearDown() throws IOException {
    if (work == null) {
      return;
    }
    for (Path mnt : List.of(w.layout.standbyMount(), w.layout.refrootMount(), check, w.root, w.boot)) {
      while (mounted(mnt)) {
        SYSTEM.runAllowingFailure(ErrorCode.UNRECOVERABLE, List.of("umount", "-l", mnt.toString()));
      }
    }
    for (String dev : loops) {
      SYSTEM.runAllowingFailure(ErrorCode.UNRECOVERABLE, List.of("losetup", "-d", dev));
    }
    AtomicFiles.deleteTree(work);
  }

  private String loop(String image, String uuid) throws IOException {
    Path img = work.resolve(image);
    try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
      f.setLength(32L << 20);
    }
    String dev = sh("losetup", "-f", "--show", img.toString()).strip();
    loops.add(dev);
    sh("mkfs.ext4", "-q", "-F", "-U", uuid, dev);
    return dev;
  }

  private static String sh(String... argv) {
    return SYSTEM.run(ErrorCode.UNRECOVERABLE, argv).stdout();
  }

  private static boolean mounted(Path mnt) {
    return SYSTEM.runAllowingFailure(ErrorCode.UNRECOVERABLE,
        List.of("findmnt", "-n", "--mountpoint", mnt.toString())).succeeded();
  }

  private static String probeUuid(String dev) {
    return sh("blkid", "-p", "-o", "value", "-s", "UUID", dev).strip();
  }

  private String expectedTree(String name) {
    return FakeSystem.resource("boot/grub/expected/" + name);
  }

  private String tree() throws IOException {
    return w.bootTree(GrubController.slotId(loopA), GrubController.slotId(loopB));
  }

  private GrubController open() {
    return new GrubController(w.layout, fake.runner(), null, HealthCheck.none());
  }

  @Test
  void updateOnRealExt4ThenRebootWithRolesSwappedFinalises() throws IOException {
    GrubController c = open();
    assertThat(c.activeDevice()).isEqualTo(loopA);
    assertThat(c.standbyDevice()).isEqualTo(loopB);
    assertThat(c.finalizeAtStartup().status()).isEqualTo(OtaStatus.INITIALIZED);
    assertThat(tree()).isEqualTo(expectedTree("boot-tree.after-init"));
    assertThat(Files.readString(w.boot.resolve("grub/grub.cfg"))).isEqualTo(expectedTree("grub.cfg.after-init"));

    Standby sb = c.prepareStandby("v2", false);
    assertThat(sb.reusedInPlace()).isFalse();
    assertThat(probeUuid(loopB)).as("standby formatted with its old UUID").isEqualTo(UUID_B);
    try (Stream<Path> s = Files.list(sb.root())) {
      assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("lost+found");
    }
    assertThat(sh("findmnt", "-n", "-o", "SOURCE", "--mountpoint", sb.root().toString()).strip()).isEqualTo(loopB);
    assertThat(c.activeRoot()).isEqualTo(w.layout.refrootMount());
    assertThat(Files.readString(c.activeRoot().resolve("etc/os-release"))).isEqualTo("VERSION=factory\n");
    assertThatThrownBy(() -> Files.writeString(c.activeRoot().resolve("x"), "x")).isInstanceOf(FileSystemException.class);

    GrubWorld.writeImage(sb, "v2");
    c.commitSwitch(sb);
    assertThat(mounted(w.layout.standbyMount())).isFalse();
    assertThat(mounted(w.layout.refrootMount())).isFalse();
    assertThat(tree()).isEqualTo(expectedTree("boot-tree.after-commit"));
    assertThat(Files.readString(w.boot.resolve("grub/grub.cfg"))).isEqualTo(expectedTree("grub.cfg.after-commit"));
    assertThat(fake.calls()).contains("grub-reboot 0");
    sh("mount", "-o", "ro", loopB, check.toString());
    assertThat(Files.readString(check.resolve("etc/fstab"))).isEqualTo(FakeSystem.resource("boot/grub/fstab.merged.expected"));
    sh("umount", check.toString());
    c.reboot();
    assertThat(fake.calls()).last().isEqualTo("reboot ");

    // the simulated reboot: slot B is now the root file system
    sh("umount", w.root.toString());
    sh("mount", loopB, w.root.toString());
    Files.writeString(w.cmdline, "BOOT_IMAGE=/vmlinuz-ota.standby root=UUID=" + UUID_B + " ro quiet splash\n");
    GrubController booted = open();
    assertThat(booted.activeDevice()).isEqualTo(loopB);
    assertThat(booted.finalizeAtStartup()).isEqualTo(new BootState(OtaStatus.SUCCESS, "v2", FailureType.NO_FAILURE, ""));
    assertThat(tree()).isEqualTo(expectedTree("boot-tree.after-finalise"));
    assertThat(Files.readString(w.boot.resolve("grub/grub.cfg"))).isEqualTo(expectedTree("grub.cfg.after-finalise"));
    assertThat(Files.readString(w.root.resolve("etc/os-release"))).isEqualTo("VERSION=v2\n");
  }

  /** The update engine itself builds the standby on the freshly formatted ext4, then GRUB switches. */
  @Test
  void theEngineBuildsTheStandbyOnRealExt4AndTheNewSlotFinalises() throws Exception {
    Path rootfs = Files.createDirectories(work.resolve("image-rootfs/boot"));
    rootfs = rootfs.getParent();
    GrubWorld.writeImage(new Standby(rootfs, rootfs.resolve("boot"), false), "v2");
    Files.createDirectories(rootfs.resolve("usr/bin"));
    Files.writeString(rootfs.resolve("usr/bin/tool"), "tool v2\n");
    Files.createSymbolicLink(rootfs.resolve("bin"), Path.of("usr/bin"));
    dev.otaclient.testing.SignedImageFixture images = dev.otaclient.testing.SignedImageFixture.create("grub", work);
    Path cas = images.cas();
    Path image = work.resolve("image");
    images.builder(rootfs, image).compress(true).build();

    GrubController c = open();
    dev.otaclient.internal.update.UpdateEngine client = new dev.otaclient.internal.update.UpdateEngine("main", c,
        dev.otaclient.internal.update.UpdateSettings.defaults(dev.otaclient.internal.image.CaStore.load(cas)));
    assertThat(client.start().status()).isEqualTo(OtaStatus.INITIALIZED);
    client.update(dev.otaclient.internal.update.UpdateRequest.of("v2", image.toString(), "{}"));
    assertThat(fake.calls()).contains("grub-reboot 0");
    assertThat(fake.calls()).last().isEqualTo("reboot ");
    assertThat(probeUuid(loopB)).isEqualTo(UUID_B);
    String standbySlot = GrubController.slotId(loopB);
    assertThat(w.boot.resolve("ota-partition." + standbySlot + "/vmlinuz-" + GrubWorld.NEW_KERNEL)).exists();

    sh("umount", w.root.toString());
    sh("mount", loopB, w.root.toString());
    Files.writeString(w.cmdline, "BOOT_IMAGE=/vmlinuz-ota.standby root=UUID=" + UUID_B + " ro quiet splash\n");
    GrubController booted = open();
    assertThat(booted.finalizeAtStartup()).isEqualTo(new BootState(OtaStatus.SUCCESS, "v2", FailureType.NO_FAILURE, ""));
    assertThat(Files.readString(w.root.resolve("etc/os-release"))).isEqualTo("VERSION=v2\n");
    assertThat(Files.readString(w.root.resolve("usr/bin/tool"))).isEqualTo("tool v2\n");
    assertThat(Files.readSymbolicLink(w.root.resolve("bin"))).isEqualTo(Path.of("usr/bin"));
    assertThat(w.root.resolve("boot")).isDirectory();
    assertThat(w.root.resolve("opt/ota/image-meta/regulars.txt")).exists();
    assertThat(Files.readString(w.root.resolve("etc/fstab")))
        .isEqualTo(FakeSystem.resource("boot/grub/fstab.merged.expected"));
  }

  @Test
  void failedUpdateUnmountsAndReuseInPlaceKeepsACleanStandby() throws IOException {
    Files.writeString(w.boot.resolve("grub/grubenv"), "# GRUB Environment Block\n");
    GrubController c = open();
    c.finalizeAtStartup();
    Standby sb = c.prepareStandby("v2", false);
    Files.writeString(sb.root().resolve("half-built"), "x");
    c.onFailure("E1-0102-207: failed to apply the OTA update: test");
    assertThat(mounted(w.layout.standbyMount())).isFalse();
    assertThat(mounted(w.layout.refrootMount())).isFalse();
    assertThat(fake.calls()).contains("grub-editenv " + w.boot.resolve("grub/grubenv") + " unset next_entry");

    Standby again = c.prepareStandby("v2", true);
    assertThat(again.reusedInPlace()).isTrue();
    assertThat(Files.readString(again.root().resolve("half-built"))).isEqualTo("x");
  }
}
