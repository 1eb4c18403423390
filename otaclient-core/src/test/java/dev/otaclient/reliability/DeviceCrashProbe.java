package dev.otaclient.reliability;

import dev.otaclient.internal.boot.CommandRunner;
import dev.otaclient.internal.boot.BootController;
import dev.otaclient.internal.boot.GrubLoopRig;
import dev.otaclient.internal.boot.GrubSlotsRig;
import dev.otaclient.internal.boot.JetsonUefiRig;
import dev.otaclient.internal.boot.RpiTrybootRig;
import dev.otaclient.internal.boot.HealthCheck;
import dev.otaclient.internal.boot.Rebooter;
import dev.otaclient.internal.image.CaStore;
import dev.otaclient.internal.update.UpdateEngine;
import dev.otaclient.internal.update.UpdateSettings;
import java.nio.file.Path;
import java.util.List;

/**
 * {@link CrashProbe} for the loop-device rigs of the boot back-ends: the child JVM that the crash and
 * power-cut suites of GRUB (both layouts), Raspberry Pi tryboot and Jetson UEFI stop. The device (loop
 * devices, mounts, stand-in commands) is set up by the test; this process only builds the controller on
 * it, chosen by {@code OTA_PROBE_LAYOUT}: {@code slots} ({@link GrubSlotsRig}), {@code rpi}
 * ({@link RpiTrybootRig}), {@code jetson} ({@link JetsonUefiRig}), else the 2022 GRUB layout
 * ({@link GrubLoopRig}).
 *
 * <pre>
 * DeviceCrashProbe start  &lt;rig dir&gt; &lt;cas&gt;                      start-up finalisation only
 * DeviceCrashProbe update &lt;rig dir&gt; &lt;cas&gt; &lt;version&gt; &lt;image&gt;  finalisation, then the update until the reboot request
 * </pre>
 *
 * Events as CrashProbe's (those of {@link ProbeDevice}, with the active slot in {@code FINALIZED}, and
 * {@code REBOOT_REQUESTED [parameter]}) plus, from the stand-in commands, {@code CMD <name>} /
 * {@code CMD-DONE <name>} ({@link dev.otaclient.internal.boot.ProbeStandIns}), and with
 * {@code OTA_PROBE_WATCH} (paths below the rig directory, space-separated) a {@code WRITE <path>} or
 * {@code DELETE <path>} just before each file below them is created, renamed into place or deleted
 * (temp files of atomic writes aside: their rename is the write). Those come from a security manager
 * that only watches ({@link FileEvents}), so they are synchronous: a stop right at one lands before the
 * write happens.
 *
 * <p>The process stops itself, so the stop lands where it was asked for however loaded the machine is:
 * the environment of the rig's {@code stopAt} names an event, its occurrence and a delay (Java events
 * here, command events in the stand-ins; {@code PROGRESS} with occurrence n means "n files placed"),
 * then the stand-ins' {@code ota-stop} freezes the process group, cuts the power if asked and SIGKILLs
 * it. The probe must therefore run as a process-group leader ({@code setsid}).
 */
public final class DeviceCrashProbe {
  private DeviceCrashProbe() {}

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[1]);
    Path cas = Path.of(args[2]);
    rig(work);
    ProbeDevice.onEvent(DeviceCrashProbe::stopIfAsked);
    FileEvents.watch(work, System.getenv().getOrDefault("OTA_PROBE_WATCH", ""));
    // the health check is a stand-in command, so it reports (CMD ota-health) like the others
    HealthCheck signal = new HealthCheck(List.of(List.of(work.resolve("fake/ota-health").toString())),
        CommandRunner.system());
    // the reboot of a supervised daemon: record the request and stop (the test reboots the rig)
    // A stop still pending then lands at the reboot request, the last moment it can (a reboot
    // would flush the file systems): the point then is "no later than the reboot request".
    Rebooter rebooter = new Rebooter() {
      @Override
      public void reboot() {
        requested();
      }

      @Override
      public void reboot(String firmwareParameter) {
        requested(firmwareParameter);
      }

      private void requested(String... parameter) {
        ProbeDevice.ev("REBOOT_REQUESTED", parameter);
        stopIfPending(work);
        Runtime.getRuntime().halt(0);
      }
    };
    BootController boot = switch (System.getenv().getOrDefault("OTA_PROBE_LAYOUT", "")) {
      case "slots" -> GrubSlotsRig.controllerAt(work, rebooter, signal);
      case "rpi" -> RpiTrybootRig.controllerAt(work, rebooter, signal);
      case "jetson" -> JetsonUefiRig.controllerAt(work, rebooter, signal);
      default -> GrubLoopRig.controllerAt(work, rebooter, signal);
    };
    UpdateEngine client = new UpdateEngine("main", boot, UpdateSettings.defaults(CaStore.load(cas)).withThreads(4, 4));
    // a stop still pending lands at the end of the run (of the finalisation, in mode start)
    ProbeDevice.run(args, client, boot::activeSlotId, () -> stopIfPending(work));
  }

  private static void stopIfPending(Path work) {
    if (stopping || java.nio.file.Files.exists(work.resolve("fake/stop.pending"))) {
      stop(work, 0);
    }
  }

  private static final String STOP_AT = System.getenv().getOrDefault("OTA_PROBE_STOP_AT", "");
  private static final long STOP_NTH = Long.parseLong(System.getenv().getOrDefault("OTA_PROBE_STOP_NTH", "1"));
  private static final double STOP_DELAY = Double.parseDouble(System.getenv().getOrDefault("OTA_PROBE_STOP_DELAY", "0"));
  private static int seen;
  private static volatile boolean stopping;
  private static Path rig;

  /** After each event line (one at a time): stops the process group if this is the event asked for. */
  private static void stopIfAsked(String name, String[] fields) {
    String e = fields.length == 0 ? name : name + " " + String.join(" ", fields);
    boolean match = STOP_AT.equals("PROGRESS") ? name.equals("PROGRESS") && Long.parseLong(fields[0]) >= STOP_NTH
        : e.equals(STOP_AT) && ++seen == STOP_NTH;
    if (match && !stopping) {
      stopping = true;
      if (name.equals("REBOOT_REQUESTED")) {
        return; // the reboot request stops right away (above)
      }
      // at once: synchronously, e.g. before a watched write or a requested reboot could happen
      stop(rig, STOP_DELAY);
    }
  }

  /**
   * The stand-ins' stop script, from Java: after {@code delay} seconds it freezes the process group,
   * cuts the power as asked and SIGKILLs the group. With no delay this thread waits for it, so nothing
   * happens after the stop point; with one the process goes on until then.
   */
  private static void stop(Path work, double delay) {
    Path script = work.resolve("fake/ota-stop");
    long pid = ProcessHandle.current().pid();
    try {
      new ProcessBuilder("setsid", "sh", script.toString(), Long.toString(pid),
          String.format(java.util.Locale.ROOT, "%.6f", delay))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    } catch (java.io.IOException ex) {
      Runtime.getRuntime().halt(137);
    }
    if (delay == 0) {
      java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.SECONDS.toNanos(60));
      Runtime.getRuntime().halt(137); // the stop never came: fail loudly (not the 137 of a SIGKILL)
    }
  }

  static void rig(Path work) {
    rig = work;
  }
}
