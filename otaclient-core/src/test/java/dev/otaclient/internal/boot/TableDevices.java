package dev.otaclient.internal.boot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The six backends as {@link TableDevice}s, built on the rigs and the device set-ups of their own
 * tests (those test classes are instantiated here for their provisioning and firmware models).
 */
final class TableDevices {
  private TableDevices() {}

  static final List<String> ALL = List.of("directory", "grub-legacy", "grub", "jetson-cboot", "jetson-uefi",
      "rpi-tryboot");

  /** Whether {@code name} can run here (the loop-device backends need root). */
  static boolean available(String name) {
    return switch (name) {
      case "directory", "jetson-cboot" -> true;
      case "grub-legacy" -> GrubLoopRig.available();
      case "grub" -> GrubSlotsRig.available();
      default -> RpiTrybootRig.available();
    };
  }

  static TableDevice open(String name, Path work) throws IOException {
    return switch (name) {
      case "directory" -> new Directory(work);
      case "grub-legacy" -> new OldGrub(work);
      case "grub" -> new Grub(work);
      case "jetson-cboot" -> new Cboot(work);
      case "jetson-uefi" -> new JetsonUefi(work);
      case "rpi-tryboot" -> new Rpi(work);
      default -> throw new IllegalArgumentException(name);
    };
  }

  private static String ab(boolean first) {
    return first ? "A" : "B";
  }

  /** Directory slots with the supervised-restart reboot: the next start performs the boot. */
  static final class Directory implements TableDevice {
    private final Path root;

    Directory(Path work) {
      this.root = work.resolve("slots");
    }

    private DirectorySlotController peek() {
      return new DirectorySlotController(root, DirectorySlotController.Options.defaults().withExitProcess(() -> { }));
    }

    @Override
    public SlotStateMachine start() {
      return peek();
    }

    @Override
    public String running() {
      return ab(peek().activeSlotId().equals(DirectorySlotController.SLOT_A));
    }

    @Override
    public String reboot() throws IOException {
      return boot(false);
    }

    @Override
    public String failedBoot() throws IOException {
      return boot(true);
    }

    /** The boot loader now, so that the next start sees the booted slot unfinalised (the request is consumed). */
    private String boot(boolean armedSlotFails) throws IOException {
      peek().bootLoader(armedSlotFails);
      Files.deleteIfExists(root.resolve("reboot_requested"));
      return running();
    }

    @Override
    public String nextBoot() {
      DirectorySlotController c = peek();
      return ab(c.armedSlotId().orElse(c.defaultSlotId()).equals(DirectorySlotController.SLOT_A));
    }

    @Override
    public void writeImage(Standby sb, String version) throws IOException {
      Files.writeString(Files.createDirectories(sb.root().resolve("etc")).resolve("os-release"), version);
    }

    @Override
    public void close() {}
  }

  /** GRUB on the 2022 ota-partition layout ({@link GrubLoopRig}). */
  static final class OldGrub implements TableDevice {
    private final GrubLoopRig rig;

    OldGrub(Path work) throws IOException {
      rig = GrubLoopRig.provision(work.resolve("dev"));
    }

    @Override
    public SlotStateMachine start() {
      return rig.controller(() -> { }, HealthCheck.none());
    }

    @Override
    public String running() {
      return rig.running();
    }

    @Override
    public String reboot() throws IOException {
      return rig.reboot().slot();
    }

    @Override
    public String failedBoot() throws IOException {
      rig.reboot(); // the one-shot entry is used up by this boot, which hangs
      return rig.reboot().slot();
    }

    @Override
    public String nextBoot() throws IOException {
      return rig.firmware().slot();
    }

    @Override
    public void writeImage(Standby sb, String version) throws IOException {
      GrubWorld.writeImage(sb, version);
    }

    @Override
    public void close() {
      rig.powerOff();
    }
  }

  /** GRUB in the per-slot layout ({@link GrubSlotsRig}), from a factory device. */
  static final class Grub implements TableDevice {
    private final GrubSlotsRig rig;

    Grub(Path work) throws IOException {
      rig = GrubSlotsRig.provisionFactory(work.resolve("dev"));
    }

    @Override
    public SlotStateMachine start() {
      return rig.controller(() -> { }, HealthCheck.none());
    }

    @Override
    public String running() {
      return rig.running();
    }

    @Override
    public String reboot() throws IOException {
      return rig.reboot().slot();
    }

    @Override
    public String failedBoot() throws IOException {
      rig.reboot();
      return rig.reboot().slot();
    }

