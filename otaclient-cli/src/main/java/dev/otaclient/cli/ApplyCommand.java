package dev.otaclient.cli;

import dev.otaclient.boot.BootBackend;
import dev.otaclient.boot.BootController;
import dev.otaclient.boot.DirectorySlotController;
import dev.otaclient.image.CaStore;
import dev.otaclient.image.TrustPolicy;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.update.OtaClient;
import dev.otaclient.update.UpdateRequest;
import dev.otaclient.update.UpdateSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "apply",     description = "Update this machine (or a directory-slot device) straight from an image, no server needed.")
final class ApplyCommand implements Callable<Integer> {
  @Option(names = "--url", required = true, paramLabel = "URL|DIR|TAR",
      description = "The image: http(s) base URL, directory, file:// URL, .tar or .tar.zst.")
  String url;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
  boolean help;

  // --version is the image version here, as the command line says; `otaclient --version` prints ours
  @Option(names = "--version", description = "Version to record (default: the image location's last path element).")
  String version;

  @Option(names = "--cookies", defaultValue = "{}", description = "Cookies as a JSON object (or @file).")
  String cookies;

  @Option(names = "--certs", defaultValue = "/opt/ota/client/certs",
      description = "CA store directory (default ${DEFAULT-VALUE}).")
  Path certs;

  @Option(names = "--state-dir", description = "Directory-slot device state root (the default backend).",
      defaultValue = "/var/lib/otaclient")
  Path stateDir;

  @Option(names = "--boot", defaultValue = "directory", description = "Boot backend: directory, grub, jetson-cboot.")
  String boot;

  @Option(names = "--ecu-id", defaultValue = "autoware", description = "ECU id to report (default ${DEFAULT-VALUE}).")
  String ecuId;

  @Option(names = "--json", description = "Print the final status (with progress counters) as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    BootBackend backend = BootBackend.parse(boot);
    BootController controller = backend.open(stateDir, DirectorySlotController.Options.defaults());
    OtaClient client = new OtaClient(ecuId, controller,
        UpdateSettings.defaults(CaStore.load(certs)).withTrustPolicy(TrustPolicy.REQUIRE_CA));
    client.start();
    String v = version != null ? version : defaultVersion(url);
    ProgressLine line = new ProgressLine(System.err);
    client.addListener(s -> {
      if (s.status() == OtaStatus.UPDATING) {
        line.show(s);
      }
    });
    EcuStatus end = client.update(UpdateRequest.of(v, url, CookieArg.read(cookies)));
    line.finish();
    if (json) {
      var m = StatusPrinter.json(end);
      client.lastCompletedBuild().ifPresent(p -> m.put("update_progress",
          StatusPrinter.json(new EcuStatus(ecuId, OtaStatus.UPDATING, end.failure(), "", v, java.util.Optional.of(p)))
              .get("progress")));
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

  static String defaultVersion(String url) {
    String s = url.replaceAll("/+$", "");
    int i = s.lastIndexOf('/');
    return i >= 0 ? s.substring(i + 1) : s;
  }
}
