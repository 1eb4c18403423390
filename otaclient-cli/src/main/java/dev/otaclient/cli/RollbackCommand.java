package dev.otaclient.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "rollback", mixinStandardHelpOptions = true,
    footerHeading = "%nExamples:%n", footer = {
        "  otaclient rollback --ecu main --target 10.0.0.2:50051"},
    description = "Ask the main ECU to boot the given ECUs' previous slot.")
final class RollbackCommand implements Callable<Integer> {
  @Mixin SharedOptions.Ecus ecus;

  @Mixin SharedOptions.MainEcu target;

  @Override
  public Integer call() {
    List<String> ids = ecus.checked();
    return RequestAnswers.send("rollback", ids, target.target(), false, stub -> stub.rollback(ids));
  }
}
