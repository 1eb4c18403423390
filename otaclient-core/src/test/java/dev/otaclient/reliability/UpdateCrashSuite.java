package dev.otaclient.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.internal.boot.BootController;
import dev.otaclient.internal.boot.BootState;
import dev.otaclient.internal.boot.Rebooter;
import dev.otaclient.internal.boot.RpiTrybootRig;
import dev.otaclient.internal.boot.Standby;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.TreeSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash and power-cut suites of an update on one boot back-end's loop-device rig, shared by the
 * back-ends (GRUB per-slot, Raspberry Pi tryboot, Jetson UEFI): a device already under OTA control runs
 * slot A; the update to v2 (prepareStandby, writing the standby, commitSwitch, the reboot request) runs in
 * a child JVM ({@link DeviceCrashProbe}), and so does the finalisation on slot B after the reboot. A
 * reference run of each lists its steps: every stand-in command's start and end ({@code CMD},
 * {@code CMD-DONE}: mount, umount, mkfs, the boot loader's tools, the health check), every write,
 * rename into place or delete of a file on the boot partition, the running slot and the status files
 * ({@code WRITE}, {@code DELETE}, see {@link FileEvents}), the standby being complete
 * ({@code BEFORE_SWITCH}) and the reboot request. Each step is a stop point right at it (the state
 * before the step); the moments a little later (a seeded delay, landing inside the step or the work
 * after it) are sampled with the seed, a fixed number per suite ({@code -Dreliability.<name>.later=N}),
 * or all of them with {@code -Dreliability.long=true}, to keep each suite within minutes on a two-core
 * machine.
 *
 * <p>Kill: the process group is SIGKILLed and the client restarts without a reboot. Power cut: the
 * group is frozen, the ext4 file systems shut down without flushing, a FAT partition's image copied as
 * its loop device has written it so far ({@link dev.otaclient.internal.boot.ProbeStandIns}), then
 * SIGKILL, power off, e2fsck, and the next boot where the firmware model decides.
 *
 * <p>After each stop: the firmware model boots a slot that runs (throws otherwise); the slot that ran is
 * byte-identical except {@link #rewritten()} (listed and justified by each back-end); every status file
 * holds a status name; the next start never reports UPDATING or ROLLBACKING, and afterwards the firmware
 * boots the slot that runs, nothing armed; a following update (to v3, from whichever slot runs) boots
 * and finalises to SUCCESS. Reports in {@code target/reliability/<name>-{kill,cut}-report.txt}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class UpdateCrashSuite {
  static final String A = "A";
  static final String B = "B";
  static final String V2 = "2.0";

  /** One booted device of the back-end, slots called A (the one provisioned) and B. */
  interface Device extends AutoCloseable {
    String running();

    Map<String, String> stopAt(String event, int nth, long delayMicros, boolean cut);

    /** What the firmware would start now, consuming nothing; throws when nothing would boot. */
    String nextBoot() throws IOException;

    /** A reboot (with the firmware parameter the client asked for, or null); returns the slot that runs. */
    String reboot(String parameter) throws IOException;

    Path root();

    /** The text of every status file of the device (slot → text, null where there is none). */
    Map<String, String> statuses() throws IOException;

    BootController controller(Rebooter rebooter);

    void writeImage(Standby sb, String version) throws IOException;

    void powerOff();

    int fsck();

    @Override
    default void close() {
      powerOff();
    }
  }

  record Point(boolean atStartup, String event, int nth, long delayMicros) {
    String label() {
      return (atStartup ? "start: " : "update: ") + event + " #" + nth + (delayMicros > 0 ? " +" + delayMicros + "us" : "");
    }
  }

  @TempDir static Path shared;
  SignedImageFixture images;
  Path image;
  Path installed;
  Path switched;
  TreeSnapshot runningA;
  TreeSnapshot bootedB;
  List<String> updateSteps;
  List<String> startSteps;
  Path logs;

  // ---------------------------------------------------------------- the back-end

  /** The suite's name: reports, logs. */
  abstract String name();

  /** {@code OTA_PROBE_LAYOUT} of the back-end. */
  abstract String layout();

  /** The rig directories whose writes are steps ({@code OTA_PROBE_WATCH}). */
  abstract List<String> watched();

  /** Why the suite cannot run here, or null. */
  abstract String unavailable();

  /** A device in {@code work}, under OTA control (first start done) on slot A, booted. */
  abstract Device provision(Path work) throws IOException;

  abstract void copy(Path from, Path to) throws IOException;

  /** Boots the powered-off device into {@code slot} (the test's choice, not the firmware's). */
  abstract Device boot(Path work, String slot) throws IOException;

  /** The v2 image's own files (kernel, boot loader files, release) into its rootfs. */
  abstract void writeImageRootfs(Path rootfs) throws IOException;

  /** What the update or the finalisation rewrites in the running slot by design (TreeSnapshot exclusions). */
  abstract List<String> rewritten();

  /**
   * What else must hold once the client started on {@code running} ({@code A}/{@code B}), after each
   * stop's next start and after the following update's finalisation ({@code version}: the running slot's).
   */
  void checkStarted(Device d, String running, String version, String where) throws IOException {
  }

  // ---------------------------------------------------------------- set-up: device, image, reference runs

  @BeforeAll
  void setUp() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(unavailable() == null, unavailable());
    logs = Path.of("target", "reliability", name() + "-logs").toAbsolutePath();
    CrashAtAnyPointTest.deleteTree(logs);
    Files.createDirectories(logs);
    images = SignedImageFixture.create(name(), shared);
    Path rootfs = Files.createDirectories(images.rootfs("v2"));
    writeImageRootfs(rootfs);
    image = images.build("v2");

    installed = shared.resolve("installed");
    try (Device d = provision(installed)) {
      runningA = TreeSnapshot.of(d.root(), rewritten());
    }
    Path reference = shared.resolve("reference");
    copy(installed, reference);
    String param;
    try (Device d = boot(reference, A)) {
      ChildProbe.Run run = child(logs.resolve("reference-update.log"), reference, updateArgs(reference), Map.of());
      String req = run.first("REBOOT_REQUESTED");
      assertThat(req).as(run.log() + ": " + run.events()).isNotNull();
      updateSteps = steps(run.events());
      param = req.length() > "REBOOT_REQUESTED".length() ? req.substring("REBOOT_REQUESTED ".length()) : null;
      assertThat(d.reboot(param)).as("the reference update boots slot B").isEqualTo(B);
      bootedB = TreeSnapshot.of(d.root(), rewritten());
    }
    switched = shared.resolve("switched");
    copy(reference, switched);
    try (Device d = boot(reference, B)) {
      ChildProbe.Run run = child(logs.resolve("reference-start.log"), reference, startArgs(reference), Map.of());
      assertThat(run.first("FINALIZED")).as(run.log().toString()).startsWith("FINALIZED SUCCESS");
      startSteps = steps(run.events());
    }
  }

  private static List<String> steps(List<String> events) {
    return events.stream().filter(e -> e.startsWith("CMD") || e.startsWith("WRITE ") || e.startsWith("DELETE ")
        || e.equals("BEFORE_SWITCH") || e.startsWith("REBOOT_REQUESTED")).toList();
  }

  List<String> updateArgs(Path work) {
    return List.of("update", work.toString(), images.cas().toString(), V2, image.toString());
  }

  List<String> startArgs(Path work) {
    return List.of("start", work.toString(), images.cas().toString());
  }

  ChildProbe.Run child(Path log, Path work, List<String> args, Map<String, String> stop) {
    Map<String, String> env = new HashMap<>(stop);
    env.put("OTA_PROBE_LAYOUT", layout());
    env.put("OTA_PROBE_WATCH", String.join(" ", watched()));
    // the stand-ins first on the child's own PATH too (its sync), in the reference runs as in the trials
    env.put("PATH", work.resolve("fake") + ":" + System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
    return ChildProbe.run(DeviceCrashProbe.class, log, args, e -> false, 0, () -> { }, env, true);
  }

  // ---------------------------------------------------------------- the plan

  /** Every step right at it; seeded moments later, {@code later} of them (all with a long run). */
  List<Point> plan(Random r) {
    List<Point> at = new ArrayList<>();
    addSteps(at, false, updateSteps);
    addSteps(at, true, startSteps);
    List<Point> later = new ArrayList<>();
    for (Point p : at) {
      later.add(new Point(p.atStartup(), p.event(), p.nth(), 1 + r.nextInt(20_000)));
    }
    later.add(new Point(false, "STARTING", 1, 1 + r.nextInt(200_000)));
    later.add(new Point(true, "STARTING", 1, 1 + r.nextInt(200_000)));
    List<Point> out = new ArrayList<>(at);
    out.addAll(Suite.laterSample(later, r, name()));
    return out;
  }

  private static void addSteps(List<Point> out, boolean atStartup, List<String> steps) {
    Map<String, Integer> seen = new LinkedHashMap<>();
    for (String e : steps) {
      out.add(new Point(atStartup, e, seen.merge(e, 1, Integer::sum), 0));
    }
  }

  // ---------------------------------------------------------------- the suite

  void suite(String kind, boolean cut, long seedOffset) throws Exception {
    long t0 = System.nanoTime();
    List<Point> points = plan(new Random(Suite.seed() + seedOffset));
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < points.size(); i++) {
      rows.append(trial(kind + "-" + i, points.get(i), cut)).append('\n');
    }
    long at = points.stream().filter(p -> p.delayMicros() == 0).count();
    String head = String.format("%s %s suite, seed %d, %d stops (%d steps right at them, %d seeded moments later), %d s%n",
        name(), kind, Suite.seed(), points.size(), at, points.size() - at, (System.nanoTime() - t0) / 1_000_000_000L);
    GrubCrashTest.write(name() + "-" + kind + "-report.txt", head + rows);
  }

  private String trial(String name, Point p, boolean cut) throws Exception {
    Path work = shared.resolve(name);
    copy(p.atStartup() ? switched : installed, work);
    Path log = logs.resolve(name + ".log");
    String startSlot = p.atStartup() ? B : A;
    Device d = boot(work, startSlot);
    try {
      List<String> args = p.atStartup() ? startArgs(work) : updateArgs(work);
      ChildProbe.Run stopped = child(log, work, args, d.stopAt(p.event(), p.nth(), p.delayMicros(), cut));
      String where = name + " (" + p.label() + ", stopped after " + stopped.last() + ", log " + log + ")";
      assertThat(stopped.exitCode()).as(where + ": the probe was to be stopped").isEqualTo(137);
      int fsck = -1;
      if (cut) {
        d.powerOff();
        fsck = d.fsck();
        assertThat(fsck).as(where + ": fsck left errors").isLessThanOrEqualTo(1);
        d = boot(work, startSlot); // only to read what reached the disks
      }
      // 1. the slot that ran: untouched but for what the design rewrites; status files whole; bootable
      TreeSnapshot expected = startSlot.equals(A) ? runningA : bootedB;
      assertThat(TreeSnapshot.of(d.root(), rewritten()).diff(expected)).as(where + ": the running slot").isEmpty();
      Map<String, String> statuses = d.statuses();
      Set<String> names = EnumSet.allOf(OtaStatus.class).stream().map(Enum::name).collect(Collectors.toSet());
      statuses.forEach((slot, text) -> assertThat(text == null || names.contains(text))
          .as(where + ": status file of " + slot + " holds '" + text + "'").isTrue());
      String next = d.nextBoot();
      String running = startSlot;
      if (cut) {
        running = d.reboot(null); // the power comes back: a plain boot, the firmware decides
      }
      // 2. the next start
      List<String> requests = new ArrayList<>();
      BootController c = d.controller(RpiTrybootRig.recording(requests));
      BootState s = c.finalizeAtStartup();
      String fin = s.status() + " on " + running + (s.failureReason().isEmpty() ? "" : " " + s.failureReason());
      assertThat(s.status()).as(where + ": " + fin).isNotIn(OtaStatus.UPDATING, OtaStatus.ROLLBACKING);
      if (running.equals(B)) {
        assertThat(s.status()).as(where + ": " + fin).isEqualTo(OtaStatus.SUCCESS);
        assertThat(s.version()).as(where).isEqualTo(V2);
      } else if (s.status() == OtaStatus.FAILURE) {
        assertThat(s.failureReason()).as(where).matches("E[12]-\\d{4}-\\d{3}: .+");
      } else {
        assertThat(s.status()).as(where + ": " + fin).isEqualTo(OtaStatus.INITIALIZED);
        assertThat(p.atStartup()).as(where).isFalse();
      }
      assertThat(d.nextBoot()).as(where + ": after the start the firmware boots the running slot").isEqualTo(running);
      checkStarted(d, running, running.equals(B) ? V2 : null, where);
      // 3. a following update, from whichever slot runs
      String other = running.equals(A) ? B : A;
      Standby sb = c.prepareStandby("v3", false);
      d.writeImage(sb, "v3");
      c.commitSwitch(sb);
      c.reboot();
      assertThat(requests).as(where).hasSize(1);
      String param = requests.get(0).equals("plain") ? null : requests.get(0);
      assertThat(d.reboot(param)).as(where + ": the following update boots").isEqualTo(other);
      BootState after = d.controller(RpiTrybootRig.recording(new ArrayList<>())).finalizeAtStartup();
      assertThat(after.status()).as(where + ": " + after).isEqualTo(OtaStatus.SUCCESS);
      assertThat(after.version()).as(where).isEqualTo("v3");
      assertThat(d.nextBoot()).as(where).isEqualTo(other);
      checkStarted(d, other, "v3", where + ", after the following update");
      return String.format("%-58s stopped after %-34s -> boots %s, %s%s", p.label(),
          CrashAtAnyPointTest.abbreviate(stopped.last(), 34), next, CrashAtAnyPointTest.abbreviate(fin, 70),
          fsck >= 0 ? " | fsck " + fsck : "");
    } finally {
      d.powerOff();
      CrashAtAnyPointTest.deleteTree(work);
    }
  }
}
