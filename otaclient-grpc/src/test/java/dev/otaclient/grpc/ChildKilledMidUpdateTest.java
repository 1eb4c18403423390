package dev.otaclient.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.internal.ecu.EcuNodeSettings;
import dev.otaclient.internal.ecu.SecondaryEcu;
import dev.otaclient.internal.ecu.StatusReport;
import dev.otaclient.internal.ecu.UpdateRequestEcu;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.Await;
import dev.otaclient.testing.FaultyHttpServer;
import dev.otaclient.testing.FaultyHttpServer.Fault;
import dev.otaclient.testing.JavaChild;
import dev.otaclient.testing.Nginx;
import dev.otaclient.testing.ReservedPort;
import dev.otaclient.testing.SignedImageFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
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
    SignedImageFixture images = SignedImageFixture.create("tree", tmp);
    images.sampleV1("v2");
    Path certs = images.cas();
    // The child's port is held for the whole test: its restart gets the same port back for sure.
    try (ReservedPort childPort = ReservedPort.reserve();
         Nginx nginx = Nginx.serve(images.www());
         FaultyHttpServer held = FaultyHttpServer.proxyingTo(nginx.baseUri())) {
      Path childCfg = TestDaemons.configDir(tmp.resolve("child"), "sub", List.of(), TestDaemons.NO_PROXY);
      Path mainCfg = TestDaemons.configDir(tmp.resolve("main"), "main",
          List.of(new SecondaryEcu("sub", "127.0.0.1", childPort.port())), TestDaemons.NO_PROXY);
      // One file download of the child goes through, the others wait at a gate that never opens: the
      // child has placed something and is surely mid-update when it is killed.
      FaultyHttpServer.Gate never = new FaultyHttpServer.Gate();
      AtomicInteger blobs = new AtomicInteger();
      held.byDefault((path, attempt) -> !path.contains("/data/") && !path.contains("/data.zst/") ? Fault.none()
          : blobs.incrementAndGet() == 1 ? Fault.none() : Fault.holdAfter(0, never));
      Process child = startChild(childCfg, certs, childPort.port());
      try (EcuDaemon main = TestDaemons.start(mainCfg, certs, 0, new EcuNodeSettings(Duration.ofSeconds(6),
               Duration.ofMillis(200), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(30)));
           OtaClientStub stub = OtaClientStub.connect("127.0.0.1", main.port(), Duration.ofSeconds(10))) {
        stub.update(List.of(new UpdateRequestEcu("main", "2.0", nginx.baseUri().resolve("v2/").toString(), "{}"),
            new UpdateRequestEcu("sub", "2.0", held.baseUri().resolve("v2/").toString(), "{}")));
        await(stub, "sub updating, past its first file", r -> ecu(r, "sub").filter(s -> s.status() == OtaStatus.UPDATING
            && s.progress().map(p -> p.regularFilesProcessed() > 0).orElse(false)).isPresent());
        never.awaitReached(1);
        child.destroyForcibly().waitFor();

        Process restarted = startChild(childCfg, certs, childPort.port());
        try {
          StatusReport after = await(stub, "sub FAILURE and main SUCCESS",
              r -> ecu(r, "sub").map(s -> s.status() == OtaStatus.FAILURE).orElse(false)
                  && ecu(r, "main").map(s -> s.status() == OtaStatus.SUCCESS).orElse(false));
          EcuStatus sub = ecu(after, "sub").orElseThrow();
          assertThat(sub.failureReason()).isNotEmpty();
          assertThat(sub.version()).isNotEqualTo("2.0");
          assertThat(ecu(after, "main").orElseThrow().version()).isEqualTo("2.0");

          // the retry resumes the child from what it had placed
          stub.update(List.of(new UpdateRequestEcu("sub", "2.0", nginx.baseUri().resolve("v2/").toString(), "{}")));
          StatusReport done = await(stub, "sub SUCCESS",
              r -> ecu(r, "sub").map(s -> s.status() == OtaStatus.SUCCESS).orElse(false));
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

  private static StatusReport await(OtaClientStub stub, String what, Predicate<StatusReport> done) {
    return Await.value(what, Duration.ofSeconds(120), stub::status, done);
  }

  private static Process startChild(Path cfg, Path certs, int port) {
    Process p = JavaChild.start(DaemonMain.class, List.of(), List.of(cfg.toString(), certs.toString(),
        String.valueOf(port)));
    JavaChild.awaitLine(p, "READY");
    return p;
  }
}
