package dev.otaclient.reliability;

import dev.otaclient.internal.boot.CommandRunner;
import dev.otaclient.internal.boot.BootController;
import dev.otaclient.internal.boot.GrubLoopRig;
import dev.otaclient.internal.boot.GrubSlotsRig;
import dev.otaclient.internal.boot.HealthCheck;
import dev.otaclient.internal.boot.Rebooter;
import dev.otaclient.internal.image.CaStore;
import dev.otaclient.internal.update.UpdateEngine;
import dev.otaclient.internal.update.UpdateSettings;
import java.nio.file.Path;
import java.util.List;

/**
 * {@link CrashProbe} for the GRUB loop-device device of {@link GrubLoopRig}: the child JVM that the
 * GRUB crash and power-cut suites kill. The device (loop devices, mounts, stand-in commands) is set up
 * by the test; this process only builds the controller on it.
 *
 * <pre>
 * GrubCrashProbe start  &lt;rig dir&gt; &lt;cas&gt;                      start-up finalisation only
 * GrubCrashProbe update &lt;rig dir&gt; &lt;cas&gt; &lt;version&gt; &lt;image&gt;  finalisation, then the update until the reboot request
 * </pre>
 *
 * Events as CrashProbe's (those of {@link ProbeDevice}, with the active device in {@code FINALIZED},
 * {@code HEALTH}, {@code REBOOT_REQUESTED}) plus, from the stand-in commands, {@code CMD <name>} / {@code CMD-DONE <name>} around
 * mkfs.ext4, mount, umount, grub-mkconfig, grub-reboot, grub-editenv and the health check
 * ({@code ota-health}).
 *
 * <p>The process stops itself, so the stop lands where it was asked for however loaded the machine is:
 * the environment of {@link GrubLoopRig#stopAt} names an event, its occurrence and a delay (Java events
 * here, command events in the stand-ins; {@code PROGRESS} with occurrence n means "n files placed"),
 * then the power of the device's file systems is cut if asked and the whole process group is SIGKILLed.
 * The probe must therefore run as a process-group leader ({@code setsid}).
 */
public final class GrubCrashProbe {
  private GrubCrashProbe() {}

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[1]);
    Path cas = Path.of(args[2]);
    ProbeDevice.onEvent(GrubCrashProbe::stopIfAsked);
    // the health check is a stand-in command, so it reports (CMD ota-health) like the others
    HealthCheck signal = new HealthCheck(List.of(List.of(work.resolve("fake/ota-health").toString())),
        CommandRunner.system());
    // the reboot of a supervised daemon: record the request and stop (the test reboots the rig)
    // A stop still pending then lands at the reboot request, the last moment it can (a reboot
    // would flush the file systems): the point then is "no later than the reboot request".
    Rebooter rebooter = () -> {
      ProbeDevice.ev("REBOOT_REQUESTED");
      stopIfPending(work);
      Runtime.getRuntime().halt(0);
    };
    // OTA_PROBE_LAYOUT=slots: the per-slot layout of GrubSlotsRig (migration at start-up), else the 2022 one
    BootController boot = "slots".equals(System.getenv("OTA_PROBE_LAYOUT"))
        ? GrubSlotsRig.controllerAt(work, rebooter, signal) : GrubLoopRig.controllerAt(work, rebooter, signal);
    UpdateEngine client = new UpdateEngine("main", boot, UpdateSettings.defaults(CaStore.load(cas)).withThreads(4, 4));
    // a stop still pending lands at the end of the run (of the finalisation, in mode start)
    ProbeDevice.run(args, client, boot::activeSlotId, () -> stopIfPending(work));
  }

  private static void stopIfPending(Path work) {
    if (stopping || java.nio.file.Files.exists(work.resolve("fake/stop.pending"))) {
      stop();
    }
  }

  private static final String STOP_AT = System.getenv().getOrDefault("OTA_PROBE_STOP_AT", "");
  private static final long STOP_NTH = Long.parseLong(System.getenv().getOrDefault("OTA_PROBE_STOP_NTH", "1"));
  private static final double STOP_DELAY = Double.parseDouble(System.getenv().getOrDefault("OTA_PROBE_STOP_DELAY", "0"));
  private static final String CUT = System.getenv().getOrDefault("OTA_PROBE_CUT", "");
  private static int seen;
  private static volatile boolean stopping;

  /** After each event line (one at a time): stops the process group if this is the event asked for. */
  private static void stopIfAsked(String name, String[] fields) {
    String e = fields.length == 0 ? name : name + " " + String.join(" ", fields);
    boolean match = STOP_AT.equals("PROGRESS") ? name.equals("PROGRESS") && Long.parseLong(fields[0]) >= STOP_NTH
        : e.equals(STOP_AT) && ++seen == STOP_NTH;
    if (match && !stopping) {
      stopping = true;
      cutNow = loopMounts();
      if (name.equals("REBOOT_REQUESTED")) {
        return; // the reboot request stops right away (above)
      }
      if (STOP_DELAY == 0) {
        stop(); // synchronously: e.g. before a requested reboot could happen
      } else {
        Thread t = new Thread(() -> {
          java.util.concurrent.locks.LockSupport.parkNanos((long) (STOP_DELAY * 1e9));
          stop();
        }, "probe-stop");
        t.setDaemon(true);
        t.start();
      }
    }
  }

  private static volatile List<String> cutNow;

  /** The mount points to cut that are loop-device mounts (never anything else: this is the host's /tmp). */
  private static List<String> loopMounts() {
    List<String> out = new java.util.ArrayList<>();
    for (String m : CUT.split(" ")) {
      if (!m.isEmpty() && run("findmnt", "-n", "-o", "SOURCE", "--mountpoint", m).startsWith("/dev/loop")) {
        out.add(m);
      }
    }
    return out;
  }

  /** The stand-in commands' stop, from Java: cut the power (loop-device mounts only), SIGKILL the process group. */
  private static void stop() {
    try {
      List<String> cut = cutNow != null ? cutNow : loopMounts();
      if (!cut.isEmpty()) {
        List<String> argv = new java.util.ArrayList<>(List.of("perl", "-e", GrubLoopRig.CUT_PERL));
        argv.addAll(cut);
        run(argv.toArray(String[]::new));
      }
      run("kill", "-9", "--", "-" + ProcessHandle.current().pid());
    } finally {
      Runtime.getRuntime().halt(137);
    }
  }

  private static String run(String... argv) {
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      p.waitFor();
      return out;
    } catch (java.io.IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
