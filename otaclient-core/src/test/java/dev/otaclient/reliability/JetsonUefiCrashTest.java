package dev.otaclient.reliability;

import dev.otaclient.internal.boot.BootController;
import dev.otaclient.internal.boot.HealthCheck;
import dev.otaclient.internal.boot.JetsonUefiRig;
import dev.otaclient.internal.boot.Rebooter;
import dev.otaclient.internal.boot.Standby;
import dev.otaclient.internal.fs.ContentHash;
import dev.otaclient.status.OtaStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link UpdateCrashSuite} on Jetson UEFI ({@link JetsonUefiRig}: ext4 rootfs slots and a FAT ESP on loop
 * devices, fake efivars and a stateful UEFI {@code nvbootctrl}, the firmware's capsule update and
 * fallback modelled). The image carries a firmware package (a good capsule and a newer L4TLauncher than
 * the installed R35.3.1 one), so the update's firmware step runs: capsule to {@code EFI/UpdateCapsule},
 * L4TLauncher kept as {@code BOOTAA64.efi_bak} and replaced, its version file, the ESP synced and
 * unmounted, the RootfsStatus variables reset, the OsIndications trigger set; the firmware then applies
 * the capsule and switches the chain at the reboot. Steps: the stand-ins (mount, umount, mkfs.ext4,
 * nvbootctrl, chattr, sync, the health check) and every write on the ESP, in efivars, in the running
 * slot and in the standby's status files and extlinux.conf.
 *
 * <p>The power cut of the ESP is modelled as for the Raspberry Pi's FAT partition (see
 * {@link RpiTrybootCrashTest}): the image as its loop device has written it, the client's syncfs and the
 * ESP's unmount being the flushes. efivars and the nvbootctrl state are the firmware's NVRAM: written
 * synchronously, not cut.
 *
 * <p>Rewritten in the running slot by design: its status files ({@code /boot/ota-status}) and e2fsck's
 * {@code /lost+found}.
 */
class JetsonUefiCrashTest extends UpdateCrashSuite {
  @Override
  String name() {
    return "jetson-uefi";
  }

  @Override
  String layout() {
    return "jetson";
  }

  @Override
  List<String> watched() {
    return List.of("root", "mnt/standby/boot/ota-status", "mnt/standby/boot/extlinux", "mnt/esp", "efivars");
  }

  @Override
  String unavailable() {
    return JetsonUefiRig.available() ? null : "needs root, losetup, e2fsprogs, dosfstools and fusefat";
  }

  @Override
  List<String> rewritten() {
    return List.of("/boot/ota-status", "/lost+found");
  }

  @Override
  Device provision(Path work) throws IOException {
    JetsonUefiRig rig = JetsonUefiRig.provision(work);
    String old = "L4TLauncher R35.3.1";
    rig.onEsp(esp -> {
      // a new file, not one rewritten in place: fusefat does not truncate a file it rewrites
      Files.delete(esp.resolve("EFI/BOOT/BOOTAA64.efi"));
      Files.writeString(esp.resolve("EFI/BOOT/BOOTAA64.efi"), old);
      Files.writeString(esp.resolve("EFI/BOOT/l4tlauncher_version"),
          "R35.3.1:" + ContentHash.of(old.getBytes(StandardCharsets.UTF_8)));
    });
    if (rig.controller(() -> { }, HealthCheck.none()).finalizeAtStartup().status() != OtaStatus.INITIALIZED) {
      throw new IllegalStateException("first start did not initialise");
    }
    return new Jetson(rig);
  }

  @Override
  void copy(Path from, Path to) throws IOException {
    JetsonUefiRig.copy(from, to);
  }

  @Override
  Device boot(Path work, String slot) throws IOException {
    JetsonUefiRig rig = JetsonUefiRig.boot(work);
    if (rig.running() != (slot.equals(A) ? 0 : 1)) {
      rig.powerOff();
      throw new IllegalStateException("the firmware runs slot " + rig.running() + ", not " + slot);
    }
    return new Jetson(rig);
  }

  @Override
  void writeImageRootfs(Path rootfs) throws IOException {
    JetsonUefiRig.writeRootfs(rootfs, "35", "4.1");
    JetsonUefiRig.writeFirmware(rootfs, "GOOD R35.4.1");
  }

  @Test
  void killsAtEveryStepOfAnUpdateWithACapsuleAndItsFinalisationLeaveABootableDeviceThatUpdatesAgain() throws Exception {
    suite("kill", false, 51);
  }

  @Test
  void powerCutsAtEveryStepOfAnUpdateWithACapsuleAndItsFinalisationLeaveABootableDeviceThatUpdatesAgain()
      throws Exception {
    suite("cut", true, 52);
  }

  private static String ab(int slot) {
    return slot == 0 ? A : B;
  }

  private record Jetson(JetsonUefiRig rig) implements Device {
    @Override
    public String running() {
      try {
        return ab(rig.running());
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @Override
    public Map<String, String> stopAt(String event, int nth, long delayMicros, boolean cut) {
      return rig.stopAt(event, nth, delayMicros, cut);
    }

    @Override
    public String nextBoot() throws IOException {
      return ab(rig.nextBoot());
    }

    @Override
    public String reboot(String parameter) throws IOException {
      return ab(rig.reboot());
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
      JetsonUefiRig.writeRootfs(sb.root(), "35", "4.1");
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
