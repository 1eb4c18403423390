package dev.otaclient.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.internal.boot.BootState;
import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.Nginx;
import dev.otaclient.testing.TreeSnapshot;
import dev.otaclient.internal.update.UpdateEngine;
import dev.otaclient.internal.update.UpdateRequest;
import dev.otaclient.internal.update.UpdateSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Suite 2, power cut: the whole directory-slot device (both slots, status files, boot pointers, the
 * engine's journal) lives on an ext4 loop device. At seeded points of an update in a child JVM (and of
 * the start-up after it) the file system's power is cut ({@link LoopFs#cutPower}: unwritten data is
 * lost, nothing more reaches the device), the process is SIGKILLed, the file system is unmounted,
 * checked with {@code e2fsck -fy} and mounted again. Then the invariants of the crash suite must hold on
 * what actually reached the disk: the running slot byte-identical, every status file whole, the restart
 * never UPDATING, and the re-sent update producing exactly the image, so no half-written file was
 * accepted as complete.
 */
class PowerCutTest {
  static final String V1 = "1.0";
  static final String V2 = "2.0";

  @TempDir static Path shared;
  static SignedImageFixture images;
  static Nginx nginx;
  static Path installed;
  static Path reference;
  static TreeSnapshot runningV1;
  static TreeSnapshot imageV2;

  record CutPoint(String label, boolean atStartup, Predicate<String> event, long delayMicros) {}

