package dev.otaclient.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.internal.boot.BootState;
import dev.otaclient.internal.boot.GrubController;
import dev.otaclient.internal.boot.GrubLoopRig;
import dev.otaclient.internal.boot.HealthCheck;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.TreeSnapshot;
import dev.otaclient.internal.update.UpdateEngine;
import dev.otaclient.internal.update.UpdateRequest;
import dev.otaclient.internal.update.UpdateSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Suites 1 and 2 on the GRUB loop-device device ({@link GrubLoopRig}: slot A, slot B and /boot as
 * ext4 loop devices, the firmware modelled from what is on the boot partition). The update (slot A
 * running, v2 into slot B) runs in a child JVM ({@link DeviceCrashProbe}) and is stopped at seeded
 * points: the preparation of the standby (status files, mounts), the engine's phases, the boot switch
 * (fstab merge, both {@code grub-mkconfig} runs and the grub.cfg rewrite, {@code grub-reboot}, the
 * reboot request) and, after the reboot into slot B, its finalisation (the {@code ota-partition}
 * switch, the regeneration of grub.cfg, the status files).
 *
 * <p>Crash (SIGKILL, then the client restarts without a reboot), after each kill:
 * <ul>
 *   <li>the running slot is byte-identical, except {@code /etc/default/grub}, which the controller
 *       rewrites by design and which must still be whole;</li>
 *   <li>every status file holds one status name, no temp file is left in /boot;</li>
 *   <li>GRUB would boot a valid slot (grub.cfg readable, kernel and initrd present, root a slot): the
 *       running one, unless {@code grub-reboot} had been reached (then the new one);</li>
 *   <li>the restart finalises to FAILURE with a coded reason (INITIALIZED only when the kill came before
 *       the standby was mounted), never UPDATING; after a kill in the finalisation of slot B, SUCCESS;</li>
 *   <li>a re-sent update completes, the reboot starts slot B, which finalises to SUCCESS holding the image.</li>
 * </ul>
 * Power cut (every file system of the device shut down without flushing, then SIGKILL, e2fsck, and a
 * reboot as the firmware decides): the same checks on what reached the disks, and the effective
 * grub.cfg is byte-for-byte one of the complete versions (after init, after the commit, after the
 * finalisation), never a torn one.
 */
class GrubCrashTest {
  static final String V2 = "2.0";
  /** Rewritten by the controller by design (/etc/default/grub, and the temp files of its atomic rewrite). */
  static final List<String> REWRITTEN = List.of("/etc/default", "/lost+found");
  /**
   * A slot built by another run of the same update: its placement manifest records that build's
   * inode numbers and ctimes, so it is the one file that cannot equal the reference's.
   */
  static final List<String> REWRITTEN_PER_BUILD = List.of("/etc/default", "/lost+found",
      "/opt/ota/image-meta/slot-manifest");
  static final Path LOGS = Path.of("target", "reliability", "grub-logs").toAbsolutePath();

  @TempDir static Path shared;
  static SignedImageFixture images;
  static Path image;
  static Path installed;
  static Path reference;
  static TreeSnapshot runningA;
  static TreeSnapshot bootedB;
  static TreeSnapshot bulkV2;
  static List<String> grubCfgs;

  /** Stop at the {@code nth} event {@code event}, {@code delayMicros} later ({@code PROGRESS}, n: n files placed). */
  record Point(String label, boolean atStartup, String event, int nth, long delayMicros) {}

  @BeforeAll
  static void setUp() throws Exception {
    assumeTrue(GrubLoopRig.available(), "needs root, loop devices, e2fsprogs and perl");
    CrashAtAnyPointTest.deleteTree(LOGS);
    Files.createDirectories(LOGS);
    images = SignedImageFixture.create("reliability", shared);
    Path rootfs = images.rootfs("g2");
    GrubLoopRig.writeImageRootfs(rootfs, "v2");
    SignedImageFixture.addBulk(rootfs, "/usr/share/bulk", Suite.longRun() ? 400 : 60, Suite.seed(), 512, 16 * 1024);
    image = images.build("g2");
    bulkV2 = TreeSnapshot.of(rootfs.resolve("usr/share/bulk"));
    grubCfgs = List.of(GrubLoopRig.expectedGrubCfg("after-init"), GrubLoopRig.expectedGrubCfg("after-commit"),
        GrubLoopRig.expectedGrubCfg("after-finalise"));

    installed = shared.resolve("installed");
    try (GrubLoopRig rig = GrubLoopRig.provision(installed)) {
      assertThat(rig.firmware().slot()).isEqualTo(GrubLoopRig.A);
      runningA = TreeSnapshot.of(rig.root(), REWRITTEN);
    }
    // the reference: a complete update, then the reboot into slot B, not yet finalised
    reference = shared.resolve("reference");
    GrubLoopRig.copy(installed, reference);
    try (GrubLoopRig rig = GrubLoopRig.bootInto(reference, GrubLoopRig.A)) {
      ChildProbe.Run full = child(LOGS.resolve("reference.log"), updateArgs(reference), java.util.Map.of());
      assertThat(full.events()).as(full.log().toString()).contains("REBOOT_REQUESTED");
      assertThat(rig.firmware().grubCfg()).isEqualTo(GrubLoopRig.expectedGrubCfg("after-commit"));
      GrubLoopRig.BootChoice c = rig.reboot();
      assertThat(c.slot()).isEqualTo(GrubLoopRig.B);
      assertThat(c.oneShot()).isTrue();
      assertThat(c.kernel()).isEqualTo("vmlinuz-" + GrubLoopRig.NEW_KERNEL);
      bootedB = TreeSnapshot.of(rig.root(), REWRITTEN_PER_BUILD);
    }
  }

