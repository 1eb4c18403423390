package dev.otaclient.reliability;

import dev.otaclient.boot.CommandRunner;
import dev.otaclient.boot.DirectorySlotController;
import dev.otaclient.boot.HealthCheck;
import dev.otaclient.fetch.RetryPolicy;
import dev.otaclient.image.CaStore;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.Progress;
import dev.otaclient.update.OtaClient;
import dev.otaclient.update.UpdateRequest;
import dev.otaclient.update.UpdateSettings;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The device side of the crash suite, run in a child JVM that the test SIGKILLs: a directory-slot
 * device whose reboot is "record the request and exit" (what a supervised daemon does), printing one
 * {@code EV <name> ...} line on stdout at every point the test may kill at.
 *
 * <pre>
 * CrashProbe start  &lt;state&gt; &lt;cas&gt;                  start-up finalisation only
 * CrashProbe update &lt;state&gt; &lt;cas&gt; &lt;version&gt; &lt;url&gt;  finalisation, then the update until the reboot request
 * </pre>
 *
 * Events: {@code STARTING}; {@code HEALTH} (the health check of a switched boot runs: finalisation is
 * in progress); {@code FINALIZED <status> <active slot> <version> <reason>}; {@code PHASE <phase>};
 * {@code PROGRESS <processed> <total>} (polled, so values may be skipped); {@code BEFORE_SWITCH}
 * (standby complete, the switch is about to be armed); {@code REBOOT_REQUESTED} (then the process
 * exits 0); {@code DONE <status> <reason>} when the update ended without a reboot.
 */
public final class CrashProbe {
  private static final PrintStream OUT = System.out;

  private CrashProbe() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    Path state = Path.of(args[1]);
    Path cas = Path.of(args[2]);
    // The health check of a switched boot tells the test that finalisation runs (through the JVM's
    // own stdout, which the command inherits as /proc/<java>/fd/1) and lingers, so a kill can land there.
    HealthCheck signal = new HealthCheck(List.of(List.of("sh", "-c",
        "echo 'EV HEALTH' > /proc/$PPID/fd/1; sleep 0.1")), CommandRunner.system());
    DirectorySlotController boot = new DirectorySlotController(state, DirectorySlotController.Options.defaults()
        .withHealthCheck(signal)
        .withExitProcess(() -> {
          ev("REBOOT_REQUESTED");
          Runtime.getRuntime().halt(0);
        }));
    UpdateSettings settings = UpdateSettings.defaults(CaStore.load(cas)).withThreads(4, 4)
        .withRetry(new RetryPolicy(3, Duration.ofMillis(5), Duration.ofMillis(50), Duration.ofSeconds(10)));
    OtaClient client = new OtaClient("main", boot, settings);
    ev("STARTING");
    EcuStatus s = client.start();
    ev("FINALIZED", s.status().name(), boot.activeSlotId(), quoted(s.version()), s.failureReason());
    if (mode.equals("start")) {
      return;
    }
    client.addListener(st -> st.progress().ifPresent(p -> ev("PHASE", p.phase().name())));
    Thread poller = new Thread(() -> pollProgress(client), "probe-progress");
    poller.setDaemon(true);
    poller.start();
    EcuStatus end = client.update(UpdateRequest.of(args[3], args[4], "{}"), () -> ev("BEFORE_SWITCH"));
    ev("DONE", end.status().name(), end.failureReason());
  }

  private static void pollProgress(OtaClient client) {
    long last = -1;
    while (true) {
      Optional<Progress> p = client.status().progress();
      if (p.isPresent() && p.get().regularFilesProcessed() != last) {
        last = p.get().regularFilesProcessed();
        ev("PROGRESS", Long.toString(last), Long.toString(p.get().totalRegularFiles()));
      }
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static String quoted(String v) {
    return v.isEmpty() ? "-" : v;
  }

  private static synchronized void ev(String name, String... fields) {
    StringBuilder sb = new StringBuilder("EV ").append(name);
    for (String f : fields) {
      sb.append(' ').append(f);
    }
    OUT.println(sb);
    OUT.flush();
  }
}
