package dev.otaclient.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.internal.boot.BootState;
import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.internal.fs.TempNames;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.Nginx;
import dev.otaclient.testing.TreeSnapshot;
import dev.otaclient.internal.update.UpdateEngine;
import dev.otaclient.internal.update.UpdateRequest;
import dev.otaclient.internal.update.UpdateSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Suite 1, crash at any point: an update of a directory-slot device (v1 running, v2 with a few
 * hundred new files served by nginx) runs in a child JVM that is SIGKILLed at 30 seeded points spread
 * over every phase, the arming of the switch, the reboot request, the boot switch at the next start and
 * the finalisation of the switched boot. After each kill:
 * <ul>
 *   <li>the slot that was running is byte-identical to before (content, modes, owners, links);</li>
 *   <li>every status file holds a whole, valid value (atomic writes);</li>
 *   <li>the restarted client's finalisation never reports UPDATING: FAILURE with a reason, or SUCCESS
 *       of the new version when the kill came after the reboot request, or the old SUCCESS when the
 *       kill came before the update had changed anything;</li>
 *   <li>re-sending the same update completes, the result is exactly the image, and no content that
 *       was already placed in the standby is downloaded again (the bytes saved are reported).</li>
 * </ul>
 * Seed: {@code -Dreliability.seed}; more points and a larger image with {@code -Dreliability.long=true}.
 */
class CrashAtAnyPointTest {
  static final String V1 = "1.0";
  static final String V2 = "2.0";
  static final Set<OtaStatus> NEVER_AFTER_START = EnumSet.of(OtaStatus.UPDATING, OtaStatus.ROLLBACKING);

  /** Child logs stay after the run, for whoever has to understand a failure. */
  static final Path LOGS = Path.of("target", "reliability", "crash-logs").toAbsolutePath();

  @TempDir static Path shared;
  static SignedImageFixture images;
  static Nginx nginx;
  static NginxLog log;
  /** A device with v1 installed and running (slot_b), slot_a empty. */
  static Path installed;
  static TreeSnapshot runningV1;
  static TreeSnapshot imageV2;

  /** Where to kill: in the update run, or in the start-up after a completed update. */
  record KillPoint(String label, boolean atStartup, Predicate<String> event, long delayMicros) {}

  /** What one trial saw, for the report. */
  record Trial(String label, String landedAfter, String finalized, long resendBytes, long fullBytes) {}