  static List<String> updateArgs(Path work) {
    return List.of("update", work.toString(), images.cas().toString(), V2, image.toString());
  }

  /** The probe stops itself (see {@link DeviceCrashProbe}): no kill from here, whose timing a loaded machine would skew. */
  static ChildProbe.Run child(Path log, List<String> args, java.util.Map<String, String> stop) {
    return ChildProbe.run(DeviceCrashProbe.class, log, args, e -> false, 0, () -> { }, stop, true);
  }

  /**
   * The points, seeded: each names the event after which the process is stopped and a random delay
   * (so the stop lands inside the step that follows); the regular-file phase by files placed.
   */
  static List<Point> plan(Random r, int count, boolean powerCut) {
    List<Point> p = new ArrayList<>();
    // the standby holds a clean ext4 file system, so it is reused in place (dumpe2fs says clean), not
    // formatted: prepareStandby is the status files, then mounting the standby and the read-only bind
    p.add(point("mounting the standby", false, "CMD mount", 1, r.nextInt(20_000)));
    p.add(point("bind-mounting the running root", false, "CMD-DONE mount", 1, r.nextInt(20_000)));
    if (!powerCut) {
      p.add(point("phase DIRECTORY", false, "PHASE DIRECTORY", 1, r.nextInt(500)));
    }
    p.add(point("standby complete, fstab merge", false, "BEFORE_SWITCH", 1, r.nextInt(5_000)));
    if (!powerCut) {
      p.add(point("first grub-mkconfig of the commit", false, "CMD grub-mkconfig", 1, r.nextInt(20_000)));
    }
    p.add(point("grub.cfg rewrite of the commit", false, "CMD-DONE grub-mkconfig", 2, r.nextInt(3_000)));
    p.add(point("grub-reboot", false, "CMD grub-reboot", 1, r.nextInt(5_000)));
    p.add(point("after grub-reboot", false, "CMD-DONE grub-reboot", 1, r.nextInt(3_000)));
    p.add(point("reboot request", false, "REBOOT_REQUESTED", 1, 0));
    p.add(point("boot switch (start-up)", true, "STARTING", 1, r.nextInt(3_000)));
    p.add(point("finalisation: health check", true, "CMD ota-health", 1, r.nextInt(100_000)));
    p.add(point("finalisation: regenerating grub.cfg", true, "CMD grub-mkconfig", 1, r.nextInt(20_000)));
    p.add(point("finalisation: grub.cfg write, ota-partition switch", true, "CMD-DONE grub-mkconfig", 2, r.nextInt(3_000)));
    if (!powerCut) {
      p.add(point("phase REGULAR", false, "PHASE REGULAR", 1, r.nextInt(500)));
      p.add(point("finalisation: first grub-mkconfig done", true, "CMD-DONE grub-mkconfig", 1, r.nextInt(3_000)));
    }
    while (p.size() < count) {
      long n = 1 + r.nextInt(55);
      p.add(point("files placed >= " + n, false, "PROGRESS", (int) n, 0));
    }
    return p;
  }

  private static Point point(String label, boolean atStartup, String event, int nth, long delay) {
    return new Point(label + (delay > 0 ? " +" + delay + "us" : ""), atStartup, event, nth, delay);
  }

