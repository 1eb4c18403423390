package dev.otaclient.reliability;

import dev.otaclient.internal.boot.BootController;
import dev.otaclient.internal.boot.HealthCheck;
import dev.otaclient.internal.boot.Rebooter;
import dev.otaclient.internal.boot.RpiTrybootRig;
import dev.otaclient.internal.boot.Standby;
import dev.otaclient.status.OtaStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link UpdateCrashSuite} on Raspberry Pi tryboot ({@link RpiTrybootRig}: the FAT system-boot partition
 * and two ext4 slots on loop devices, the firmware's one-shot tryboot and its fallback modelled). Steps:
 * the stand-ins (mount, umount, mkfs.ext4, e2label, sync, the health check) and every write on the boot
 * partition (kernels, initrds, tryboot.txt, config.txt), in the running slot and in the standby's status
 * files.
 *
 * <p>The power cut of the FAT partition: fusefat serves it through its loop device, and FUSE has no
 * shutdown ioctl; a vfat file system cannot be unmounted without flushing either. So at the cut the
 * partition's image file is copied as the loop device has written it so far, and that copy is the disk
 * after the cut: whatever fusefat had handed to the kernel but the kernel had not yet written back is
 * lost, as it would be from a real block device's cache. Because fusefat implements neither syncfs nor
 * fsync, the stand-in {@code sync} (the client's {@code sync -f}) flushes the loop device as the vfat
 * driver's syncfs would; the per-file fsyncs of the client's atomic writes are not credited, so on FAT
 * the model keeps only what the client's last syncfs made durable (a state the device would have had
 * after a cut at that earlier moment), which is stricter than the real driver.
 *
 * <p>Rewritten in the running slot by design: its status files ({@code /boot/ota-status}, the slot-file
 * protocol: FAILURE and slot_in_use at the start of an update, SUCCESS at the finalisation) and e2fsck's
 * {@code /lost+found}.
 */
class RpiTrybootCrashTest extends UpdateCrashSuite {
  @Override
  String name() {
    return "rpi-tryboot";
  }

  @Override
  String layout() {
    return "rpi";
  }

  @Override
  List<String> watched() {
    return List.of("firmware", "root", "mnt/standby/boot/ota-status");
  }

  @Override
  String unavailable() {
    return RpiTrybootRig.available() ? null : "needs root, losetup, e2fsprogs, dosfstools and fusefat";
  }

  @Override
  List<String> rewritten() {
    return List.of("/boot/ota-status", "/lost+found");
  }

  @Override
  Device provision(Path work) throws IOException {
    RpiTrybootRig rig = RpiTrybootRig.provision(work);
    if (rig.controller(() -> { }, HealthCheck.none()).finalizeAtStartup().status() != OtaStatus.INITIALIZED) {
      throw new IllegalStateException("first start did not initialise");
    }
    return new Pi(rig);
  }

  static RpiTrybootRig rig(Device d) {
    return ((Pi) d).rig;
  }

  @Override
  void copy(Path from, Path to) throws IOException {
    RpiTrybootRig.copy(from, to);
  }

  @Override
  Device boot(Path work, String slot) throws IOException {
    return new Pi(RpiTrybootRig.bootInto(work, slot.equals(A) ? RpiTrybootRig.A : RpiTrybootRig.B));
  }

  @Override
  void writeImageRootfs(Path rootfs) throws IOException {
    writeVersion(new Standby(rootfs, Files.createDirectories(rootfs.resolve("boot")), false), V2);
  }

  /** A slot's own files of {@code version} (kernel, initrd, release). */
  void writeVersion(Standby sb, String version) throws IOException {
    RpiTrybootRig.writeImage(sb, version);
  }

  @Test
  void killsAtEveryStepOfAnUpdateAndItsFinalisationLeaveABootableDeviceThatUpdatesAgain() throws Exception {
    suite("kill", false, 41);
  }

  @Test
  void powerCutsAtEveryStepOfAnUpdateAndItsFinalisationLeaveABootableDeviceThatUpdatesAgain() throws Exception {
    suite("cut", true, 42);
  }

  private static String ab(String slot) {
    return slot.equals(RpiTrybootRig.A) ? A : B;
  }

  private final class Pi implements Device {
    private final RpiTrybootRig rig;

    Pi(RpiTrybootRig rig) {
      this.rig = rig;
    }

    @Override
    public String running() {
      return ab(rig.running());
    }

    @Override
    public Map<String, String> stopAt(String event, int nth, long delayMicros, boolean cut) {
      return rig.stopAt(event, nth, delayMicros, cut);
    }

    @Override
    public String nextBoot() throws IOException {
      return ab(rig.firmware(false));
    }

    @Override
    public String reboot(String parameter) throws IOException {
      return ab(rig.reboot("0 tryboot".equals(parameter)));
    }

    @Override
    public Path root() {
      return rig.root();
    }

    @Override
    public Map<String, String> statuses() throws IOException {
      Map<String, String> out = new LinkedHashMap<>();
      rig.statusFiles().forEach((slot, text) -> out.put(ab(slot), text));
      return out;
    }

    @Override
    public BootController controller(Rebooter rebooter) {
      return rig.controller(rebooter, HealthCheck.none());
    }

    @Override
    public void writeImage(Standby sb, String version) throws IOException {
      writeVersion(sb, version);
    }

    @Override
    public void powerOff() {
      rig.powerOff();
    }

    @Override
    public int fsck() {
      return rig.fsck();
    }
  }
}
