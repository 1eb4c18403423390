package dev.otaclient.cli;

import dev.otaclient.internal.boot.BootBackend;
import dev.otaclient.client.BootLoader;
import dev.otaclient.client.OtaClient;
import dev.otaclient.client.UpdateRequest;
import dev.otaclient.internal.ecu.EcuInfo;
import dev.otaclient.internal.ecu.OtaclientSettings;
import dev.otaclient.internal.fetch.Cookies;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.UpdateEvent;
import dev.otaclient.internal.update.RequestRules;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code otaclient apply}: an update of this machine straight from an image. The command a device runs
 * cold, so its model is built by code ({@link #spec()}), not read from annotations (see
 * {@link SharedOptions}).
 */
final class ApplyCommand implements Callable<Integer> {
  String url;
  Path workDir;
  final SharedOptions.ImageVersion version = new SharedOptions.ImageVersion();
  final SharedOptions.CookiesArg cookies = new SharedOptions.CookiesArg();
  final SharedOptions.Device device = new SharedOptions.Device();
  final SharedOptions.LocalEcu ecu = new SharedOptions.LocalEcu();
  final SharedOptions.JsonOutput json = new SharedOptions.JsonOutput();
  final SharedOptions.ProgressOptions progress = new SharedOptions.ProgressOptions();
  final SharedOptions.DownloadRate downloadRate = new SharedOptions.DownloadRate();

  /** picocli's model of a new {@code apply} command. */
  static CommandSpec spec() {
    ApplyCommand c = new ApplyCommand();
    CommandSpec spec = CommandSpec.wrapWithoutInspection(c).name("apply");
    spec.usageMessage()
        .description("Update this machine (or a directory-slot device) straight from an image, no server needed.")
        .footerHeading("%nExamples:%n")
        .footer("  otaclient apply --url /media/usb/image-2.0.tar.zst \\",
            "      --certs /opt/ota/client/certs --boot grub",
            "  otaclient apply --url https://server/images/2.0/ \\",
            "      --state-dir /var/lib/otaclient --progress-every 10");
    spec.addOption(OptionSpec.builder("--url").required(true).paramLabel("URL|DIR|TAR").type(String.class)
        .description("The image: http(s) base URL, directory, file:// URL, .tar or .tar.zst.")
        .setter(SharedOptions.into(String.class, v -> c.url = v)).build());
    spec.addOption(OptionSpec.builder("--work-dir").paramLabel("DIR").type(Path.class)
        .description("Private work area for the image's lists and a decompressed .tar.zst (as large as the image);"
            + " emptied after every run (default <state-dir>/work, not /tmp, which may be too small).")
        .setter(SharedOptions.into(Path.class, v -> c.workDir = v)).build());
    for (SharedOptions.Group g : List.of(new SharedOptions.Help(), c.version, c.cookies, c.device, c.ecu, c.json, c.progress, c.downloadRate)) {
      g.addTo(spec);
    }
    return spec;
  }

  @Override
  public Integer call() throws Exception {
    // the checks an ECU applies to a request, before anything is opened
    String ecuId = ecu.id();
    String v = version.orDefaultFor(url);
    String cookieJson = cookies.json();
    RequestArgs.refuse(RequestRules.localEntry(v, url, cookieJson));
    version.requireFound(v, url);
    UpdateRequest request = UpdateRequest.of(url).withVersion(v);
    for (var c : Cookies.parse(cookieJson).values().entrySet()) {
      request = request.withCookie(c.getKey(), c.getValue());
    }

    device.requireCerts();
    BootBackend backend = device.backend(() -> EcuInfo.load(ecu.configDir.resolve("ecu_info.yaml")));
    OtaclientSettings own = downloadRate.over(ecu.settings());
    OtaClient.Builder builder = OtaClient.builder().ecuId(ecuId).trustedCertificates(device.certs)
        .workDir(workDir != null ? workDir : device.stateDir.resolve("work"))
        .releaseKey(own.releaseKey()).maxDownloadRate(own.maxDownloadRate().orElse(0));
    switch (backend) {
      case DIRECTORY -> builder.directorySlots(device.stateDir);
      case GRUB -> builder.bootLoader(BootLoader.GRUB);
      case GRUB_LEGACY -> builder.bootLoader(BootLoader.GRUB_LEGACY);
      case JETSON_CBOOT -> builder.bootLoader(BootLoader.JETSON_CBOOT);
      case JETSON_UEFI -> builder.bootLoader(BootLoader.JETSON_UEFI);
      case RPI_TRYBOOT -> builder.bootLoader(BootLoader.RPI_TRYBOOT);
    }
    OtaClient client = builder.build();
    EcuStatus end;
    try (ProgressLine line = progress.line()) {
      // every kind of event moves the display: phases, files placed, and bytes while files download
      for (Class<? extends UpdateEvent> type : List.of(UpdateEvent.StatusChanged.class, UpdateEvent.PhaseChanged.class,
          UpdateEvent.FilesProcessed.class, UpdateEvent.BytesDownloaded.class)) {
        client.on(type, e -> {
          EcuStatus now = client.status();
          if (now.status() == OtaStatus.UPDATING) {
            line.show(now);
          }
        });
      }
      end = client.update(request);
    }
    // Directory slots switch in-process, so the end is the new slot's status; a real backend reboots
    // the machine, so reaching this line without a failure means the switch is armed.
    boolean failed = end.status() == OtaStatus.FAILURE
        || backend == BootBackend.DIRECTORY && !(end.status() == OtaStatus.SUCCESS && end.version().equals(v));
    if (json.enabled) {
      var m = StatusJson.ecu(end);
      client.lastCompletedBuild().ifPresent(p -> m.put("update_progress", StatusJson.progress(p)));
      System.out.println(Json.write(m));
    } else if (!failed) {
      StatusPrinter.table(System.out, List.of(end), List.of());
      client.lastCompletedBuild().ifPresent(p -> System.out.println("update: " + StatusPrinter.rateAndEta(p)));
    }
    if (failed) {
      throw end.failureReason().isEmpty()
          ? CliFailure.failed("failed", "the update ended " + end.status() + " with version '" + end.version() + "'")
          : CliFailure.ofReason(end.failureReason(), "");
    }
    return 0;
  }
}
