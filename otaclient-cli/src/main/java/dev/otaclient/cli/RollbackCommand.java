package dev.otaclient.cli;

import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.grpc.OtaClientStub;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "rollback", mixinStandardHelpOptions = true,
    description = "Ask the main ECU to boot the given ECUs' previous slot.")
final class RollbackCommand implements Callable<Integer> {
  @Mixin SharedOptions.Ecus ecus;

  @Mixin SharedOptions.MainEcu target;

  @Override
  public Integer call() {
    List<String> ids = ecus.checked();
    Target t = target.target();
    try (OtaClientStub stub = t.connect(Duration.ofSeconds(30))) {
      List<EcuResult> results = stub.rollback(ids);
      StatusPrinter.answers(System.out, "", results);
      return RequestAnswers.accepted("rollback", ids, results, t, System.err) ? 0 : 1;
    }
  }
}
