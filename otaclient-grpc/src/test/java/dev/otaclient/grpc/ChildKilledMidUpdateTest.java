package dev.otaclient.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.boot.BootBackend;
import dev.otaclient.ecu.EcuNodeSettings;
import dev.otaclient.ecu.StatusReport;
import dev.otaclient.ecu.UpdateRequestEcu;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.FaultyHttpServer;
import dev.otaclient.testing.FaultyHttpServer.Fault;
import dev.otaclient.testing.Nginx;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sub-ECU process SIGKILLed in the middle of its update and restarted: it reports FAILURE (the new
 * slot never booted), the main ECU stops waiting for it and finishes, and a new Update resumes it.
 */
class ChildKilledMidUpdateTest {
  @TempDir Path tmp;

  @Test
  void killedChildReportsFailureParentFinishesAndARetryCompletes() throws Exception {
    assumeTrue(Nginx.available(), "nginx not installed");
    SampleImage image = SampleImage.create(tmp);
    Path certs = image.certs();
    int childPort = SampleImage.freePort();
    Path childCfg = Files.createDirectories(tmp.resolve("child"));
    Files.writeString(childCfg.resolve("ecu_info.yaml"), "ecu_id: \"sub\"\nip_addr: \"127.0.0.1\"\n");
    Files.writeString(childCfg.resolve("proxy_info.yaml"), "enable_local_ota_proxy: false\n");
    Path mainCfg = Files.createDirectories(tmp.resolve("main"));
    Files.writeString(mainCfg.resolve("ecu_info.yaml"), "ecu_id: \"main\"\nip_addr: \"127.0.0.1\"\n"
        + "secondaries:\n  - {ecu_id: \"sub\", ip_addr: \"127.0.0.1\", port: " + childPort + "}\n"
        + "available_ecu_ids: [\"main\", \"sub\"]\n");
    Files.writeString(mainCfg.resolve("proxy_info.yaml"), "enable_local_ota_proxy: false\n");

    try (Nginx nginx = Nginx.serve(tmp.resolve("www"));
         FaultyHttpServer slow = FaultyHttpServer.proxyingTo(nginx.baseUri())) {
      // slow enough that the child is still downloading when it is killed
      slow.byDefault(attempt -> Fault.drip(256, Duration.ofMillis(20)));
      Process child = startChild(childCfg, certs, childPort);
      try (EcuDaemon main = EcuDaemon.start(EcuDaemon.Config.fromDirectory(mainCfg, certs, mainCfg.resolve("slots"))
               .withBackend(BootBackend.DIRECTORY).withPort(0).withProxyCacheDir(mainCfg.resolve("cache"))
               .withNodeSettings(new EcuNodeSettings(Duration.ofSeconds(6), Duration.ofMillis(200), Duration.ofSeconds(1),
                   Duration.ofSeconds(2), Duration.ofSeconds(30))));
           OtaClientStub stub = OtaClientStub.connect("127.0.0.1", main.port(), Duration.ofSeconds(10))) {
        String url = slow.baseUri().resolve("v2/").toString();
        stub.update(List.of(new UpdateRequestEcu("main", "2.0", url, "{}"), new UpdateRequestEcu("sub", "2.0", url, "{}")));
        await(stub, r -> ecu(r, "sub").filter(s -> s.status() == OtaStatus.UPDATING && s.progress().isPresent()
            && s.progress().get().regularFilesProcessed() > 0).isPresent(), Duration.ofSeconds(60));
        child.destroyForcibly().waitFor();

        Process restarted = startChild(childCfg, certs, childPort);
        try {
          StatusReport after = await(stub, r -> ecu(r, "sub").map(s -> s.status() == OtaStatus.FAILURE).orElse(false)
              && ecu(r, "main").map(s -> s.status() == OtaStatus.SUCCESS).orElse(false), Duration.ofSeconds(90));
          EcuStatus sub = ecu(after, "sub").orElseThrow();
          assertThat(sub.failureReason()).isNotEmpty();
          assertThat(sub.version()).isNotEqualTo("2.0");
          assertThat(ecu(after, "main").orElseThrow().version()).isEqualTo("2.0");

          // the retry resumes the child from what it had placed
          slow.byDefault(attempt -> Fault.none());
          stub.update(List.of(new UpdateRequestEcu("sub", "2.0", nginx.baseUri().resolve("v2/").toString(), "{}")));
          StatusReport done = await(stub, r -> ecu(r, "sub").map(s -> s.status() == OtaStatus.SUCCESS).orElse(false),
              Duration.ofSeconds(60));
          assertThat(ecu(done, "sub").orElseThrow().version()).isEqualTo("2.0");
        } finally {
          restarted.destroyForcibly().waitFor();
        }
      } finally {
        child.destroyForcibly().waitFor();
      }
    }
  }

  private static Optional<EcuStatus> ecu(StatusReport r, String id) {
    return r.ecus().stream().filter(s -> s.ecuId().equals(id)).findFirst();
  }

  private static StatusReport await(OtaClientStub stub, Predicate<StatusReport> done, Duration limit) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    StatusReport last = null;
    while (System.nanoTime() < deadline) {
      last = stub.status();
      if (done.test(last)) {
        return last;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("condition not reached within " + limit + "; last status " + last);
  }

  private static Process startChild(Path cfg, Path certs, int port) throws Exception {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), DaemonMain.class.getName(),
        cfg.toString(), certs.toString(), cfg.resolve("slots").toString(), String.valueOf(port))
        .redirectErrorStream(true).start();
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = r.readLine()) != null) {
      if (line.startsWith("READY")) {
        Thread drain = new Thread(() -> {
          try {
            r.transferTo(java.io.Writer.nullWriter());
          } catch (java.io.IOException ignored) {
            // process ended
          }
        });
        drain.setDaemon(true);
        drain.start();
        return p;
      }
    }
    throw new AssertionError("child daemon did not start");
  }

}
