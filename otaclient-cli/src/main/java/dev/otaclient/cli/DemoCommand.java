package dev.otaclient.cli;

import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.internal.ecu.EcuInfo;
import dev.otaclient.internal.ecu.EcuNodeSettings;
import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.internal.ecu.StatusReport;
import dev.otaclient.internal.ecu.SecondaryEcu;
import dev.otaclient.internal.ecu.UpdateRequestEcu;
import dev.otaclient.grpc.EcuDaemon;
import dev.otaclient.grpc.OtaClientStub;
import dev.otaclient.internal.image.TrustPolicy;
import dev.otaclient.internal.image.build.ImageBuilder;
import dev.otaclient.internal.image.sign.TestCa;
import dev.otaclient.internal.image.v1.V1ImageBuilder;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.Progress;
import dev.otaclient.internal.update.UpdateRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The whole product in one command on the embedded default: a test CA, images v1 and v2, a static
 * server on loopback, two ECUs (main + one sub-ECU) on directory slots holding v1, one Update for both,
 * live progress, simulated reboots, the final status. Leaves nothing running.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    footerHeading = "%nExamples:%n", footer = {
        "  otaclient demo",
        "  otaclient demo --workdir /tmp/otaclient-demo",
        "  otaclient demo --format v1      # the same with OTA images v1 (OCI layout, index.jwt, SQLite tables)"},
    description = "Run a complete two-ECU update from v1 to v2 on this machine (directory slots, loopback only).")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--workdir", description = "Keep everything here (default: a temporary directory, removed at the end).")
  Path workdir;

  @Option(names = "--format", defaultValue = "legacy",
      description = "Image format of both images: legacy (default) or v1 (one payload per ECU id).")
  String format;

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
    if (!"legacy".equals(format) && !"v1".equals(format)) {
      throw CliFailure.usage("--format " + format + ": must be legacy or v1");
    }
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

    Path www = w.resolve("www");
    if ("v1".equals(format)) {
      step("building and signing OTA images v1 of v1 and v2 (payloads for main and sub, zstd blobs)");
      for (String v : List.of("v1", "v2")) {
        V1ImageBuilder b = V1ImageBuilder.into(www.resolve(v)).compress(true)
            .signWith(ca.signingKey(), List.of(ca.signingCert(), ca.intermediateCert()));
        for (String ecu : List.of("main", "sub")) {
          b.payload(new V1ImageBuilder.PayloadSpec(ecu, "dev", w.resolve("rootfs-" + v), List.of("/etc/hostname")));
        }
        V1ImageBuilder.Result r = b.build();
        System.out.printf("         %s: %d files in 2 payloads, %d blobs, %s%n", v, r.regularFiles(), r.blobs(),
            StatusPrinter.human(r.blobBytes()));
      }
    } else {
      step("building and signing images v1 and v2 (with zstd blobs)");
      for (String v : List.of("v1", "v2")) {
        var r = ImageBuilder.fromRootfs(w.resolve("rootfs-" + v)).outputDir(www.resolve(v))
            .signWith(ca.signingKey(), cert).compress(true).persistents(List.of("/etc/hostname")).build();
        System.out.printf("         %s: %d files, %s, %d zstd blobs%n", v, r.regulars(), StatusPrinter.human(r.totalRegularSize()),
            r.compressedBlobs());
      }
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
            throw CliFailure.ofReason(s.failureReason(), "installing v1 on " + d.info().ecuId());
          }
        }
        String url = server.baseUri().resolve("v2/").toString();
        step("Update(main, sub) to version 2.0 from " + url);
        try (OtaClientStub stub = OtaClientStub.connect("127.0.0.1", main.port(), Duration.ofSeconds(10))) {
          List<UpdateRequestEcu> req = List.of(new UpdateRequestEcu("main", "2.0", url, "{}"),
              new UpdateRequestEcu("sub", "2.0", url, "{}"));
          List<EcuResult> acks = stub.update(req);
          StatusPrinter.answers(System.out, "         ", acks);
          StatusReport end = UpdateWatch.follow(stub, UpdateWatch.accepted(acks), Duration.ofMinutes(2),
              new ProgressLine(System.out, Duration.ofSeconds(2)));
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

  private static EcuDaemon startEcu(Path w, String id, List<EcuDaemon> children, Path certs, EcuNodeSettings settings) {
    List<SecondaryEcu> secondaries = new ArrayList<>();
    List<String> available = new ArrayList<>(List.of(id));
    for (EcuDaemon c : children) {
      secondaries.add(new SecondaryEcu(c.info().ecuId(), "127.0.0.1", c.port()));
      available.add(c.info().ecuId());
    }
    // the demo downloads straight from the loopback server; ota_proxy has its own command
    EcuDaemon.Config c = EcuDaemon.Config.of(new EcuInfo(1, id, "127.0.0.1", secondaries, available), certs,
            w.resolve("ecu-" + id + "/slots"))
        .withProxyCacheDir(w.resolve("ecu-" + id + "/cache")).withNodeSettings(settings);
    return EcuDaemon.start(c);
  }

  private static void step(String s) {
    System.out.println("==> " + s);
  }
}