  @Test
  void killsDuringTheGrubSwitchAndFinalisationLeaveABootableDeviceAndResume() throws Exception {
    int count = Integer.getInteger("reliability.grub.kills", Suite.longRun() ? 60 : 16);
    List<Point> points = plan(new Random(Suite.seed() + 2), count, false);
    StringBuilder report = new StringBuilder(String.format("GRUB crash suite, seed %d, %d kills%n", Suite.seed(),
        points.size()));
    for (int i = 0; i < points.size(); i++) {
      report.append(trial("kill-" + i, points.get(i), false)).append('\n');
    }
    write("grub-crash-report.txt", report.toString());
  }

  @Test
  void powerCutsDuringTheGrubSwitchAndFinalisationNeverTearGrubCfgOrStatusFiles() throws Exception {
    int count = Integer.getInteger("reliability.grub.cuts", Suite.longRun() ? 30 : 11);
    List<Point> points = plan(new Random(Suite.seed() + 3), count, true);
    StringBuilder report = new StringBuilder(String.format("GRUB power-cut suite, seed %d, %d cuts%n", Suite.seed(),
        points.size()));
    for (int i = 0; i < points.size(); i++) {
      report.append(trial("cut-" + i, points.get(i), true)).append('\n');
    }
    write("grub-power-cut-report.txt", report.toString());
  }

  String trial(String name, Point point, boolean powerCut) throws Exception {
    Path work = shared.resolve(name);
    GrubLoopRig.copy(point.atStartup() ? reference : installed, work);
    Path log = LOGS.resolve(name + ".log");
    String startSlot = point.atStartup() ? GrubLoopRig.B : GrubLoopRig.A;
    GrubLoopRig rig = GrubLoopRig.bootInto(work, startSlot);
    List<GrubLoopRig> rigs = new ArrayList<>(List.of(rig));
    try {
      List<String> args = point.atStartup() ? List.of("start", work.toString(), images.cas().toString()) : updateArgs(work);
      ChildProbe.Run stopped = child(log, args, rig.stopAt(point.event(), point.nth(), point.delayMicros(), powerCut));
      assertThat(stopped.exitCode()).as(name + ": the probe was to be stopped at " + point + "; log " + log)
          .isEqualTo(137);
      String where = name + " (" + point.label() + ", stopped after " + stopped.last() + ", log " + log + ")";
      boolean armed = stopped.events().contains("CMD grub-reboot");
      boolean prepared = stopped.events().contains("CMD mount");
      int fsck = -1;
      GrubLoopRig.BootChoice boot;
      GrubLoopRig now = rig;
      if (powerCut) {
        rig.powerOff();
        fsck = rig.fsck();
        assertThat(fsck).as(where + ": e2fsck left errors").isLessThanOrEqualTo(1);
        now = GrubLoopRig.bootInto(work, GrubLoopRig.A);
        rigs.add(now);
        boot = now.reboot(); // whatever GRUB makes of what reached the boot partition
        assertThat(grubCfgs).as(where + ": grub.cfg is one of the complete versions").contains(boot.grubCfg());
      } else if (stopped.events().contains("REBOOT_REQUESTED")) {
        boot = rig.reboot();
      } else {
        boot = rig.firmware(); // the process restarts; GRUB must still be able to boot the device
      }
      String choice = boot.slot() + (boot.oneShot() ? " (one-shot)" : "");
      if (!point.atStartup() && !armed) {
        assertThat(boot.slot()).as(where + ": GRUB would boot").isEqualTo(GrubLoopRig.A);
      }
      return finish(now, point, stopped, where, prepared, powerCut) + " | GRUB: " + choice
          + (fsck >= 0 ? " | fsck " + fsck : "");
    } finally {
      rigs.forEach(GrubLoopRig::powerOff);
      CrashAtAnyPointTest.deleteTree(work);
    }
  }

