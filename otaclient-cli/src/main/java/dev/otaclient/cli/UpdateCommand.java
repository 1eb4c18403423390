package dev.otaclient.cli;

import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.internal.ecu.StatusReport;
import dev.otaclient.internal.ecu.UpdateRequestEcu;
import dev.otaclient.grpc.OtaClientStub;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.internal.update.RequestRules;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "update", description = "Ask the main ECU to update the given ECUs from an image URL.",
    footerHeading = "%nExamples:%n", footer = {
        "  otaclient update --ecu main --ecu sub1 \\",
        "      --url https://server/images/2.0/ --image-version 2.0 --wait",
        "  otaclient update --ecu main --url https://server/images/2.0/ \\",
        "      --cookies @cookies.json --target 10.0.0.2:50051"})
final class UpdateCommand implements Callable<Integer>, SharedOptions.Grouped {
  @Mixin SharedOptions.Ecus ecus;

  @Option(names = "--url", required = true, description = "Image base URL (http or https; `otaclient apply` takes local images).")
  String url;

  final SharedOptions.Help help = new SharedOptions.Help();

  final SharedOptions.ImageVersion version = new SharedOptions.ImageVersion();

  final SharedOptions.CookiesArg cookies = new SharedOptions.CookiesArg();

  @Mixin SharedOptions.MainEcu target;

  @Option(names = "--wait", description = "Follow progress until every requested ECU finished; exit 1 if any failed.")
  boolean await;

  @Option(names = "--timeout", defaultValue = "3600", description = "With --wait: give up after this many seconds.")
  long timeoutSeconds;

  final SharedOptions.JsonOutput json = new SharedOptions.JsonOutput();

  final SharedOptions.ProgressOptions progress = new SharedOptions.ProgressOptions();

  @Override
  public List<SharedOptions.Group> groups() {
    return List.of(help, version, cookies, json, progress);
  }

  @Override
  public Integer call() throws Exception {
    // the checks the ECUs apply, before anything is sent
    List<String> ids = ecus.checked();
    String v = version.orDefaultFor(url);
    String cookieJson = cookies.json();
    RequestArgs.refuse(RequestRules.remoteEntry(v, url, cookieJson));
    version.requireFound(v, url);
    List<UpdateRequestEcu> req = new ArrayList<>();
    for (String id : ids) {
      req.add(new UpdateRequestEcu(id, v, url, cookieJson));
    }
    Target t = target.target();
    try (OtaClientStub stub = t.connect(Duration.ofSeconds(30))) {
      List<EcuResult> results = stub.update(req);
      if (!json.enabled) {
        StatusPrinter.answers(System.out, "", results);
      }
      List<String> accepted = UpdateWatch.accepted(results);
      if (!await || accepted.isEmpty()) {
        if (json.enabled) {
          System.out.println(Json.write(StatusJson.answers(results)));
        }
        RequestAnswers.requireAccepted("update", ids, results, t);
        return 0;
      }
      StatusReport end = UpdateWatch.follow(stub, accepted, Duration.ofSeconds(timeoutSeconds), progress.line());
      if (json.enabled) {
        System.out.println(Json.write(StatusJson.report(end.ecus(), end.availableEcuIds())));
      } else {
        StatusPrinter.table(System.out, end.ecus(), List.of());
      }
      RequestAnswers.requireAccepted("update", ids, results, t);
      UpdateWatch.requireSucceeded(end.ecus());
      return 0;
    }
  }
}