  @BeforeAll
  static void setUp() {
    assumeTrue(Nginx.available(), "nginx not installed");
    assumeTrue("root".equals(System.getProperty("user.name")), "the sample rootfs needs root (chown)");
    images = SignedImageFixture.create("reliability", shared);
    try {
      deleteTree(LOGS); // logs of an earlier run would be mixed into this run's
      Files.createDirectories(LOGS);
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
    images.sampleV1("v1");
    images.v2WithBulk("v1", "v2", Suite.longRun() ? 1500 : 80, Suite.seed());
    nginx = Nginx.serve(images.www());
    log = new NginxLog(nginx);
    imageV2 = TreeSnapshot.of(images.rootfs("v2"));

    installed = shared.resolve("installed");
    UpdateEngine c = new UpdateEngine("main", new DirectorySlotController(installed), UpdateSettings.defaults(images.caStore()));
    c.start();
    EcuStatus s = c.update(UpdateRequest.of(V1, nginx.imageUrl("v1"), "{}"));
    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(((DirectorySlotController) c.bootController()).activeSlotId()).isEqualTo(DirectorySlotController.SLOT_B);
    runningV1 = TreeSnapshot.of(installed.resolve(DirectorySlotController.SLOT_B));
  }

  @AfterAll
  static void tearDown() {
    if (nginx != null) {
      nginx.close();
    }
  }

  @Test
  void killsAtSeededPointsOfEveryPhaseLoseNothingAndResumeDownloadsOnlyWhatIsMissing() throws Exception {
    // Calibration: one undisturbed run gives the phases, the file count and the bytes of a full update,
    // and its end state (switch armed, reboot requested) is where the start-up kills begin.
    Path reference = copyOf(installed, "reference");
    int m0 = log.mark();
    ChildProbe.Run full = ChildProbe.run(LOGS.resolve("reference.log"), updateArgs(reference));
    int m1 = log.mark();
    assertThat(full.events()).as(full.log().toString()).contains("REBOOT_REQUESTED");
    long fullBytes = NginxLog.blobBytes(log.between(m0, m1));
    long totalFiles = full.events().stream().filter(e -> e.startsWith("PROGRESS ")).mapToLong(e -> number(e, 2))
        .max().orElseThrow();
    assertThat(fullBytes).isPositive();

    List<KillPoint> points = plan(new Random(Suite.seed()), totalFiles, Integer.getInteger("reliability.crash.kills", Suite.longRun() ? 200 : 30));
    List<Trial> trials = new ArrayList<>();
    for (int i = 0; i < points.size(); i++) {
      trials.add(trial(i, points.get(i), reference, fullBytes));
    }

    StringBuilder report = new StringBuilder(String.format("crash suite, seed %d, %d kills, full update %d bytes of blobs%n",
        Suite.seed(), trials.size(), fullBytes));
    long saved = 0;
    for (Trial t : trials) {
      saved += Math.max(0, t.fullBytes - t.resendBytes);
      report.append(String.format("%-28s landed after %-28s -> %-60s resend %8d bytes%n", t.label,
          t.landedAfter, abbreviate(t.finalized, 60), t.resendBytes));
    }
    report.append(String.format("bytes saved by resuming instead of starting over: %d of %d%n",
        saved, fullBytes * trials.size()));
    System.out.println(report);
    Path out = Path.of("target", "reliability");
    Files.createDirectories(out);
    Files.writeString(out.resolve("crash-report.txt"), report, StandardCharsets.UTF_8);
    assertThat(trials).hasSize(points.size());
  }

  /**
   * The kill points, seeded: every phase change, the switch and the reboot request in the update run,
   * the boot switch and the finalisation in the next start-up, and the rest spread over the
   * regular-file phase by the number of files placed.
   */
  static List<KillPoint> plan(Random r, long totalFiles, int count) {
    List<KillPoint> p = new ArrayList<>();
    for (String phase : List.of("METADATA", "METADATA", "DIRECTORY", "SYMLINK", "REGULAR", "PERSISTENT",
        "POST_PROCESSING")) {
      long delay = phase.equals("METADATA") ? r.nextInt(30_000) : r.nextInt(500);
      p.add(new KillPoint("phase " + phase + " +" + delay + "us", false, e -> e.equals("PHASE " + phase), delay));
    }
    for (int i = 0; i < 2; i++) {
      long delay = r.nextInt(3_000);
      p.add(new KillPoint("arming switch +" + delay + "us", false, e -> e.equals("BEFORE_SWITCH"), delay));
    }
    p.add(new KillPoint("reboot request", false, e -> e.equals("REBOOT_REQUESTED"), 0));
    for (int i = 0; i < 3; i++) {
      long delay = r.nextInt(4_000);
      p.add(new KillPoint("boot switch +" + delay + "us", true, e -> e.equals("STARTING"), delay));
    }
    for (int i = 0; i < 3; i++) {
      long delay = r.nextInt(120_000);
      p.add(new KillPoint("finalisation +" + delay + "us", true, e -> e.equals("HEALTH"), delay));
    }
    while (p.size() < count) {
      long n = 1 + (long) (r.nextDouble() * Math.max(1, totalFiles - 2));
      p.add(new KillPoint("files placed >= " + n, false,
          e -> e.startsWith("PROGRESS ") && number(e, 1) >= n, 0));
    }
    return p;
  }

  Trial trial(int i, KillPoint point, Path reference, long fullBytes) throws Exception {
    long t0 = System.nanoTime();
    Path state = copyOf(point.atStartup() ? reference : installed, "trial-" + i);
    Path logFile = LOGS.resolve("trial-" + i + ".log");
    ChildProbe.Run killedRun = point.atStartup()
        ? ChildProbe.run(logFile, List.of("start", state.toString(), images.cas().toString()), point.event(),
            point.delayMicros())
        : ChildProbe.run(logFile, updateArgs(state), point.event(), point.delayMicros());
    String where = "trial " + i + " (" + point.label() + ", landed after " + killedRun.last() + ", log " + logFile + ")";

    // 1. the slot that ran the update (slot_b) is untouched, and every status file is whole
    assertThat(TreeSnapshot.of(state.resolve(DirectorySlotController.SLOT_B)).diff(runningV1)).as(where).isEmpty();
    assertStatusFilesWhole(state, where);
    Set<String> placed = point.atStartup() ? Set.of() : placedContents(state.resolve(DirectorySlotController.SLOT_A));

    long t1 = System.nanoTime();
    // 2. restart + re-send the same update
    int m0 = log.mark();
    ChildProbe.Run resend = ChildProbe.run(logFile, updateArgs(state));
    int m1 = log.mark();
    List<NginxLog.Hit> hits = log.between(m0, m1);
    String fin = resend.first("FINALIZED ");
    assertThat(fin).as(where).isNotNull();
    String[] f = fin.split(" ", 5);
    OtaStatus status = OtaStatus.valueOf(f[1]);
    String active = f[2];
    String reason = f.length > 4 ? f[4] : "";
    assertThat(status).as(where).isNotIn(NEVER_AFTER_START);
    if (active.equals(DirectorySlotController.SLOT_B)) {
      if (status == OtaStatus.SUCCESS) {
        // only a kill before pre_update leaves the old SUCCESS: nothing had been changed yet
        assertThat(f[3]).as(where).isEqualTo(V1);
        assertThat(killedRun.events()).as(where).noneMatch(e -> e.startsWith("PHASE DIRECTORY"));
      } else {
        assertThat(status).as(where).isEqualTo(OtaStatus.FAILURE);
        assertThat(reason).as(where).matches("E[12]-\\d{4}-\\d{3}: .+");
      }
    } else {
      // the kill came after the reboot request: the boot happened and the new slot was confirmed
      assertThat(status).as(where + ": " + fin).isEqualTo(OtaStatus.SUCCESS);
      assertThat(f[3]).as(where).isEqualTo(V2);
      if (!point.atStartup()) {
        // the reboot request is persisted before its event line is printed, so a kill can land in
        // between; what must hold is that the switch had been reached (BEFORE_SWITCH precedes it)
        assertThat(killedRun.events()).as(where)
            .anyMatch(e -> e.equals("REBOOT_REQUESTED") || e.equals("BEFORE_SWITCH"));
      }
    }
    assertThat(resend.events()).as(where + " resend " + resend.events()).contains("REBOOT_REQUESTED");

    long t2 = System.nanoTime();
    // 3. the re-sent update built exactly the image and left the running slot alone
    String standby = active.equals(DirectorySlotController.SLOT_A) ? DirectorySlotController.SLOT_B : DirectorySlotController.SLOT_A;
    assertThat(TreeSnapshot.of(state.resolve(standby), SignedImageFixture.ENGINE_META).diff(imageV2)).as(where).isEmpty();
    if (active.equals(DirectorySlotController.SLOT_B)) {
      assertThat(TreeSnapshot.of(state.resolve(active)).diff(runningV1)).as(where).isEmpty();
    } else {
      assertThat(TreeSnapshot.of(state.resolve(active), SignedImageFixture.ENGINE_META).diff(imageV2)).as(where).isEmpty();
    }
    // ... downloading nothing that the killed run had already placed
    List<String> again = hits.stream().filter(NginxLog.Hit::isBlob).map(NginxLog.Hit::compressedSha)
        .filter(placed::contains).toList();
    assertThat(again).as(where + ": downloaded again although already in the standby").isEmpty();

    // 4. and the next start confirms it
    BootState after = new DirectorySlotController(state).finalizeAtStartup();
    assertThat(after.status()).as(where).isEqualTo(OtaStatus.SUCCESS);
    assertThat(after.version()).as(where).isEqualTo(V2);

    deleteTree(state);
    System.out.printf("trial %d: kill run + checks %d ms, resend %d ms, checks %d ms%n", i, (t1 - t0) / 1_000_000,
        (t2 - t1) / 1_000_000, (System.nanoTime() - t2) / 1_000_000);
    long resendBytes = NginxLog.blobBytes(hits);
    return new Trial(point.label(), killedRun.killed() ? killedRun.last() : "(ended: " + killedRun.last() + ")",
        status + " " + active + " " + f[3] + (reason.isEmpty() ? "" : " " + reason), resendBytes,
        point.atStartup() ? 0 : fullBytes);
  }

  List<String> updateArgs(Path state) {
    return List.of("update", state.toString(), images.cas().toString(), V2, nginx.imageUrl("v2"));
  }

  /** No status file is empty, torn or unknown: each holds exactly one status name. */
  static void assertStatusFilesWhole(Path state, String where) throws IOException {
    for (String slot : List.of(DirectorySlotController.SLOT_A, DirectorySlotController.SLOT_B)) {
      Path f = state.resolve("status").resolve(slot).resolve("status");
      if (Files.exists(f)) {
        String text = Files.readString(f, StandardCharsets.UTF_8);
        assertThat(EnumSet.allOf(OtaStatus.class).stream().map(Enum::name)).as(where + ": " + f).contains(text);
      }
    }
    try (Stream<Path> s = Files.walk(state.resolve("status"))) {
      assertThat(s.map(p -> p.getFileName().toString())).as(where + ": temp files left").noneMatch(n -> n.contains(".tmp"));
    }
  }

  /** SHA-256 of every complete regular file in a slot (temp files and the work area excluded). */
  static Set<String> placedContents(Path slot) throws IOException {
    Set<String> shas = new HashSet<>();
    try (Stream<Path> s = Files.walk(slot)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && !p.toString().contains("/.ota-work/")
            && !TempNames.isTemp(p.getFileName().toString())) {
          shas.add(TreeSnapshot.sha256(p));
        }
      }
    }
    return shas;
  }

  static long number(String event, int field) {
    return Long.parseLong(event.split(" ")[field]);
  }

  static String abbreviate(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 3) + "...";
  }

  static Path copyOf(Path from, String name) throws IOException, InterruptedException {
    Path to = shared.resolve(name);
    Process p = new ProcessBuilder("cp", "-a", from.toString(), to.toString()).inheritIO().start();
    assertThat(p.waitFor()).isZero();
    return to;
  }

  static void deleteTree(Path p) throws IOException, InterruptedException {
    assertThat(new ProcessBuilder("rm", "-rf", p.toString()).inheritIO().start().waitFor()).isZero();
  }
}
