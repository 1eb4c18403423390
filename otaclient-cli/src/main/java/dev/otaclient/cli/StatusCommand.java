package dev.otaclient.cli;

import dev.otaclient.grpc.OtaClientStub;
import dev.otaclient.internal.boot.BootState;
import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.internal.ecu.StatusReport;
import dev.otaclient.status.EcuStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "status", mixinStandardHelpOptions = true,
    footerHeading = "%nExamples:%n", footer = {
        "  otaclient status --target 10.0.0.2:50051 --watch",
        "  otaclient status --state-dir /var/lib/otaclient --json"},
    description = "Show every ECU's status and progress (from the main ECU, or a local directory-slot device).")
final class StatusCommand implements Callable<Integer>, SharedOptions.Grouped {
  static final class Source {
    @Option(names = "--target", description = "Main ECU HOST:PORT (default " + Target.DEFAULT + ").")
    String target;

    @Option(names = "--state-dir", description = "Read a local directory-slot device without any server, with both slots.")
    Path stateDir;
  }

  @ArgGroup(exclusive = true)
  Source source = new Source();

  final SharedOptions.LocalEcu ecu = new SharedOptions.LocalEcu();

  @Option(names = "--watch", description = "Redraw until interrupted (every second).")
  boolean watch;

  final SharedOptions.JsonOutput json = new SharedOptions.JsonOutput();

  @Override
  public List<SharedOptions.Group> groups() {
    return List.of(ecu, json);
  }

  @Override
  public Integer call() throws Exception {
    if (source.stateDir != null) {
      local(source.stateDir);
      return 0;
    }
    Target t = Target.parse(source.target == null ? Target.DEFAULT : source.target);
    Map<String, RateWindow> windows = new HashMap<>();
    try (OtaClientStub stub = t.connect(Duration.ofSeconds(5))) {
      while (true) {
        StatusReport r = stub.status();
        if (watch && !json.enabled) {
          System.out.print("\033[H\033[2J");
          StatusPrinter.table(System.out, r.ecus(), r.availableEcuIds(), etas(r, windows));
        } else {
          print(r);
        }
        if (!watch) {
          return 0;
        }
        System.out.flush();
        Thread.sleep(1000);
      }
    }
  }

  /** A directory-slot device read from its files: the ECU's status and each slot's. */
  private void local(Path stateDir) {
    Optional<BootState> st = DirectorySlotController.peek(stateDir);
    if (st.isEmpty()) {
      throw CliFailure.failed(CliFailure.IO, stateDir + ": no directory-slot device here");
    }
    BootState b = st.get();
    EcuStatus s = new EcuStatus(ecu.id(), b.status(), b.failure(), b.failureReason(), b.version(), Optional.empty())
        .withClient("", b.detail());
    List<DirectorySlotController.SlotView> slots = DirectorySlotController.peekSlots(stateDir);
    if (json.enabled) {
      var m = StatusJson.report(List.of(s), List.of());
      m.put("slots", StatusJson.slots(slots));
      System.out.println(Json.write(m));
    } else {
      StatusView.table(System.out, List.of(s), List.of());
      System.out.println();
      StatusPrinter.slots(System.out, slots);
    }
  }

  /** The ETA of each ECU in its REGULAR phase, from the bytes it placed over the last 20 s of watching. */
  private static Map<String, Duration> etas(StatusReport r, Map<String, RateWindow> windows) {
    Map<String, Duration> etas = new HashMap<>();
    long now = System.nanoTime();
    for (EcuStatus s : r.ecus()) {
      s.progress().filter(p -> p.phase() == dev.otaclient.status.UpdatePhase.REGULAR).ifPresent(p -> {
        RateWindow w = windows.computeIfAbsent(s.ecuId(), k -> new RateWindow(Duration.ofSeconds(20)));
        w.add(now, StatusPrinter.processedBytes(p));
        w.eta(p.totalRegularFileSize()).ifPresent(d -> etas.put(s.ecuId(), d));
      });
    }
    return etas;
  }

  private void print(StatusReport r) {
    if (json.enabled) {
      System.out.println(Json.write(StatusView.json(r.ecus(), r.availableEcuIds())));
    } else {
      StatusView.table(System.out, r.ecus(), r.availableEcuIds());
    }
  }
}
