package dev.otaclient.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.internal.fetch.HttpSettings;
import dev.otaclient.internal.fetch.RetryPolicy;
import dev.otaclient.internal.image.ListKind;
import dev.otaclient.internal.image.ListReader;
import dev.otaclient.internal.image.RegularEntry;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.Progress;
import dev.otaclient.status.UpdatePhase;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.FaultyHttpServer;
import dev.otaclient.testing.FaultyHttpServer.Fault;
import dev.otaclient.testing.Nginx;
import dev.otaclient.testing.TreeSnapshot;
import dev.otaclient.internal.update.UpdateEngine;
import dev.otaclient.internal.update.UpdateRequest;
import dev.otaclient.internal.update.UpdateSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Suite 3, network faults: a fault-injecting HTTP server in front of nginx, between a directory-slot
 * device and its image. Seeded scripts give every blob resets, 5xx bursts, truncated and bit-flipped
 * bodies, stalls, dropped and silent connections and slow drip; the update must complete with exactly
 * the image and count every failed attempt in {@code errors_download}. A server gone for longer than the
 * no-success budget must end in FAILURE with the network code; a shorter outage must be survived. The
 * running slot never changes.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NetworkFaultTest {
  /** Far above any pause of a healthy transfer on a loaded machine (a pause beyond it would be one more counted error). */
  static final Duration READ_TIMEOUT = Duration.ofSeconds(3);

  @TempDir static Path shared;
  static SignedImageFixture images;
  static Nginx nginx;
  static TreeSnapshot imageV1;
  /** Request path (as the fault server sees it) of every blob the update downloads. */
  static List<String> blobPaths;

  @TempDir Path tmp;
  Path state;
  TreeSnapshot runningBefore;

  @BeforeAll
  static void image() throws Exception {
    assumeTrue(Nginx.available(), "nginx not installed");
    assumeTrue("root".equals(System.getProperty("user.name")), "the sample rootfs needs root (chown)");
    images = SignedImageFixture.create("reliability", shared);
    images.sampleV1("v1base");
    Path root = images.rootfs("v1");
    new ProcessBuilder("cp", "-a", images.rootfs("v1base").toString(), root.toString()).inheritIO().start().waitFor();
    SignedImageFixture.addBulk(root, "/usr/share/bulk", 60, Suite.seed(), 256, 8 * 1024);
    images.build("v1");
    nginx = Nginx.serve(images.www());
    imageV1 = TreeSnapshot.of(root);
    blobPaths = blobPaths(images.image("v1"));
  }

  /** One path per distinct non-empty content: the compressed blob, or the plain file. */
  static List<String> blobPaths(Path image) {
    Map<String, String> bySha = new LinkedHashMap<>();
    try (ListReader<RegularEntry> r = ListReader.open(ListKind.REGULARS, image.resolve("regulars.txt"))) {
      r.forEachRemaining(e -> {
        if (e.size() > 0) {
          bySha.putIfAbsent(e.sha256(), e.isCompressed() ? "v1/data.zst/" + e.sha256() + ".zst" : "v1/data" + e.path());
        }
      });
    }
    return List.copyOf(bySha.values());
  }

  @AfterAll
  static void stop() {
    if (nginx != null) {
      nginx.close();
    }
  }

  @BeforeEach
  void device() throws Exception {
    state = tmp.resolve("state");
    DirectorySlotController boot = new DirectorySlotController(state);
    Path running = boot.slotRoot(DirectorySlotController.SLOT_A);
    Files.createDirectories(running.resolve("etc"));
    Files.writeString(running.resolve("etc/hostname"), "ecu\n");
    runningBefore = TreeSnapshot.of(running);
  }

  UpdateEngine client(RetryPolicy retry) {
    UpdateEngine c = new UpdateEngine("main", new DirectorySlotController(state), UpdateSettings.defaults(images.caStore())
        .withHttp(HttpSettings.defaults().withTimeouts(Duration.ofSeconds(5), READ_TIMEOUT))
        .withRetry(retry)
        .withThreads(4, 4));
    c.start();
    return c;
  }

  void assertRunningSlotUnchanged() {
    assertThat(TreeSnapshot.of(state.resolve(DirectorySlotController.SLOT_A)).diff(runningBefore)).isEmpty();
  }

  @Test
  void everyKindOfFaultIsSurvivedAndEveryFailedAttemptIsCounted() throws Exception {
    Random r = new Random(Suite.seed());
    // faults that fail an attempt, and the one that only slows it down
    // (no Fault.drop() here: a connection closed before any response byte is retried once inside the
    // JDK's HTTP client, invisibly to the engine, so the server would see two requests for one attempt)
    List<Fault> failing = List.of(Fault.resetAfter(1), Fault.resetAfter(0), Fault.status(500), Fault.status(503),
        Fault.status(502), Fault.status(429), Fault.truncateAfter(1), Fault.flipBit(0));
    List<Fault> slowFailing = List.of(Fault.stallAfter(1, Duration.ofSeconds(30)), Fault.silent(Duration.ofSeconds(30)));
    long expectedErrors = 0;
    Map<String, Integer> attemptsExpected = new LinkedHashMap<>();
    try (FaultyHttpServer faulty = FaultyHttpServer.proxyingTo(nginx.baseUri())) {
      for (int i = 0; i < blobPaths.size(); i++) {
        List<Fault> script = new ArrayList<>();
        if (i % 7 == 3) {
          script.add(Fault.status(503)); // a 5xx burst
          script.add(Fault.status(503));
          script.add(Fault.status(500));
        } else {
          int n = r.nextInt(3);
          for (int k = 0; k < n; k++) {
            script.add(failing.get(r.nextInt(failing.size())));
          }
        }
        if (i % 11 == 5) {
          script.add(slowFailing.get(r.nextInt(slowFailing.size()))); // costs one read timeout each
        }
        expectedErrors += script.size();
        if (i % 5 == 0) {
          script.add(Fault.drip(256, Duration.ofMillis(2))); // slow, but a success
        }
        // each failed attempt is followed by one more; the last attempt succeeds
        attemptsExpected.put(blobPaths.get(i), (int) script.stream().filter(f -> f.kind() != Fault.Kind.DRIP).count() + 1);
        faulty.script(blobPaths.get(i), script.toArray(Fault[]::new));
      }
      UpdateEngine c = client(new RetryPolicy(6, Duration.ofMillis(5), Duration.ofMillis(40), Duration.ofSeconds(30)));
      AtomicReference<Progress> last = new AtomicReference<>();
      c.addListener(s -> s.progress().ifPresent(last::set));
      EcuStatus s = c.update(UpdateRequest.of("1.0", faulty.baseUri().resolve("v1/").toString(), "{}"));

      assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
      assertThat(TreeSnapshot.of(state.resolve(DirectorySlotController.SLOT_B), SignedImageFixture.ENGINE_META).diff(imageV1))
          .isEmpty();
      assertRunningSlotUnchanged();
      assertThat(last.get().errorsDownload()).isEqualTo(expectedErrors);
      long requests = 0;
      for (Map.Entry<String, Integer> e : attemptsExpected.entrySet()) {
        assertThat(faulty.requests(e.getKey())).as(e.getKey()).hasSize(e.getValue());
        requests += e.getValue();
      }
      // every failed attempt was retried exactly once more, and nothing else was
      assertThat(last.get().errorsDownload()).isEqualTo(requests - blobPaths.size());
      System.out.printf("network faults: %d blobs, %d requests, errors_download %d%n", blobPaths.size(), requests,
          last.get().errorsDownload());
    }
  }

  @Test
  void aServerGoneForLongerThanTheBudgetEndsInANetworkFailure() throws Exception {
    UpdateEngine c = client(new RetryPolicy(10_000, Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofSeconds(2)));
    long t0 = System.nanoTime();
    EcuStatus s;
    try (FaultyHttpServer faulty = FaultyHttpServer.proxyingTo(nginx.baseUri())) {
      // the server disappears (connections refused, its port still held) once the downloads begin
      c.addListener(st -> st.progress().filter(p -> p.phase() == UpdatePhase.REGULAR)
          .ifPresent(p -> faulty.refuseConnections()));
      s = c.update(UpdateRequest.of("1.0", faulty.baseUri().resolve("v1/").toString(), "{}"));
    }
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);

    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.failureReason()).startsWith("E1-0103-100: ").contains("no download succeeded for 2000 ms");
    assertThat(seconds).as("bounded by the budget, not by 10000 attempts per file").isLessThan(60);
    assertRunningSlotUnchanged();
    DirectorySlotController boot = new DirectorySlotController(state);
    assertThat(boot.activeSlotId()).isEqualTo(DirectorySlotController.SLOT_A);
    assertThat(boot.armedSlotId()).isEmpty();
    EcuStatus restarted = client(RetryPolicy.defaults()).status();
    assertThat(restarted.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(restarted.failureReason()).isEqualTo(s.failureReason());

    // the server is back: the same update completes
    EcuStatus again = client(RetryPolicy.defaults()).update(UpdateRequest.of("1.0", nginx.baseUri().resolve("v1/").toString(), "{}"));
    assertThat(again.status()).as(again.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(TreeSnapshot.of(state.resolve(DirectorySlotController.SLOT_B), SignedImageFixture.ENGINE_META).diff(imageV1))
        .isEmpty();
    assertRunningSlotUnchanged();
  }

  @Test
  void anOutageShorterThanTheBudgetIsRiddenOut() throws Exception {
    try (FaultyHttpServer faulty = FaultyHttpServer.proxyingTo(nginx.baseUri())) {
      // every connection is dropped for 1.5 s from the moment the downloads begin
      AtomicBoolean outage = new AtomicBoolean();
      AtomicLong outageEnd = new AtomicLong();
      faulty.byDefault(attempt -> outage.get() && System.nanoTime() - outageEnd.get() < 0 ? Fault.drop() : Fault.none());
      UpdateEngine c = client(new RetryPolicy(10_000, Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofSeconds(8)));
      AtomicReference<Progress> last = new AtomicReference<>();
      c.addListener(s -> s.progress().ifPresent(p -> {
        last.set(p);
        if (p.phase() == UpdatePhase.REGULAR && !outage.get()) {
          outageEnd.set(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500));
          outage.set(true);
        }
      }));
      EcuStatus s = c.update(UpdateRequest.of("1.0", faulty.baseUri().resolve("v1/").toString(), "{}"));

      assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
      assertThat(TreeSnapshot.of(state.resolve(DirectorySlotController.SLOT_B), SignedImageFixture.ENGINE_META).diff(imageV1))
          .isEmpty();
      assertRunningSlotUnchanged();
      // dropped connections: the JDK's client silently re-sends a request whose connection closed before
      // any response byte, so one failed attempt of the engine is one or two requests at the server
      long serverRetries = blobPaths.stream().mapToLong(p -> faulty.requests(p).size()).sum() - blobPaths.size();
      assertThat(last.get().errorsDownload()).isPositive()
          .isLessThanOrEqualTo(serverRetries).isGreaterThanOrEqualTo(serverRetries / 2);
      System.out.printf("outage of 1.5 s: errors_download %d, requests re-sent %d%n", last.get().errorsDownload(),
          serverRetries);
    }
  }
}
