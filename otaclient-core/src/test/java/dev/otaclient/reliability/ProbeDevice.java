package dev.otaclient.reliability;

import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.Progress;
import dev.otaclient.internal.update.UpdateEngine;
import dev.otaclient.internal.update.UpdateRequest;
import java.io.PrintStream;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The device side shared by the crash probes ({@link CrashProbe}, {@link DeviceCrashProbe}), which run in
 * a child JVM that the test kills: one {@code EV <name> <fields>} line on stdout at every point a kill
 * may land at, and the run itself.
 *
 * <pre>
 * start  &lt;device&gt; &lt;cas&gt;                      start-up finalisation only
 * update &lt;device&gt; &lt;cas&gt; &lt;version&gt; &lt;url&gt;  finalisation, then the update until the reboot request
 * </pre>
 *
 * Events: {@code STARTING}; {@code FINALIZED <status> <active slot> <version> <reason>}; {@code PHASE
 * <phase>}; {@code PROGRESS <processed> <total>} (sampled, so values may be skipped); {@code
 * BEFORE_SWITCH} (standby complete, the switch is about to be armed); {@code DONE <status> <reason>} when
 * the update ended without a reboot. The reboot request ({@code REBOOT_REQUESTED}) and the health check
 * event come from the probe's own boot controller.
 */
final class ProbeDevice {
  private static final PrintStream OUT = System.out;
  private static volatile BiConsumer<String, String[]> onEvent = (name, fields) -> { };

  private ProbeDevice() {}

  /** Called, in order and one at a time, after each event line is printed. */
  static void onEvent(BiConsumer<String, String[]> hook) {
    onEvent = hook;
  }

  static synchronized void ev(String name, String... fields) {
    StringBuilder sb = new StringBuilder("EV ").append(name);
    for (String f : fields) {
      sb.append(' ').append(f);
    }
    OUT.println(sb);
    OUT.flush();
    onEvent.accept(name, fields);
  }

  /**
   * Runs the probe's mode ({@code args[0]}) on {@code client}; {@code activeSlot} names the running slot
   * or device. {@code atEnd} runs when the mode ends without a reboot request.
   */
  static void run(String[] args, UpdateEngine client, Supplier<String> activeSlot, Runnable atEnd) {
    ev("STARTING");
    EcuStatus s = client.start();
    ev("FINALIZED", s.status().name(), activeSlot.get(), s.version().isEmpty() ? "-" : s.version(), s.failureReason());
    if (args[0].equals("start")) {
      atEnd.run();
      return;
    }
    client.addListener(st -> st.progress().ifPresent(p -> ev("PHASE", p.phase().name())));
    Thread sampler = new Thread(() -> sampleProgress(client), "probe-progress");
    sampler.setDaemon(true);
    sampler.start();
    EcuStatus end = client.update(UpdateRequest.of(args[3], args[4], "{}"), () -> ev("BEFORE_SWITCH"));
    ev("DONE", end.status().name(), end.failureReason());
    atEnd.run();
  }

  /** Prints the file counter whenever it moved; a sampler, not a synchronisation. */
  private static void sampleProgress(UpdateEngine client) {
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
}
