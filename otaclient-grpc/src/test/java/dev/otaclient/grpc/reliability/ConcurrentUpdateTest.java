package dev.otaclient.grpc.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.internal.ecu.EcuInfo;
import dev.otaclient.internal.ecu.EcuNode;
import dev.otaclient.internal.ecu.EcuNodeSettings;
import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.internal.ecu.OtaClientEcu;
import dev.otaclient.internal.ecu.StatusReport;
import dev.otaclient.internal.ecu.UpdateRequestEcu;
import dev.otaclient.error.FailureType;
import dev.otaclient.grpc.GrpcEcuTransport;
import dev.otaclient.grpc.GrpcServer;
import dev.otaclient.grpc.OtaClientGrpcService;
import dev.otaclient.grpc.OtaClientStub;
import dev.otaclient.grpc.TlsConfig;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.Progress;
import dev.otaclient.testing.Await;
import dev.otaclient.testing.FaultyHttpServer;
import dev.otaclient.testing.FaultyHttpServer.Fault;
import dev.otaclient.testing.Nginx;
import dev.otaclient.testing.SampleRootfs;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.TreeSnapshot;
import dev.otaclient.internal.update.UpdateEngine;
import dev.otaclient.internal.update.UpdateSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Suite 6, concurrency, over real gRPC: {@code OtaClientGrpcService} + {@code EcuNode} +
 * {@code OtaClientEcu} over a real {@code UpdateEngine} on directory slots, the image served by nginx.
 * 50 Update calls released at once: exactly one is accepted, the other 49 answer RECOVERABLE. Status
 * is hammered from four threads during the whole update: every answer is well-formed (a valid status
 * and phase, progress present while UPDATING, never FAILURE), the counters each thread sees never go
 * backwards, and it never waits for the update: the update's downloads are held at a gate until every
 * status thread has seen it UPDATING and answered many more times meanwhile (latencies are reported).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ConcurrentUpdateTest {
  static final int CALLS = 50;
  static final int STATUS_THREADS = 4;

  @Test
  void fiftyConcurrentUpdatesOneAcceptedWhileStatusStaysCorrectAndFast(@TempDir Path tmp) throws Exception {
    assumeTrue(Nginx.available(), "nginx not installed");
    assumeTrue("root".equals(System.getProperty("user.name")), "the sample rootfs needs root (chown)");
    SignedImageFixture images = SignedImageFixture.create("concurrency", tmp);
    Path rootfs = SampleRootfs.create(images.rootfs("v2"));
    SignedImageFixture.addBulk(rootfs, "/usr/share/bulk", 400, 7, 512, 8 * 1024 + 512);
    images.build("v2");

    List<AutoCloseable> open = new ArrayList<>();
    FaultyHttpServer.Gate gate = new FaultyHttpServer.Gate();
    try (Nginx nginx = Nginx.serve(images.www());
         FaultyHttpServer held = FaultyHttpServer.proxyingTo(nginx.baseUri())) {
      // the file downloads wait at the gate: the update is running for as long as the test needs
      held.byDefault((path, attempt) -> path.contains("/data/") || path.contains("/data.zst/")
          ? Fault.holdAfter(0, gate) : Fault.none());
      Path state = tmp.resolve("state");
      UpdateEngine client = new UpdateEngine("main", new DirectorySlotController(state),
          UpdateSettings.defaults(images.caStore()).withThreads(2, 2));
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
      String url = held.baseUri().resolve("v2/").toString();

      // status hammer: runs from before the first Update until the update is confirmed
      AtomicBoolean stop = new AtomicBoolean();
      List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
      List<String> violations = new CopyOnWriteArrayList<>();
      List<OtaStatus> seen = new CopyOnWriteArrayList<>();
      List<Hammer> hammerState = new ArrayList<>();
      ExecutorService hammer = Executors.newFixedThreadPool(STATUS_THREADS);
      List<Future<?>> hammers = new ArrayList<>();
      for (int t = 0; t < STATUS_THREADS; t++) {
        OtaClientStub stub = stubs.get(t);
        Hammer h = new Hammer();
        hammerState.add(h);
        hammers.add(hammer.submit(() -> hammerStatus(stub, stop, latencies, violations, seen, h)));
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

      // While the update is held, every status thread sees it UPDATING and answers many more times: a
      // Status that waited for the update would not return before the gate opens.
      gate.awaitReached(1);
      for (Hammer h : hammerState) {
        Await.until("a status thread to see UPDATING", () -> h.updating.get() > 0);
      }
      long[] from = hammerState.stream().mapToLong(h -> h.rounds.get()).toArray();
      for (int t = 0; t < STATUS_THREADS; t++) {
        Hammer h = hammerState.get(t);
        long start = from[t];
        Await.until("30 status answers while the update is held", () -> h.rounds.get() >= start + 30);
      }
      assertThat(client.status().status()).isEqualTo(OtaStatus.UPDATING);
      gate.open();

      // the one accepted update runs to the end (in-process reboot, then SUCCESS on the new slot)
      EcuStatus last = Await.value("the update to end", Duration.ofSeconds(120), client::status,
          st -> st.status() == OtaStatus.SUCCESS && st.version().equals("2.0") || st.status() == OtaStatus.FAILURE);
      assertThat(last.status()).as(last.failureReason()).isEqualTo(OtaStatus.SUCCESS);
      // every status thread answers at least twice more after the end: its last answers are SUCCESS
      long[] after = hammerState.stream().mapToLong(h -> h.rounds.get()).toArray();
      for (int t = 0; t < STATUS_THREADS; t++) {
        Hammer h = hammerState.get(t);
        long start = after[t];
        Await.until("status answers after the end", () -> h.rounds.get() >= start + 2);
      }
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
      assertThat(sorted.size()).isGreaterThan(STATUS_THREADS * 30);
    } finally {
      for (int i = open.size() - 1; i >= 0; i--) {
        open.get(i).close();
      }
    }
  }

  /** What one status thread has done: answers received, and how many of them showed UPDATING. */
  static final class Hammer {
    final AtomicLong rounds = new AtomicLong();
    final AtomicLong updating = new AtomicLong();
  }

  /** Calls Status in a loop; records latencies and anything malformed or going backwards. */
  static void hammerStatus(OtaClientStub stub, AtomicBoolean stop, List<Long> latencies, List<String> violations,
      List<OtaStatus> seen, Hammer progress) {
    Progress prev = null;
    int prevPhase = -1;
    while (!stop.get()) {
      long t0 = System.nanoTime();
      StatusReport r = stub.status();
      latencies.add(System.nanoTime() - t0);
      progress.rounds.incrementAndGet();
      if (r.ecus().size() == 1 && r.ecus().get(0).status() == OtaStatus.UPDATING) {
        progress.updating.incrementAndGet();
      }
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
}
