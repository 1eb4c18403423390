package dev.otaclient.cli;

import dev.otaclient.internal.ecu.EcuRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code otaclient abort}: asks the main ECU to stop the running update of the given ECUs (it relays
 * the request to every ECU below it). Exit 0 when every named ECU accepted (stops now, or as soon as
 * its standby slot is prepared), 1 otherwise with one line per refusal on stderr.
 */
@Command(name = "abort", mixinStandardHelpOptions = true,
    description = "Ask the main ECU to stop the running update of the given ECUs.")
final class AbortCommand implements Callable<Integer>, SharedOptions.Grouped {
  @Mixin SharedOptions.Ecus ecus;

  @Mixin SharedOptions.MainEcu target;

  final SharedOptions.JsonOutput json = new SharedOptions.JsonOutput();

  @Override
  public List<SharedOptions.Group> groups() {
    return List.of(json);
  }

  @Override
  public Integer call() {
    List<String> ids = ecus.checked();
    return RequestAnswers.send("abort", ids, target.target(), json.enabled,
        stub -> stub.abort(EcuRequest.of(ids, ""), Duration.ofSeconds(30)));
  }
}
