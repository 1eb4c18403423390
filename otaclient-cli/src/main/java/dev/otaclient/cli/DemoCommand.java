package dev.otaclient.cli;

import dev.otaclient.boot.BootBackend;
import dev.otaclient.boot.DirectorySlotController;
import dev.otaclient.ecu.EcuNodeSettings;
import dev.otaclient.ecu.EcuResult;
import dev.otaclient.ecu.StatusReport;
import dev.otaclient.ecu.UpdateRequestEcu;
import dev.otaclient.error.FailureType;
import dev.otaclient.fs.AtomicFiles;
import dev.otaclient.grpc.EcuDaemon;
import dev.otaclient.grpc.OtaClientStub;
import dev.otaclient.image.TrustPolicy;
import dev.otaclient.image.build.ImageBuilder;
import dev.otaclient.image.sign.TestCa;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.Progress;
import dev.otaclient.update.UpdateRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The whole product in one command on the embedded default: a test CA, images v1 and v2, a static
 * server on loopback, two ECUs (main + one sub-ECU) on directory slots holding v1, one Update for both,
 * live progress, simulated reboots, the final status. Leaves nothing running.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run a complete two-ECU update from v1 to v2 on this machine (directory slots, loopback only).")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--workdir", description = "Keep everything here (default: a temporary directory, removed at the end).")
  Path workdir;

  @Override
  public Integer call() throws Exception {
    boolean temporary = workdir == null;
    Path w = temporary ? Files.createTempDirectory("otaclient-demo") : Files.createDirectories(workdir);
    long t0 = System.nanoTime();
    try {
      return run(w, t0);
    } finally {
      if (temporary) {
        AtomicFiles.deleteTree(w);
      }
    }
  }

  private int run(Path w, long t0) throws Exception {
    step("creating a test CA (root -> intermediate -> signing certificate)");
    TestCa ca = TestCa.create("otaclient-demo", Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(30)));
    Path certs = w.resolve("certs");
    ca.installInto(certs, "demo");
    Path cert = w.resolve("sign.pem");
    ca.writeSigningMaterial(w.resolve("sign.key"), cert);

    step("generating rootfs v1 and v2");
    Path v1 = w.resolve("rootfs-v1");
    Path v2 = w.resolve("rootfs-v2");
    DemoRootfs.v1(v1);
    DemoRootfs.v2(v1, v2);

    step("building and signing images v1 and v2 (with zstd blobs)");
    Path www = w.resolve("www");
    for (String v : List.of("v1", "v2")) {
      var r = ImageBuilder.fromRootfs(w.resolve("rootfs-" + v)).outputDir(www.resolve(v))
          .signWith(ca.signingKey(), cert).compress(true).persistents(List.of("/etc/hostname")).build();
      System.out.printf("         %s: %d files, %s, %d zstd blobs%n", v, r.regulars(), StatusPrinter.human(r.totalRegularSize()),
          r.compressedBlobs());
    }

    try (StaticServer server = StaticServer.start(www, "127.0.0.1", 0)) {
      step("serving images at " + server.baseUri());
      EcuNodeSettings fast = new EcuNodeSettings(Duration.ofSeconds(6), Duration.ofMillis(300), Duration.ofSeconds(2),
          Duration.ofSeconds(2), Duration.ofMinutes(2));
      try (EcuDaemon sub = startEcu(w, "sub", List.of(), certs, fast);
           EcuDaemon main = startEcu(w, "main", List.of(sub), certs, fast)) {
        step("ECUs up: main on 127.0.0.1:" + main.port() + ", sub on 127.0.0.1:" + sub.port());
        step("installing v1 on both (local apply)");
        for (EcuDaemon d : List.of(main, sub)) {
          EcuStatus s = d.client().update(UpdateRequest.of("1.0", www.resolve("v1").toString(), "{}"));
          if (s.status() != OtaStatus.SUCCESS) {
            throw new CliFailure("installing v1 on " + d.info().ecuId() + " failed: " + s.failureReason());
          }
        }
        String url = server.baseUri().resolve("v2/").toString();
        step("Update(main, sub) to version 2.0 from " + url);
        try (OtaClientStub stub = OtaClientStub.connect("127.0.0.1", main.port(), Duration.ofSeconds(10))) {
          List<UpdateRequestEcu> req = List.of(new UpdateRequestEcu("main", "2.0", url, "{}"),
              new UpdateRequestEcu("sub", "2.0", url, "{}"));
          List<EcuResult> acks = stub.update(req);
          for (EcuResult r : acks) {
            System.out.printf("         %-5s %s%n", r.ecuId(), r.result() == FailureType.NO_FAILURE ? "accepted" : r.result());
          }
          follow(stub);
          StatusReport end = stub.status();
          System.out.println();
          StatusPrinter.table(System.out, end.ecus(), end.availableEcuIds());
          System.out.println();
          for (EcuDaemon d : List.of(main, sub)) {
            Progress p = d.client().lastCompletedBuild().orElseThrow();
            System.out.printf("%-5s copied %d files (%s), hard-linked %d, downloaded %d (%s on the wire), %d download errors%n",
                d.info().ecuId(), p.filesProcessedCopy(), StatusPrinter.human(p.fileSizeProcessedCopy()), p.filesProcessedLink(),
                p.filesProcessedDownload(), StatusPrinter.human(p.downloadBytes()), p.errorsDownload());
          }
          boolean ok = end.ecus().size() == 2
              && end.ecus().stream().allMatch(s -> s.status() == OtaStatus.SUCCESS && s.version().equals("2.0"));
          System.out.printf("%ndemo %s in %.1f s%n", ok ? "succeeded: both ECUs run version 2.0" : "FAILED",
              (System.nanoTime() - t0) / 1e9);
          return ok ? 0 : 1;
        }
      }
    }
  }

  private static EcuDaemon startEcu(Path w, String id, List<EcuDaemon> children, Path certs, EcuNodeSettings settings)
      throws Exception {
    Path cfg = Files.createDirectories(w.resolve("ecu-" + id + "/config"));
    StringBuilder yaml = new StringBuilder("format_version: 1\necu_id: \"" + id + "\"\nip_addr: \"127.0.0.1\"\n");
    if (!children.isEmpty()) {
      yaml.append("secondaries:\n");
      for (EcuDaemon c : children) {
        yaml.append("  - ecu_id: \"").append(c.info().ecuId()).append("\"\n    ip_addr: \"127.0.0.1\"\n    port: ")
            .append(c.port()).append('\n');
      }
      yaml.append("available_ecu_ids:\n  - \"").append(id).append("\"\n");
      for (EcuDaemon c : children) {
        yaml.append("  - \"").append(c.info().ecuId()).append("\"\n");
      }
    }
    Files.writeString(cfg.resolve("ecu_info.yaml"), yaml);
    // the demo downloads straight from the loopback server; ota_proxy has its own command
    Files.writeString(cfg.resolve("proxy_info.yaml"), "enable_local_ota_proxy: false\n");
    EcuDaemon.Config c = EcuDaemon.Config.defaults(cfg, certs, w.resolve("ecu-" + id + "/slots"))
        .withBackend(BootBackend.DIRECTORY).withPort(0).withSlotOptions(DirectorySlotController.Options.defaults())
        .withProxyCacheDir(w.resolve("ecu-" + id + "/cache")).withNodeSettings(settings);
    return EcuDaemon.start(c);
  }

  /** Prints live progress until both ECUs finished; returns the last progress seen per ECU. */
  private static Map<String, Progress> follow(OtaClientStub stub) throws InterruptedException {
    ProgressLine line = new ProgressLine(System.out);
    Map<String, Progress> last = new HashMap<>();
    Map<String, OtaStatus> state = new HashMap<>();
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (System.nanoTime() < deadline) {
      StatusReport r = stub.status();
      List<String> done = new ArrayList<>();
      for (EcuStatus s : r.ecus()) {
        s.progress().ifPresent(p -> last.put(s.ecuId(), p));
        if (state.get(s.ecuId()) != s.status()) {
          state.put(s.ecuId(), s.status());
        }
        if (s.status() == OtaStatus.UPDATING) {
          line.show(s);
        } else if (last.containsKey(s.ecuId())) {
          done.add(s.ecuId());
        }
      }
      if (done.size() == 2) {
        line.finish();
        return last;
      }
      Thread.sleep(200);
    }
    line.finish();
    throw new CliFailure("the demo update did not finish within 2 minutes");
  }

  private static void step(String s) {
    System.out.println("==> " + s);
  }
}
