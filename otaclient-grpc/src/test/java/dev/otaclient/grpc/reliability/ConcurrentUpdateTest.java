package dev.otaclient.grpc.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.boot.DirectorySlotController;
import dev.otaclient.ecu.EcuInfo;
import dev.otaclient.ecu.EcuNode;
import dev.otaclient.ecu.EcuNodeSettings;
import dev.otaclient.ecu.EcuResult;
import dev.otaclient.ecu.OtaClientEcu;
import dev.otaclient.ecu.StatusReport;
import dev.otaclient.ecu.UpdateRequestEcu;
import dev.otaclient.error.FailureType;
import dev.otaclient.grpc.GrpcEcuTransport;
import dev.otaclient.grpc.GrpcServer;
import dev.otaclient.grpc.OtaClientGrpcService;
import dev.otaclient.grpc.OtaClientStub;
import dev.otaclient.grpc.TlsConfig;
import dev.otaclient.image.CaStore;
import dev.otaclient.image.build.ImageBuilder;
import dev.otaclient.image.sign.TestCa;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.Progress;
import dev.otaclient.testing.Nginx;
import dev.otaclient.testing.SampleRootfs;
import dev.otaclient.testing.TreeSnapshot;
import dev.otaclient.update.OtaClient;
import dev.otaclient.update.UpdateSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Suite 6, concurrency, over real gRPC: {@code OtaClientGrpcService} + {@code EcuNode} +
 * {@code OtaClientEcu} over a real {@code OtaClient} on directory slots, the image served by nginx.
 * 50 Update calls released at once: exactly one is accepted, the other 49 answer RECOVERABLE. Status
 * is hammered from four threads during the whole update: every answer is well-formed (a valid status
 * and phase, progress present while UPDATING, never FAILURE), the counters each thread sees never go
 * backwards, and it stays fast (p50/p99 reported; only a generous bound is asserted).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ConcurrentUpdateTest {
  static final int CALLS = 50;
  static final int STATUS_THREADS = 4;

  @Test
  void fiftyConcurrentUpdatesOneAcceptedWhileStatusStaysCorrectAndFast(@TempDir Path tmp) throws Exception {
    assumeTrue(Nginx.available(), "nginx not installed");
    assumeTrue("root".equals(System.getProperty("user.name")), "the sample rootfs needs root (chown)");
    TestCa ca = TestCa.create("concurrency", Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(1)));
    ca.installInto(tmp.resolve("cas"), "1");
    Path cert = tmp.resolve("sign.pem");
    ca.writeSigningMaterial(tmp.resolve("sign.key"), cert);
    Path rootfs = SampleRootfs.create(tmp.resolve("rootfs"));
    addFiles(rootfs.resolve("usr/share/bulk"), 400);
    ImageBuilder.fromRootfs(rootfs).outputDir(tmp.resolve("www/v2")).signWith(ca.signingKey(), cert).compress(true).build();

    List<AutoCloseable> open = new ArrayList<>();
    try (Nginx nginx = Nginx.serve(tmp.resolve("www"))) {
      Path state = tmp.resolve("state");
      OtaClient client = new OtaClient("main", new DirectorySlotController(state),
          UpdateSettings.defaults(CaStore.load(tmp.resolve("cas"))).withThreads(2, 2));
      client.start();
      EcuInfo info = new EcuInfo(1, "main", "127.0.0.1", List.of(), List.of("main"));
      GrpcEcuTransport transport = new GrpcEcuTransport();
      EcuNode node = new EcuNode(info, new OtaClientEcu(client), transport, EcuNodeSettings.defaults());
      GrpcServer server = GrpcServer.forEcu(info, 0, OtaClientGrpcService.forNode(node), TlsConfig.DISABLED);
      open.add(transport);
      open.add(node);
      open.add(server);
      server.start();
      node.start();
      List<OtaClientStub> stubs = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        OtaClientStub stub = OtaClientStub.connect("127.0.0.1", server.port(), Duration.ofSeconds(30));
        open.add(stub);
        stubs.add(stub);
        stub.status(); // connected before the race starts
      }
      String url = nginx.baseUri().resolve("v2/").toString();

      // status hammer: runs from before the first Update until the update is confirmed
      AtomicBoolean stop = new AtomicBoolean();
      List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
      List<String> violations = new CopyOnWriteArrayList<>();
      List<OtaStatus> seen = new CopyOnWriteArrayList<>();
      ExecutorService hammer = Executors.newFixedThreadPool(STATUS_THREADS);
      List<Future<?>> hammers = new ArrayList<>();
      for (int t = 0; t < STATUS_THREADS; t++) {
        OtaClientStub stub = stubs.get(t);
        hammers.add(hammer.submit(() -> hammerStatus(stub, stop, latencies, violations, seen)));
      }

      ExecutorService callers = Executors.newFixedThreadPool(CALLS);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<List<EcuResult>>> answers = new ArrayList<>();
      for (int i = 0; i < CALLS; i++) {
        OtaClientStub stub = stubs.get(i % stubs.size());
        answers.add(callers.submit(() -> {
          go.await();
          return stub.update(List.of(new UpdateRequestEcu("main", "2.0", url, "{}")));
        }));
      }
      go.countDown();
      int accepted = 0;
      int recoverable = 0;
      for (Future<List<EcuResult>> f : answers) {
        List<EcuResult> r = f.get(60, TimeUnit.SECONDS);
        assertThat(r).hasSize(1);
        assertThat(r.get(0).ecuId()).isEqualTo("main");
        if (r.get(0).result() == FailureType.NO_FAILURE) {
          accepted++;
        } else if (r.get(0).result() == FailureType.RECOVERABLE) {
          recoverable++;
        }
      }
      callers.shutdown();
      assertThat(accepted).as("accepted").isEqualTo(1);
      assertThat(recoverable).as("refused as RECOVERABLE").isEqualTo(CALLS - 1);

      // the one accepted update runs to the end (in-process reboot, then SUCCESS on the new slot)
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      EcuStatus last = client.status();
      while (!(last.status() == OtaStatus.SUCCESS && last.version().equals("2.0")) && System.nanoTime() < deadline) {
        assertThat(last.status()).as(last.failureReason()).isNotEqualTo(OtaStatus.FAILURE);
        Thread.sleep(50);
        last = client.status();
      }
      assertThat(last.status()).as(last.failureReason()).isEqualTo(OtaStatus.SUCCESS);
      Thread.sleep(300); // a few more status rounds after the end
      stop.set(true);
      for (Future<?> h : hammers) {
        h.get(30, TimeUnit.SECONDS);
      }
      hammer.shutdown();

      assertThat(violations).isEmpty();
      assertThat(seen).contains(OtaStatus.UPDATING, OtaStatus.SUCCESS);
      DirectorySlotController boot = new DirectorySlotController(state);
      assertThat(boot.activeSlotId()).isEqualTo(DirectorySlotController.SLOT_B);
      assertThat(TreeSnapshot.of(boot.activeRoot(), List.of("/opt/ota")).diff(TreeSnapshot.of(rootfs))).isEmpty();

      List<Long> sorted = new ArrayList<>(latencies);
      Collections.sort(sorted);
      long p50 = sorted.get(sorted.size() / 2);
      long p99 = sorted.get(Math.min(sorted.size() - 1, (int) (sorted.size() * 0.99)));
      long max = sorted.get(sorted.size() - 1);
      System.out.printf("status during a %d-call update race: %d calls, p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
          CALLS, sorted.size(), p50 / 1e6, p99 / 1e6, max / 1e6);
      assertThat(sorted.size()).isGreaterThan(100);
      // generous: status never waits for the update (the gRPC deadline is 30 s)
      assertThat(p99).as("p99 status latency (ns)").isLessThan(TimeUnit.SECONDS.toNanos(2));
    } finally {
      for (int i = open.size() - 1; i >= 0; i--) {
        open.get(i).close();
      }
    }
  }

  /** Calls Status in a loop; records latencies and anything malformed or going backwards. */
  static void hammerStatus(OtaClientStub stub, AtomicBoolean stop, List<Long> latencies, List<String> violations,
      List<OtaStatus> seen) {
    Progress prev = null;
    int prevPhase = -1;
    while (!stop.get()) {
      long t0 = System.nanoTime();
      StatusReport r = stub.status();
      latencies.add(System.nanoTime() - t0);
      if (r.ecus().size() != 1 || !r.ecus().get(0).ecuId().equals("main")) {
        violations.add("unexpected ECU list " + r.ecus());
        continue;
      }
      EcuStatus s = r.ecus().get(0);
      if (!seen.contains(s.status())) {
        seen.add(s.status());
      }
      switch (s.status()) {
        case UPDATING -> {
          if (s.progress().isEmpty()) {
            violations.add("UPDATING without progress");
            break;
          }
          Progress p = s.progress().get();
          if (p.phase().ordinal() < prevPhase) {
            violations.add("phase went back from " + prevPhase + " to " + p.phase());
          }
          prevPhase = p.phase().ordinal();
          if (prev != null && (p.regularFilesProcessed() < prev.regularFilesProcessed()
              || p.downloadBytes() < prev.downloadBytes()
              || p.fileSizeProcessedDownload() < prev.fileSizeProcessedDownload()
              || p.totalElapsedTime().compareTo(prev.totalElapsedTime()) < 0
              || p.errorsDownload() < prev.errorsDownload())) {
            violations.add("counters went backwards: " + prev + " -> " + p);
          }
          if (p.totalRegularFiles() > 0 && p.regularFilesProcessed() > p.totalRegularFiles()) {
            violations.add("more files processed than exist: " + p);
          }
          prev = p;
        }
        case INITIALIZED, SUCCESS -> {
          if (s.status() == OtaStatus.SUCCESS && !s.version().equals("2.0")) {
            violations.add("SUCCESS with version " + s.version());
          }
        }
        default -> violations.add("unexpected status " + s.status() + " " + s.failureReason());
      }
    }
  }

  static void addFiles(Path dir, int n) throws Exception {
    Files.createDirectories(dir);
    Random r = new Random(7);
    for (int i = 0; i < n; i++) {
      byte[] b = new byte[512 + r.nextInt(8 * 1024)];
      r.nextBytes(b);
      Files.write(dir.resolve("f" + i), b);
    }
  }
}
