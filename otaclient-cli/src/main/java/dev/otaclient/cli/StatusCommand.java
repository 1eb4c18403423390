package dev.otaclient.cli;

import dev.otaclient.internal.boot.BootState;
import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.internal.ecu.StatusReport;
import dev.otaclient.grpc.OtaClientStub;
import dev.otaclient.status.EcuStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show every ECU's status and progress (from the main ECU, or a local directory-slot device).")
final class StatusCommand implements Callable<Integer> {
  static final class Source {
    @Option(names = "--target", description = "Main ECU HOST:PORT (default " + Target.DEFAULT + ").")
    String target;

    @Option(names = "--state-dir", description = "Read a local directory-slot device without any server.")
    Path stateDir;
  }

  @ArgGroup(exclusive = true)
  Source source = new Source();

  @Option(names = "--watch", description = "Redraw until interrupted (every second).")
  boolean watch;

  @Mixin SharedOptions.JsonOutput json;

  @Override
  public Integer call() throws Exception {
    if (source.stateDir != null) {
      Optional<BootState> st = DirectorySlotController.peek(source.stateDir);
      if (st.isEmpty()) {
        throw new CliFailure("no directory-slot device at " + source.stateDir);
      }
      BootState b = st.get();
      EcuStatus s = new EcuStatus("local", b.status(), b.failure(), b.failureReason(), b.version(), Optional.empty())
          .withClient("", b.detail());
      print(new StatusReport(List.of(s), List.of()));
      return 0;
    }
    Target t = Target.parse(source.target == null ? Target.DEFAULT : source.target);
    try (OtaClientStub stub = t.connect(Duration.ofSeconds(5))) {
      while (true) {
        StatusReport r = stub.status();
        if (watch && !json.enabled) {
          System.out.print("\033[H\033[2J");
        }
        print(r);
        if (!watch) {
          return 0;
        }
        System.out.flush();
        Thread.sleep(1000);
      }
    }
  }

  private void print(StatusReport r) {
    if (json.enabled) {
      System.out.println(Json.write(StatusView.json(r.ecus(), r.availableEcuIds())));
    } else {
      StatusView.table(System.out, r.ecus(), r.availableEcuIds());
    }
  }
}
