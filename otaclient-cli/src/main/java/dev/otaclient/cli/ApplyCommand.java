package dev.otaclient.cli;

import dev.otaclient.internal.boot.BootBackend;
import dev.otaclient.client.BootLoader;
import dev.otaclient.client.OtaClient;
import dev.otaclient.client.UpdateRequest;
import dev.otaclient.internal.fetch.Cookies;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.UpdateEvent;
import dev.otaclient.internal.update.RequestRules;
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
    UpdateRequest request = UpdateRequest.of(url).withVersion(v);
    for (var c : Cookies.parse(cookieJson).values().entrySet()) {
      request = request.withCookie(c.getKey(), c.getValue());
    }

    BootBackend backend = device.backend();
    OtaClient.Builder builder = OtaClient.builder().ecuId(ecuId).trustedCertificates(device.certs);
    switch (backend) {
      case DIRECTORY -> builder.directorySlots(device.stateDir);
      case GRUB -> builder.bootLoader(BootLoader.GRUB);
      case GRUB_LEGACY -> builder.bootLoader(BootLoader.GRUB_LEGACY);
      case JETSON_CBOOT -> builder.bootLoader(BootLoader.JETSON_CBOOT);
      case JETSON_UEFI -> builder.bootLoader(BootLoader.JETSON_UEFI);
      case RPI_TRYBOOT -> builder.bootLoader(BootLoader.RPI_TRYBOOT);
    }
    OtaClient client = builder.build();
    ProgressLine line = new ProgressLine(System.err);
    client.on(UpdateEvent.StatusChanged.class, e -> {
      if (e.status().status() == OtaStatus.UPDATING) {
        line.show(e.status());
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
