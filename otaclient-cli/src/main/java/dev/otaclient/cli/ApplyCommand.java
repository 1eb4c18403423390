package dev.otaclient.cli;

import dev.otaclient.boot.BootBackend;
import dev.otaclient.boot.BootController;
import dev.otaclient.boot.DirectorySlotController;
import dev.otaclient.image.CaStore;
import dev.otaclient.image.TrustPolicy;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.update.OtaClient;
import dev.otaclient.update.RequestRules;
import dev.otaclient.update.UpdateRequest;
import dev.otaclient.update.UpdateSettings;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "apply",     description = "Update this machine (or a directory-slot device) straight from an image, no server needed.")
final class ApplyCommand implements Callable<Integer> {
  @Option(names = "--url", required = true, paramLabel = "URL|DIR|TAR",
      description = "The image: http(s) base URL, directory, file:// URL, .tar or .tar.zst.")
  String url;

  @Mixin SharedOptions.Help help;

  @Mixin SharedOptions.ImageVersion version;

  @Mixin SharedOptions.CookiesArg cookies;

  @Mixin SharedOptions.Device device;

  @Option(names = "--ecu-id", defaultValue = "autoware", description = "ECU id to report (default ${DEFAULT-VALUE}).")
  String ecuId;

  @Mixin SharedOptions.JsonOutput json;

  @Override
  public Integer call() throws Exception {
    // the checks an ECU applies to a request, before anything is opened
    RequestArgs.refuse("--ecu-id", RequestRules.ecuId(ecuId));
    String v = version.orDefaultFor(url);
    String cookieJson = cookies.json();
    RequestArgs.refuse(RequestRules.localEntry(v, url, cookieJson));
    version.requireFound(v, url);
    UpdateRequest request = UpdateRequest.of(v, url, cookieJson);

    BootBackend backend = device.backend();
    BootController controller = backend.open(device.stateDir, DirectorySlotController.Options.defaults());
    OtaClient client = new OtaClient(ecuId, controller,
        UpdateSettings.defaults(CaStore.load(device.certs)).withTrustPolicy(TrustPolicy.REQUIRE_CA));
    client.start();
    ProgressLine line = new ProgressLine(System.err);
    client.addListener(s -> {
      if (s.status() == OtaStatus.UPDATING) {
        line.show(s);
      }
    });
    EcuStatus end = client.update(request);
    line.finish();
    if (json.enabled) {
      var m = StatusJson.ecu(end);
      client.lastCompletedBuild().ifPresent(p -> m.put("update_progress", StatusJson.progress(p)));
      System.out.println(Json.write(m));
    } else {
      StatusPrinter.table(System.out, List.of(end), List.of());
      client.lastCompletedBuild().ifPresent(p -> System.out.println("update: " + StatusPrinter.rateAndEta(p)));
    }
    boolean ok = end.status() == OtaStatus.SUCCESS && end.version().equals(v);
    if (!ok && backend == BootBackend.DIRECTORY) {
      return 1;
    }
    // A real backend reboots the machine; reaching this line means the switch is armed.
    return end.status() == OtaStatus.FAILURE ? 1 : 0;
  }
}
