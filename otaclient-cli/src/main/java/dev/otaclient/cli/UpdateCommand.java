package dev.otaclient.cli;

import dev.otaclient.ecu.EcuResult;
import dev.otaclient.ecu.StatusReport;
import dev.otaclient.ecu.UpdateRequestEcu;
import dev.otaclient.error.FailureType;
import dev.otaclient.fetch.Cookies;
import dev.otaclient.grpc.OtaClientStub;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "update",     description = "Ask the main ECU to update the given ECUs from an image URL.")
final class UpdateCommand implements Callable<Integer> {
  @Option(names = "--ecu", required = true, description = "ECU id to update (repeatable).")
  List<String> ecus;

  @Option(names = "--url", required = true, description = "Image base URL (http or https).")
  String url;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
  boolean help;

  // --version is the image version here, as the command line says; `otaclient --version` prints ours
  @Option(names = "--version", description = "Version to record (default: the URL's last path element).")
  String version;

  @Option(names = "--cookies", defaultValue = "{}", description = "Cookies as a JSON object, or @file.")
  String cookies;

  @Option(names = "--target", defaultValue = Target.DEFAULT, description = "Main ECU HOST:PORT (default ${DEFAULT-VALUE}).")
  String target;

  @Option(names = "--wait", description = "Follow progress until every requested ECU finished; exit 1 if any failed.")
  boolean await;

  @Option(names = "--timeout", defaultValue = "3600", description = "With --wait: give up after this many seconds.")
  long timeoutSeconds;

  @Option(names = "--json", description = "Print results as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    String lower = url.toLowerCase(java.util.Locale.ROOT);
    if (!lower.startsWith("http://") && !lower.startsWith("https://")) {
      throw new CliFailure("--url must be an http or https URL, got '" + url + "' (use `otaclient apply` for local images)", 2);
    }
    String cookieJson = CookieArg.read(cookies);
    try {
      Cookies.parse(cookieJson);
    } catch (dev.otaclient.error.OtaException e) {
      throw new CliFailure("--cookies: " + e.detail(), 2);
    }
    String v = version != null ? version : ApplyCommand.defaultVersion(url);
    List<UpdateRequestEcu> req = new ArrayList<>();
    for (String id : ecus) {
      req.add(new UpdateRequestEcu(id, v, url, cookieJson));
    }
    Target t = Target.parse(target);
    try (OtaClientStub stub = t.connect(Duration.ofSeconds(30))) {
      List<EcuResult> results = stub.update(req);
      if (json && !await) {
        System.out.println(Json.write(results.stream().map(r -> Map.of("ecu_id", r.ecuId(), "result", r.result().name())).toList()));
      } else if (!json) {
        for (EcuResult r : results) {
          System.out.printf("%-12s %s%n", r.ecuId(), r.result() == FailureType.NO_FAILURE ? "accepted" : r.result());
        }
      }
      boolean allAccepted = results.stream().allMatch(r -> r.result() == FailureType.NO_FAILURE);
      if (!await) {
        return allAccepted ? 0 : 1;
      }
      return follow(stub, results) ? 0 : 1;
    }
  }

  /** Polls Status until every accepted ECU is SUCCESS or FAILURE. */
  private boolean follow(OtaClientStub stub, List<EcuResult> accepted) throws InterruptedException {
    List<String> ids = accepted.stream().filter(r -> r.result() == FailureType.NO_FAILURE).map(EcuResult::ecuId).toList();
    long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
    ProgressLine line = new ProgressLine(System.err);
    Map<String, EcuStatus> last = new LinkedHashMap<>();
    boolean sawUpdating = false;
    while (System.nanoTime() < deadline) {
      StatusReport r;
      try {
        r = stub.status();
      } catch (RuntimeException e) {
        Thread.sleep(1000); // the main ECU itself may be rebooting
        continue;
      }
      for (EcuStatus s : r.ecus()) {
        if (ids.contains(s.ecuId())) {
          last.put(s.ecuId(), s);
          if (s.status() == OtaStatus.UPDATING) {
            sawUpdating = true;
            line.show(s);
          }
        }
      }
      boolean done = last.keySet().containsAll(ids)
          && last.values().stream().allMatch(s -> s.status() != OtaStatus.UPDATING && s.status() != OtaStatus.ROLLBACKING)
          && (sawUpdating || last.values().stream().allMatch(StatusCommand::finished));
      if (done) {
        line.finish();
        List<EcuStatus> finals = new ArrayList<>(last.values());
        if (json) {
          System.out.println(Json.write(StatusPrinter.json(finals, r.availableEcuIds())));
        } else {
          StatusPrinter.table(System.out, finals, List.of());
        }
        return finals.stream().allMatch(s -> s.status() == OtaStatus.SUCCESS);
      }
      Thread.sleep(500);
    }
    line.finish();
    throw new CliFailure("timed out after " + timeoutSeconds + " s waiting for " + ids);
  }
}