  /** The checks after the stop, the restart, the re-sent update and the boot of the new slot. */
  private String finish(GrubLoopRig rig, Point point, ChildProbe.Run stopped, String where, boolean prepared,
      boolean powerCut) throws Exception {
    try {
      String running = rig.running();
      // 1. the running slot untouched, status files and /etc/default/grub whole
      boolean onA = running.equals(GrubLoopRig.A);
      TreeSnapshot expectedRunning = onA ? runningA : bootedB;
      if (!(powerCut && running.equals(GrubLoopRig.B) && !point.atStartup())) {
        assertThat(TreeSnapshot.of(rig.root(), onA ? REWRITTEN : REWRITTEN_PER_BUILD).diff(expectedRunning))
            .as(where).isEmpty();
      }
      assertThat(Files.readString(rig.root().resolve("etc/default/grub"))).as(where)
          .contains("GRUB_DEFAULT=").endsWith("\n");
      int strays = assertStatusFilesWhole(rig, where);

      // 2. the restart's finalisation
      List<String> reboots = new ArrayList<>();
      GrubController c = rig.controller(() -> reboots.add("reboot"), HealthCheck.none());
      UpdateEngine client = new UpdateEngine("main", c, UpdateSettings.defaults(images.caStore()).withThreads(4, 4));
      EcuStatus s = client.start();
      String fin = s.status() + " " + running + " " + s.version() + (s.failureReason().isEmpty() ? "" : " " + s.failureReason());
      assertThat(s.status()).as(where + ": " + fin).isNotIn(OtaStatus.UPDATING, OtaStatus.ROLLBACKING);
      if (running.equals(GrubLoopRig.B)) {
        assertThat(s.status()).as(where + ": " + fin).isEqualTo(OtaStatus.SUCCESS);
        assertThat(s.version()).as(where).isEqualTo(V2);
      } else if (s.status() == OtaStatus.INITIALIZED) {
        assertThat(prepared).as(where + ": INITIALIZED although the standby was being mounted").isFalse();
        assertThat(point.atStartup()).as(where).isFalse();
      } else {
        assertThat(s.status()).as(where + ": " + fin).isEqualTo(OtaStatus.FAILURE);
        assertThat(s.failureReason()).as(where).matches("E[12]-\\d{4}-\\d{3}: .+");
      }
      GrubLoopRig.BootChoice afterStart = rig.firmware();
      assertThat(afterStart.slot()).as(where + ": after the restart GRUB boots the running slot").isEqualTo(running);
      assertThat(afterStart.oneShot()).as(where + ": one-shot left armed after the restart").isFalse();

      // 3. re-send the update when slot A still runs; then reboot into B and finalise
      if (running.equals(GrubLoopRig.A)) {
        EcuStatus end = client.update(UpdateRequest.of(V2, image.toString(), "{}"));
        assertThat(reboots).as(where + ": re-sent update " + end).containsExactly("reboot");
        assertThat(TreeSnapshot.of(rig.root(), REWRITTEN).diff(runningA)).as(where).isEmpty();
      }
      GrubLoopRig.BootChoice b = rig.reboot();
      assertThat(b.slot()).as(where).isEqualTo(GrubLoopRig.B);
      BootState after = rig.controller(() -> { }, HealthCheck.none()).finalizeAtStartup();
      assertThat(after.status()).as(where + ": " + after).isEqualTo(OtaStatus.SUCCESS);
      assertThat(after.version()).as(where).isEqualTo(V2);
      // no half-written file accepted as complete: the new slot holds exactly the image
      assertThat(TreeSnapshot.of(rig.root().resolve("usr/share/bulk")).diff(bulkV2)).as(where).isEmpty();
      assertThat(Files.readString(rig.root().resolve("etc/os-release"))).as(where).isEqualTo("VERSION=v2\n");
      GrubLoopRig.BootChoice fin2 = rig.firmware();
      assertThat(fin2.slot()).as(where).isEqualTo(GrubLoopRig.B);
      assertThat(fin2.oneShot()).as(where).isFalse();
      assertThat(fin2.grubCfg()).as(where).isEqualTo(GrubLoopRig.expectedGrubCfg("after-finalise"));
      return String.format("%-52s stopped after %-26s -> %s%s", point.label(),
          CrashAtAnyPointTest.abbreviate(stopped.last(), 26), CrashAtAnyPointTest.abbreviate(fin, 90),
          strays > 0 ? " | stray temp files " + strays : "");
    } finally {
      rig.powerOff();
    }
  }

  /**
   * Every status file in /boot holds one status name. Returns the number of temp files of atomic
   * writes left behind: a stop between creating one and renaming it leaves it (no process is left to
   * delete it); such files are never read, so they are counted for the report, not failed.
   */
  static int assertStatusFilesWhole(GrubLoopRig rig, String where) throws IOException {
    int strays = 0;
    try (Stream<Path> s = Files.walk(rig.boot())) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String n = p.getFileName().toString();
        if (n.startsWith(".") && n.contains(".tmp")) {
          strays++;
        }
        if (n.equals("status") && p.getParent().getFileName().toString().startsWith("ota-partition.")) {
          assertThat(EnumSet.allOf(OtaStatus.class).stream().map(Enum::name)).as(where + ": " + p)
              .contains(Files.readString(p, StandardCharsets.UTF_8));
        }
      }
    }
    return strays;
  }

  static void write(String file, String report) throws IOException {
    System.out.println(report);
    Path out = Path.of("target", "reliability");
    Files.createDirectories(out);
    Files.writeString(out.resolve(file), report, StandardCharsets.UTF_8);
  }
}