    @Override
    public String nextBoot() throws IOException {
      return rig.firmware().slot();
    }

    @Override
    public void writeImage(Standby sb, String version) throws IOException {
      GrubSlotsRig.writeImageRootfs(sb.root(), version);
    }

    @Override
    public void close() {
      rig.powerOff();
    }
  }

  /**
   * Jetson CBoot with {@link CbootControllerTest}'s stateful nvbootctrl. The boot loader's model: the
   * active slot starts; a slot that does not come up is retried, then marked unbootable and the other
   * slot is made active (CBoot's own fallback).
   */
  static final class Cboot implements TableDevice {
    private final CbootControllerTest t = new CbootControllerTest();
    private int running;

    Cboot(Path work) throws IOException {
      t.tmp = work;
      t.setUp();
      Files.writeString(t.fake.nv("active"), "0");
    }

    @Override
    public SlotStateMachine start() throws IOException {
      return t.boot(running);
    }

    @Override
    public String running() {
      return ab(running == 0);
    }

    private int active() throws IOException {
      return Integer.parseInt(Files.readString(t.fake.nv("active")).strip());
    }

    @Override
    public String reboot() throws IOException {
      running = active();
      return running();
    }

    @Override
    public String failedBoot() throws IOException {
      int failed = active();
      int other = 1 - failed;
      Files.writeString(t.fake.nv("unbootable_" + failed), "");
      Files.writeString(t.fake.nv("active"), Integer.toString(other));
      running = other;
      return running();
    }

    @Override
    public String nextBoot() throws IOException {
      return ab(active() == 0);
    }

    @Override
    public void writeImage(Standby sb, String version) throws IOException {
      CbootControllerTest.writeImage(sb, version);
    }

    @Override
    public void close() {}
  }

  /** Jetson UEFI on loop devices ({@link JetsonUefiRig}'s device and firmware model). */
  static final class JetsonUefi implements TableDevice {
    private final JetsonUefiRig rig;

    JetsonUefi(Path work) throws IOException {
      rig = JetsonUefiRig.provision(work.resolve("dev"));
    }

    @Override
    public SlotStateMachine start() {
      return rig.controller(() -> { }, HealthCheck.none());
    }

    @Override
    public String running() {
      try {
        return ab(rig.running() == 0);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @Override
    public String reboot() throws IOException {
      return ab(rig.reboot() == 0);
    }

    @Override
    public String failedBoot() throws IOException {
      return ab(rig.rebootIntoAHangingSlot() == 0);
    }

    @Override
    public String nextBoot() throws IOException {
      return ab(rig.nextBoot() == 0);
    }

    @Override
    public void writeImage(Standby sb, String version) throws IOException {
      JetsonUefiRig.writeRootfs(sb.root(), "35", "4.1");
    }

    @Override
    public void close() {
      rig.powerOff();
    }
  }

  /** Raspberry Pi tryboot on loop devices ({@link RpiTrybootRig}'s device and firmware model). */
  static final class Rpi implements TableDevice {
    private final RpiTrybootRig rig;
    private final List<String> reboots = new ArrayList<>();

    Rpi(Path work) throws IOException {
      rig = RpiTrybootRig.provision(work.resolve("dev"));
    }

    @Override
    public SlotStateMachine start() {
      return rig.controller(RpiTrybootRig.recording(reboots), HealthCheck.none());
    }

    @Override
    public String running() {
      return ab(rig.running().equals(RpiTrybootRig.A));
    }

    /** The reboot the client asked for: tryboot when its last request said so. */
    @Override
    public String reboot() throws IOException {
      boolean tryboot = !reboots.isEmpty() && reboots.get(reboots.size() - 1).equals("0 tryboot");
      reboots.clear();
      return ab(rig.reboot(tryboot).equals(RpiTrybootRig.A));
    }

    @Override
    public String failedBoot() throws IOException {
      reboot(); // the one tryboot; the slot hangs and the watchdog resets
      return ab(rig.reboot(false).equals(RpiTrybootRig.A));
    }

    @Override
    public String nextBoot() throws IOException {
      return ab(rig.firmware(false).equals(RpiTrybootRig.A));
    }

    @Override
    public void writeImage(Standby sb, String version) throws IOException {
      RpiTrybootRig.writeImage(sb, version);
    }

    @Override
    public void close() {
      rig.powerOff();
    }
  }

  static List<String> names() {
    return new ArrayList<>(ALL);
  }
}
