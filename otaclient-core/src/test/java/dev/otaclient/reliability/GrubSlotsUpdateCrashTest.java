package dev.otaclient.reliability;

import dev.otaclient.internal.boot.BootController;
import dev.otaclient.internal.boot.GrubSlotsRig;
import dev.otaclient.internal.boot.HealthCheck;
import dev.otaclient.internal.boot.Rebooter;
import dev.otaclient.internal.boot.Standby;
import dev.otaclient.status.OtaStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@link UpdateCrashSuite} on the per-slot GRUB layout ({@link GrubSlotsRig}: /boot, slot A and slot B
 * as ext4 loop devices, Debian's grub-mkconfig and grub-editenv, the firmware modelled by
 * {@code GrubFirmware}): a 2022-layout device migrated at its first start, then updated. Steps: the
 * stand-ins (mount, umount, mkfs.ext4, chroot with grub-mkconfig, grub-editenv, the health check) and
 * every write on /boot (status files, entry files, kernels, grubenv) and in the running root (none are
 * expected). Nothing of the running slot is rewritten by an update or its finalisation: the status files
 * live on /boot; only {@code /lost+found} (e2fsck's) is left out of the comparison.
 */
class GrubSlotsUpdateCrashTest extends UpdateCrashSuite {
  @Override
  String name() {
    return "grub-slots";
  }

  @Override
  String layout() {
    return "slots";
  }

  @Override
  List<String> watched() {
    return List.of("boot", "root");
  }

  @Override
  String unavailable() {
    return GrubSlotsRig.available() ? null : "needs root, losetup, e2fsprogs, perl, grub-common and grub2-common";
  }

  @Override
  List<String> rewritten() {
    return List.of("/lost+found");
  }

  @Override
  Device provision(Path work) throws IOException {
    GrubSlotsRig rig = GrubSlotsRig.provisionOldLayout(work);
    rig.powerOff();
    rig = GrubSlotsRig.bootInto(work, GrubSlotsRig.A, "/vmlinuz-ota");
    BootController c = rig.controller(() -> { }, HealthCheck.none());
    if (c.finalizeAtStartup().status() != OtaStatus.INITIALIZED) {
      throw new IllegalStateException("the migration did not finish");
    }
    return new Grub(rig);
  }

  @Override
  void copy(Path from, Path to) throws IOException {
    GrubSlotsRig.copy(from, to);
  }

  @Override
  Device boot(Path work, String slot) throws IOException {
    String kernel = slot.equals(A) ? GrubSlotsRig.OLD_KERNEL : GrubSlotsRig.NEW_KERNEL;
    String folder = slot.equals(A) ? "ota-slot_a" : "ota-slot_b";
    return new Grub(GrubSlotsRig.bootInto(work, slot, "/" + folder + "/vmlinuz-" + kernel));
  }

  @Override
  void writeImageRootfs(Path rootfs) throws IOException {
    GrubSlotsRig.writeImageRootfs(rootfs, V2);
  }

  @Test
  void killsAtEveryStepOfAnUpdateAndItsFinalisationLeaveABootableDeviceThatUpdatesAgain() throws Exception {
    suite("kill", false, 31);
  }

  @Test
  void powerCutsAtEveryStepOfAnUpdateAndItsFinalisationLeaveABootableDeviceThatUpdatesAgain() throws Exception {
    suite("cut", true, 32);
  }

  private record Grub(GrubSlotsRig rig) implements Device {
    @Override
    public String running() {
      return rig.running();
    }

    @Override
    public Map<String, String> stopAt(String event, int nth, long delayMicros, boolean cut) {
      return rig.stopAt(event, nth, delayMicros, cut);
    }

    @Override
    public String nextBoot() throws IOException {
      return rig.firmware().slot();
    }

    @Override
    public String reboot(String parameter) throws IOException {
      return rig.reboot().slot();
    }

    @Override
    public Path root() {
      return rig.root();
    }

    /** Every {@code status} file on /boot (the slot folders, and the 2022 ones the migration left). */
    @Override
    public Map<String, String> statuses() throws IOException {
      Map<String, String> out = new LinkedHashMap<>();
      try (Stream<Path> s = Files.walk(rig.boot())) {
        for (Path p : (Iterable<Path>) s::iterator) {
          if (p.getFileName().toString().equals("status")) {
            out.put(rig.boot().relativize(p).toString(), Files.readString(p));
          }
        }
      }
      return out;
    }

    @Override
    public BootController controller(Rebooter rebooter) {
      return rig.controller(rebooter, HealthCheck.none());
    }

    @Override
    public void writeImage(Standby sb, String version) throws IOException {
      GrubSlotsRig.writeImageRootfs(sb.root(), version);
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