  @BeforeAll
  static void setUp() {
    assumeTrue(Nginx.available(), "nginx not installed");
    assumeTrue(LoopFs.available(), "needs root, loop devices, e2fsprogs and perl");
    images = SignedImageFixture.create("reliability", shared);
    try {
      CrashAtAnyPointTest.deleteTree(Path.of("target", "reliability", "power-cut-logs").toAbsolutePath());
    } catch (java.io.IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
    images.sampleV1("v1");
    images.v2WithBulk("v1", "v2", Suite.longRun() ? 600 : 80, Suite.seed());
    nginx = Nginx.serve(images.www());
    imageV2 = TreeSnapshot.of(images.rootfs("v2"));

    installed = shared.resolve("installed.img");
    LoopFs.format(installed, 96);
    try (LoopFs fs = LoopFs.mount(installed, shared.resolve("mnt-setup"))) {
      Path state = fs.mountPoint.resolve("state");
      UpdateEngine c = new UpdateEngine("main", new DirectorySlotController(state), UpdateSettings.defaults(images.caStore()));
      c.start();
      EcuStatus s = c.update(UpdateRequest.of(V1, nginx.imageUrl("v1"), "{}"));
      assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
      runningV1 = TreeSnapshot.of(state.resolve(DirectorySlotController.SLOT_B));
    }
    // the state right after a complete update (reboot requested): where the start-up cuts begin
    reference = shared.resolve("reference.img");
    copy(installed, reference);
    try (LoopFs fs = LoopFs.mount(reference, shared.resolve("mnt-setup"))) {
      ChildProbe.Run full = ChildProbe.run(logFile("reference"), updateArgs(fs.mountPoint.resolve("state")));
      assertThat(full.events()).contains("REBOOT_REQUESTED");
    }
  }

  @AfterAll
  static void tearDown() {
    if (nginx != null) {
      nginx.close();
    }
  }

  static List<String> updateArgs(Path state) {
    return List.of("update", state.toString(), images.cas().toString(), V2, nginx.imageUrl("v2"));
  }

  static Path logFile(String name) {
    Path dir = Path.of("target", "reliability", "power-cut-logs").toAbsolutePath();
    try {
      Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return dir.resolve(name + ".log");
  }

  @Test
  void powerCutsAtSeededPointsLoseNothingThatWasConfirmed() throws Exception {
    Random r = new Random(Suite.seed() + 1);
    List<CutPoint> points = new ArrayList<>();
    points.add(new CutPoint("phase DIRECTORY", false, e -> e.equals("PHASE DIRECTORY"), 0));
    points.add(new CutPoint("phase REGULAR", false, e -> e.equals("PHASE REGULAR"), r.nextInt(2_000)));
    points.add(new CutPoint("standby complete", false, e -> e.equals("BEFORE_SWITCH"), r.nextInt(2_000)));
    points.add(new CutPoint("reboot request", false, e -> e.equals("REBOOT_REQUESTED"), 0));
    points.add(new CutPoint("boot switch", true, e -> e.equals("STARTING"), r.nextInt(3_000)));
    points.add(new CutPoint("finalisation", true, e -> e.equals("HEALTH"), r.nextInt(80_000)));
    int total = Integer.getInteger("reliability.powercut.points", Suite.longRun() ? 60 : 10);
    while (points.size() < total) {
      long n = 1 + r.nextInt(100);
      points.add(new CutPoint("files placed >= " + n, false, e -> e.startsWith("PROGRESS ")
          && CrashAtAnyPointTest.number(e, 1) >= n, 0));
    }
    StringBuilder report = new StringBuilder(String.format("power-cut suite, seed %d, %d cuts%n",
        Suite.seed(), points.size()));
    for (int i = 0; i < points.size(); i++) {
      report.append(trial(i, points.get(i))).append('\n');
    }
    System.out.println(report);
    Files.createDirectories(Path.of("target", "reliability"));
    Files.writeString(Path.of("target", "reliability", "power-cut-report.txt"), report, StandardCharsets.UTF_8);
  }

  String trial(int i, CutPoint point) throws Exception {
    Path img = shared.resolve("trial-" + i + ".img");
    copy(point.atStartup() ? reference : installed, img);
    Path mnt = shared.resolve("mnt-" + i);
    Path log = logFile("trial-" + i);
    LoopFs fs = LoopFs.mount(img, mnt);
    Path state = mnt.resolve("state");
    ChildProbe.Run cut;
    try {
      List<String> args = point.atStartup() ? List.of("start", state.toString(), images.cas().toString()) : updateArgs(state);
      cut = ChildProbe.run(log, args, point.event(), point.delayMicros(), fs::cutPower);
    } finally {
      fs.close();
    }
    String where = "cut " + i + " (" + point.label() + ", after " + cut.last() + ", log " + log + ")";
    int fsck = LoopFs.mount(img, mnt).unmountAndCheck();
    assertThat(fsck).as(where + ": e2fsck left errors uncorrected").isLessThanOrEqualTo(1);

    try (LoopFs again = LoopFs.mount(img, mnt)) {
      // what reached the disk: the running slot intact, status files whole
      assertThat(TreeSnapshot.of(state.resolve(DirectorySlotController.SLOT_B)).diff(runningV1)).as(where).isEmpty();
      CrashAtAnyPointTest.assertStatusFilesWhole(state, where);

      ChildProbe.Run resend = ChildProbe.run(log, updateArgs(state));
      String fin = resend.first("FINALIZED ");
      assertThat(fin).as(where).isNotNull();
      String[] f = fin.split(" ", 5);
      OtaStatus status = OtaStatus.valueOf(f[1]);
      String active = f[2];
      assertThat(status).as(where).isNotIn(OtaStatus.UPDATING, OtaStatus.ROLLBACKING);
      if (status == OtaStatus.FAILURE) {
        assertThat(f.length > 4 ? f[4] : "").as(where).matches("E[12]-\\d{4}-\\d{3}: .+");
      }
      if (active.equals(DirectorySlotController.SLOT_A)) {
        assertThat(status).as(where).isEqualTo(OtaStatus.SUCCESS);
        assertThat(f[3]).as(where).isEqualTo(V2);
      }
      assertThat(resend.events()).as(where + " resend").contains("REBOOT_REQUESTED");
      String standby = active.equals(DirectorySlotController.SLOT_A) ? DirectorySlotController.SLOT_B
          : DirectorySlotController.SLOT_A;
      // no file that lost its data in the cut was taken as complete
      assertThat(TreeSnapshot.of(state.resolve(standby), SignedImageFixture.ENGINE_META).diff(imageV2)).as(where).isEmpty();
      if (active.equals(DirectorySlotController.SLOT_B)) {
        assertThat(TreeSnapshot.of(state.resolve(active)).diff(runningV1)).as(where).isEmpty();
      }
      BootState after = new DirectorySlotController(state).finalizeAtStartup();
      assertThat(after.status()).as(where).isEqualTo(OtaStatus.SUCCESS);
      assertThat(after.version()).as(where).isEqualTo(V2);
      Files.delete(img);
      return String.format("%-24s cut after %-24s fsck %d -> %s %s %s", point.label(), cut.last(), fsck, status,
          active, f.length > 4 ? CrashAtAnyPointTest.abbreviate(f[4], 50) : "");
    }
  }

  static void copy(Path from, Path to) {
    try {
      Process p = new ProcessBuilder("cp", "--sparse=always", from.toString(), to.toString()).inheritIO().start();
      assertThat(p.waitFor()).isZero();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
