package dev.otaclient.reliability;

import dev.otaclient.internal.boot.CommandRunner;
import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.internal.boot.HealthCheck;
import dev.otaclient.internal.fetch.RetryPolicy;
import dev.otaclient.internal.image.CaStore;
import dev.otaclient.internal.update.UpdateEngine;
import dev.otaclient.internal.update.UpdateSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The device side of the crash suite, run in a child JVM that the test SIGKILLs: a directory-slot
 * device whose reboot is "record the request and exit" (what a supervised daemon does), with the
 * modes and events of {@link ProbeDevice}, plus {@code HEALTH} (the health check of a switched boot
 * runs: finalisation is in progress) and {@code REBOOT_REQUESTED} (then the process exits 0).
 *
 * <pre>
 * CrashProbe start  &lt;state&gt; &lt;cas&gt;
 * CrashProbe update &lt;state&gt; &lt;cas&gt; &lt;version&gt; &lt;url&gt;
 * </pre>
 */
public final class CrashProbe {
  private CrashProbe() {}

  public static void main(String[] args) throws Exception {
    Path state = Path.of(args[1]);
    Path cas = Path.of(args[2]);
    // The health check of a switched boot tells the test that finalisation runs (through the JVM's
    // own stdout, which the command inherits as /proc/<java>/fd/1) and lingers, so a kill can land there.
    HealthCheck signal = new HealthCheck(List.of(List.of("sh", "-c",
        "echo 'EV HEALTH' > /proc/$PPID/fd/1; sleep 0.1")), CommandRunner.system());
    DirectorySlotController boot = new DirectorySlotController(state, DirectorySlotController.Options.defaults()
        .withHealthCheck(signal)
        .withExitProcess(() -> {
          ProbeDevice.ev("REBOOT_REQUESTED");
          Runtime.getRuntime().halt(0);
        }));
    UpdateSettings settings = UpdateSettings.defaults(CaStore.load(cas)).withThreads(4, 4)
        .withRetry(new RetryPolicy(3, Duration.ofMillis(5), Duration.ofMillis(50), Duration.ofSeconds(10)));
    ProbeDevice.run(args, new UpdateEngine("main", boot, settings), boot::activeSlotId, () -> { });
  }
}
