package dev.otaclient.cli;

import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.grpc.EcuDaemon;
import dev.otaclient.internal.update.ClientUpdateSettings;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true,
    footerHeading = "%nExamples:%n", footer = {
        "  otaclient serve --config-dir /boot/ota \\",
        "      --certs /opt/ota/client/certs --boot grub",
        "  otaclient serve --boot directory --state-dir /var/lib/otaclient \\",
        "      --log-format json"},
    description = "Run the OTA client daemon of this ECU: finalise the last update, then serve gRPC.")
final class ServeCommand implements Callable<Integer>, Main.Daemon, SharedOptions.Grouped {
  @Option(names = "--config-dir", defaultValue = "/boot/ota",
      description = "Holds ecu_info.yaml, proxy_info.yaml, tls.yaml, otaclient.yaml (default ${DEFAULT-VALUE}).")
  Path configDir;

  final SharedOptions.DownloadRate downloadRate = new SharedOptions.DownloadRate();

  final SharedOptions.Device device = new SharedOptions.Device();

  @Option(names = "--port", defaultValue = "50051", description = "gRPC port (default ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--proxy-cache-dir", defaultValue = "/ota-cache", description = "ota_proxy cache (default ${DEFAULT-VALUE}).")
  Path proxyCacheDir;

  @Option(names = "--exit-on-reboot",
      description = "Directory slots: exit instead of rebooting in-process; a supervisor restarts the daemon.")
  boolean exitOnReboot;

  @Option(names = "--client-dir", paramLabel = "DIR",
      description = "Where ClientUpdate installs releases of this client (releases/<version>/otaclient.jar and the"
          + " 'current' link the service runs; default /opt/ota/client/java).")
  Path clientDir;

  @Option(names = "--client-restart", paramLabel = "COMMAND",
      description = "Command (split at spaces) that restarts the client into a release ClientUpdate installed;"
          + " '' for none: the release then starts with the next start of the service"
          + " (default: systemctl --no-block restart otaclient.service).")
  String clientRestart;

  @Option(names = "--lock-file", description = "Single-instance lock (default <state-dir>/otaclient.lock).")
  Path lockFile;

  @Override
  public List<SharedOptions.Group> groups() {
    return List.of(downloadRate, device);
  }

  @Override
  public Integer call() throws Exception {
    SharedOptions.existingDirectory("--config-dir", configDir);
    Files.createDirectories(device.stateDir);
    Path lock = lockFile != null ? lockFile : device.stateDir.resolve("otaclient.lock");
    try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
         FileLock held = tryLock(ch, lock)) {
      DirectorySlotController.Options slots = exitOnReboot
          ? DirectorySlotController.Options.defaults().withExitProcess(() -> System.exit(0))
          : DirectorySlotController.Options.defaults();
      EcuDaemon.Config cfg = EcuDaemon.Config.fromDirectory(configDir, device.certs, device.stateDir, device.override())
          .withPort(port).withSlotOptions(slots).withProxyCacheDir(proxyCacheDir)
          .withClientUpdate(clientUpdate());
      cfg = cfg.withSettings(downloadRate.over(cfg.settings()));
      ServeReport.log(configDir, cfg, proxyCacheDir);
      CountDownLatch stop = new CountDownLatch(1);
      try (SystemdNotify systemd = SystemdNotify.fromEnvironment(System.getenv());
           EcuDaemon daemon = EcuDaemon.start(cfg)) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          systemd.close();
          daemon.close();
          stop.countDown();
        }, "otaclient-shutdown"));
        String id = daemon.info().ecuId();
        systemd.ready("ECU " + id + " serving on " + daemon.info().ipAddr() + ":" + daemon.port() + ", "
            + daemon.client().status().status(), () -> daemon.client().status() != null);
        daemon.client().addListener(s -> systemd.status("ECU " + id + ": " + s.status()
            + s.progress().map(p -> " (" + p.phase() + ")").orElse("")
            + (s.failureReason().isEmpty() ? "" : ": " + s.failureReason())));
        stop.await();
      }
    }
    return 0;
  }

  private static FileLock tryLock(FileChannel ch, Path lock) throws IOException {
    FileLock l = ch.tryLock();
    if (l == null) {
      throw CliFailure.failed(CliFailure.BUSY, "another otaclient daemon holds " + lock);
    }
    return l;
  }

  /** The defaults of {@link ClientUpdateSettings}, each replaced by its option when given. */
  private ClientUpdateSettings clientUpdate() {
    ClientUpdateSettings d = ClientUpdateSettings.defaults();
    List<String> restart = clientRestart == null ? d.restartCommand()
        : clientRestart.isBlank() ? List.of() : List.of(clientRestart.strip().split("\\s+"));
    return new ClientUpdateSettings(clientDir == null ? d.clientDir() : clientDir, restart);
  }
}
