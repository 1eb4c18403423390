package dev.otaclient.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.internal.boot.RpiTrybootRig;
import dev.otaclient.internal.boot.Standby;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * {@link RpiTrybootCrashTest} with images that bring their own flash-kernel (the stand-in of
 * {@link RpiTrybootRig#writeImageWithFlashKernel}, run by busybox in a chroot of the standby): its chroot
 * and bind mounts are steps, and besides the seeded moments, six fixed moments 1 to 10 ms after the chroot
 * started land inside its run (about 12 ms here), between the device trees it moved to {@code *.bak} and
 * the ones it installed. The device trees and overlays on system-boot are shared by both slots, so beyond
 * the suite's checks: after every start, the running slot's device tree and overlay are on the boot
 * partition (the factory ones on slot A, v2's on slot B), and no backup or marker is left.
 */
class RpiFlashKernelCrashTest extends RpiTrybootCrashTest {
  private static final String KERNEL = "6.6.0-2-rpi";

  @Override
  String name() {
    return "rpi-flash-kernel";
  }

  @Override
  String unavailable() {
    String base = super.unavailable();
    return base != null ? base
        : RpiTrybootRig.busyboxAvailable() ? null : "needs busybox-static (/bin/busybox) for the flash-kernel stand-in";
  }

  @Override
  Device provision(Path work) throws IOException {
    Device d = super.provision(work);
    rig(d).installFactoryDeviceTrees();
    return d;
  }

  @Override
  void writeVersion(Standby sb, String version) throws IOException {
    RpiTrybootRig.writeImageWithFlashKernel(sb, version, KERNEL, RpiTrybootRig.Lacking.NOTHING);
  }

  @Override
  List<Point> plan(Random r) {
    List<Point> points = new ArrayList<>(super.plan(r));
    for (long micros : new long[] {1_000, 2_000, 3_000, 4_500, 6_500, 10_000}) {
      points.add(new Point(false, "CMD chroot", 1, micros));
    }
    return points;
  }

  @Override
  void checkStarted(Device d, String running, String version, String where) throws IOException {
    Path fw = rig(d).firmwareDir();
    String expected = version == null ? "factory" : version;
    assertThat(fw.resolve(RpiTrybootRig.DEVICE_TREE)).as(where + ": the device tree of the slot that runs ("
        + running + ")").hasContent("dtb " + expected);
    assertThat(fw.resolve(RpiTrybootRig.OVERLAY)).as(where + ": the overlay of the slot that runs (" + running + ")")
        .hasContent("overlay " + expected);
    assertThat(rig(d).flashKernelLeftovers()).as(where + ": flash-kernel's backups settled").isEmpty();
  }
}
