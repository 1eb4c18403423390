package dev.otaclient.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.internal.boot.BootState;
import dev.otaclient.internal.boot.GrubFirmware;
import dev.otaclient.internal.boot.GrubSlotsController;
import dev.otaclient.internal.boot.GrubSlotsRig;
import dev.otaclient.internal.boot.HealthCheck;
import dev.otaclient.internal.boot.Standby;
import dev.otaclient.internal.fs.TempNames;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.TreeSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-place migration of a 2022-layout GRUB device to the per-slot layout ({@link GrubSlotsRig}:
 * /boot, slot A and slot B as ext4 loop devices, Debian's grub-mkconfig and grub-editenv, the firmware
 * modelled by {@link GrubFirmware}) stopped at every step. The migration runs in a child JVM
 * ({@link DeviceCrashProbe} with {@code OTA_PROBE_LAYOUT=slots}, mode {@code start}); a reference run lists
 * its steps (every stand-in command's start and end), and each step is a stop point right at it, with a
 * seeded sample of moments a little later (all of them with {@code -Dreliability.long=true}), as a kill (SIGKILL of the process group) and as a power cut
 * (EXT4_IOC_SHUTDOWN of /boot and the running root without flushing, then SIGKILL and e2fsck).
 *
 * <p>After each stop: GRUB boots slot A through a grub.cfg of one layout or the other (the firmware
 * model runs grub-script-check on it and needs its kernel and initrd); the running slot is unchanged
 * apart from the files the migration rewrites by design, which are whole; every status file holds a
 * status name; the next start (a restart, or the boot after the cut) completes the migration, reports
 * INITIALIZED with the version of the 2022 layout, never UPDATING; and an update to slot B then boots
 * and finalises.
 */
class GrubMigrationCrashTest {
  /** Rewritten in the running slot by the migration, by design (its fstab, default grub, grub.d hooks). */
  static final List<String> REWRITTEN = List.of("/etc/default", "/etc/grub.d", "/etc/fstab", "/lost+found");
  static final Path LOGS = Path.of("target", "reliability", "grub-migration-logs").toAbsolutePath();
  static final String OLD_IMAGE = "/vmlinuz-ota";

  @TempDir static Path shared;
  static SignedImageFixture images;
  static Path installed;
  static TreeSnapshot runningA;
  static List<String> steps;

  record Point(String event, int nth, long delayMicros) {
    String label() {
      return event + " #" + nth + (delayMicros > 0 ? " +" + delayMicros + "us" : "");
    }
  }

  @BeforeAll
  static void setUp() throws Exception {
    assumeTrue(GrubSlotsRig.available(), "needs root, losetup, e2fsprogs, perl, grub-common and grub2-common");
    CrashAtAnyPointTest.deleteTree(LOGS);
    Files.createDirectories(LOGS);
    images = SignedImageFixture.create("migration", shared);
    installed = shared.resolve("installed");
    try (GrubSlotsRig rig = GrubSlotsRig.provisionOldLayout(installed)) {
      Files.writeString(rig.boot().resolve(legacyFolder(rig) + "/version"), "v1");
      runningA = TreeSnapshot.of(rig.root(), REWRITTEN);
    }
    Path reference = shared.resolve("reference");
    GrubSlotsRig.copy(installed, reference);
    try (GrubSlotsRig rig = GrubSlotsRig.bootInto(reference, GrubSlotsRig.A, OLD_IMAGE)) {
      ChildProbe.Run run = child(LOGS.resolve("reference.log"), reference, Map.of());
      assertThat(run.exitCode()).as(run.log().toString()).isZero();
      assertThat(Files.readString(rig.boot().resolve("grub/grub.cfg"))).startsWith("# OTAClient managed configuration file");
      steps = run.events().stream().filter(e -> e.startsWith("CMD")).toList();
      assertThat(steps).as("the migration's steps").contains("CMD chroot", "CMD-DONE grub-editenv");
    }
  }

  static String legacyFolder(GrubSlotsRig rig) {
    return "ota-partition." + Path.of(rig.device(GrubSlotsRig.A)).getFileName();
  }

  static ChildProbe.Run child(Path log, Path work, Map<String, String> stop) {
    Map<String, String> env = new HashMap<>(stop);
    env.put("OTA_PROBE_LAYOUT", "slots");
    return ChildProbe.run(DeviceCrashProbe.class, log, List.of("start", work.toString(), images.cas().toString()),
        e -> false, 0, () -> { }, env, true);
  }

  /**
   * Every step of the reference run right at it; seeded moments a little later, a sample of them
   * ({@link Suite#laterSample}: all with a long run).
   */
  static List<Point> plan(Random r) {
    Map<String, Integer> seen = new LinkedHashMap<>();
    List<Point> p = new ArrayList<>();
    List<Point> later = new ArrayList<>();
    later.add(new Point("STARTING", 1, 1 + r.nextInt(200_000)));
    for (String e : steps) {
      int nth = seen.merge(e, 1, Integer::sum);
      p.add(new Point(e, nth, 0));
      later.add(new Point(e, nth, 1 + r.nextInt(20_000)));
    }
    p.addAll(Suite.laterSample(later, r, "grub-migration"));
    return p;
  }

  @Test
  void killsAtEveryStepOfTheMigrationLeaveABootableDeviceThatMigratesAtTheNextStart() throws Exception {
    suite("kill", false, new Random(Suite.seed() + 17));
  }

  @Test
  void powerCutsAtEveryStepOfTheMigrationLeaveABootableDeviceThatMigratesAtTheNextBoot() throws Exception {
    suite("cut", true, new Random(Suite.seed() + 18));
  }

  private void suite(String kind, boolean cut, Random r) throws Exception {
    List<Point> points = plan(r);
    StringBuilder report = new StringBuilder(String.format("GRUB migration %s suite, seed %d, %d stops%n", kind,
        Suite.seed(), points.size()));
    for (int i = 0; i < points.size(); i++) {
      report.append(trial(kind + "-" + i, points.get(i), cut)).append('\n');
    }
    GrubCrashTest.write("grub-migration-" + kind + "-report.txt", report.toString());
  }

  private String trial(String name, Point point, boolean cut) throws Exception {
    Path work = shared.resolve(name);
    GrubSlotsRig.copy(installed, work);
    Path log = LOGS.resolve(name + ".log");
    GrubSlotsRig rig = GrubSlotsRig.bootInto(work, GrubSlotsRig.A, OLD_IMAGE);
    try {
      ChildProbe.Run stopped = child(log, work, rig.stopAt(point.event(), point.nth(), point.delayMicros(), cut));
      String where = name + " (" + point.label() + ", stopped after " + stopped.last() + ", log " + log + ")";
      assertThat(stopped.exitCode()).as(where).isEqualTo(137);
      int fsck = -1;
      if (cut) {
        rig.powerOff();
        fsck = rig.fsck();
        assertThat(fsck).as(where + ": e2fsck left errors").isLessThanOrEqualTo(1);
        rig = GrubSlotsRig.bootInto(work, GrubSlotsRig.A, OLD_IMAGE); // only to read what reached the disks
      }
      GrubFirmware.Choice next = rig.firmware();
      assertThat(next.slot()).as(where + ": GRUB boots").isEqualTo(GrubSlotsRig.A);
      assertThat(next.oneShot()).as(where).isFalse();
      String layout = next.image().equals(OLD_IMAGE) ? "2022 layout" : "per-slot layout";
      assertThat(next.image()).as(where).isIn(OLD_IMAGE, "/ota-slot_a/vmlinuz-" + GrubSlotsRig.OLD_KERNEL);
      // a cut between creating a temp file and its rename leaves it (never read; swept at the next start)
      int strays = strays(rig.root());
      assertThat(TreeSnapshot.of(rig.root(), REWRITTEN).diff(runningA).lines()
          .filter(l -> !TempNames.isTemp(Path.of(l.substring(2, l.indexOf(':'))).getFileName().toString())))
          .as(where).isEmpty();
      assertWhole(rig, where);
      if (cut) {
        rig.reboot(); // into what GRUB chose, with its BOOT_IMAGE
      }
      GrubSlotsController c = rig.controller(() -> { }, HealthCheck.none());
      BootState s = c.finalizeAtStartup();
      assertThat(s.status()).as(where + ": " + s).isEqualTo(OtaStatus.INITIALIZED);
      assertThat(s.version()).as(where).isEqualTo("v1");
      assertThat(c.bootLayout()).as(where).isEqualTo(GrubSlotsController.BootLayout.CURRENT);
      assertThat(rig.firmware().image()).as(where).isEqualTo("/ota-slot_a/vmlinuz-" + GrubSlotsRig.OLD_KERNEL);
      assertWhole(rig, where);
      assertThat(TreeSnapshot.of(rig.root(), REWRITTEN).diff(runningA)).as(where + ": after the start").isEmpty();
      assertThat(strays(rig.root().resolve("etc"))).as(where + ": temp files swept at the start").isZero();

      Standby sb = c.prepareStandby("v2", false);
      GrubSlotsRig.writeImageRootfs(sb.root(), "v2");
      c.commitSwitch(sb);
      assertThat(rig.reboot().slot()).as(where).isEqualTo(GrubSlotsRig.B);
      BootState fin = rig.controller(() -> { }, HealthCheck.none()).finalizeAtStartup();
      assertThat(fin.status()).as(where + ": " + fin).isEqualTo(OtaStatus.SUCCESS);
      assertThat(rig.firmware().slot()).as(where).isEqualTo(GrubSlotsRig.B);
      return String.format("%-36s stopped after %-26s -> GRUB: A, %s%s%s", point.label(),
          CrashAtAnyPointTest.abbreviate(stopped.last(), 26), layout, fsck >= 0 ? " | fsck " + fsck : "",
          strays > 0 ? " | stray temp files " + strays : "");
    } finally {
      rig.powerOff();
      CrashAtAnyPointTest.deleteTree(work);
    }
  }

  static int strays(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return (int) s.filter(p -> TempNames.isTemp(p.getFileName().toString())).count();
    }
  }

  /** The rewritten files of the running slot are whole; every status file in /boot holds a status name. */
  static void assertWhole(GrubSlotsRig rig, String where) throws IOException {
    assertThat(Files.readString(rig.root().resolve("etc/default/grub"))).as(where).contains("GRUB_DEFAULT=");
    assertThat(Files.readString(rig.root().resolve("etc/fstab"))).as(where).contains("\t/\t");
    try (Stream<Path> s = Files.walk(rig.boot())) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (p.getFileName().toString().equals("status")) {
          assertThat(EnumSet.allOf(OtaStatus.class).stream().map(Enum::name)).as(where + ": " + p)
              .contains(Files.readString(p, StandardCharsets.UTF_8));
        }
      }
    }
  }
}
