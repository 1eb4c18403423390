package dev.otaclient.cli;

import dev.otaclient.ecu.EcuResult;
import dev.otaclient.error.FailureType;
import dev.otaclient.grpc.OtaClientStub;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "rollback", mixinStandardHelpOptions = true,
    description = "Ask the main ECU to boot the given ECUs' previous slot.")
final class RollbackCommand implements Callable<Integer> {
  @Option(names = "--ecu", required = true, description = "ECU id to roll back (repeatable).")
  List<String> ecus;

  @Option(names = "--target", defaultValue = Target.DEFAULT, description = "Main ECU HOST:PORT (default ${DEFAULT-VALUE}).")
  String target;

  @Override
  public Integer call() {
    try (OtaClientStub stub = Target.parse(target).connect(Duration.ofSeconds(30))) {
      List<EcuResult> results = stub.rollback(ecus);
      for (EcuResult r : results) {
        System.out.printf("%-12s %s%n", r.ecuId(), r.result() == FailureType.NO_FAILURE ? "accepted" : r.result());
      }
      return results.stream().allMatch(r -> r.result() == FailureType.NO_FAILURE) ? 0 : 1;
    }
  }
}
