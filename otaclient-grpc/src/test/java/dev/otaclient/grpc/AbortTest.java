package dev.otaclient.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.error.FailureType;
import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.internal.ecu.EcuInfo;
import dev.otaclient.internal.ecu.EcuNode;
import dev.otaclient.internal.ecu.EcuRequest;
import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.internal.ecu.OtaClientEcu;
import dev.otaclient.internal.ecu.UpdateRequestEcu;
import dev.otaclient.internal.fetch.HttpSettings;
import dev.otaclient.internal.update.UpdateEngine;
import dev.otaclient.internal.update.UpdateSettings;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.UpdateEvent;
import dev.otaclient.testing.Await;
import dev.otaclient.testing.FaultyHttpServer;
import dev.otaclient.testing.FaultyHttpServer.Fault;
import dev.otaclient.testing.Nginx;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.TreeSnapshot;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Abort over gRPC at each point of an update, on a real device (update engine, directory slots,
 * ECU node, gRPC server, images from nginx): idle, while the standby is prepared, while files
 * download, in the final phase. Each checks the exact answer, the status (both forms), and the slot
 * files afterwards; an aborted update is resumed by the next one. Steps are held with latches and
 * gates, never slowed down.
 */
class AbortTest {
  @TempDir Path tmp;
  private SignedImageFixture images;
  private Nginx nginx;
  private FaultyHttpServer http;
  private final FaultyHttpServer.Gate gate = new FaultyHttpServer.Gate();
  private final AtomicInteger dataRequests = new AtomicInteger();
  private volatile int passBeforeHold = Integer.MAX_VALUE;
  private Device device;

  /** One ECU: engine over held boot control, its node, its server, a client of it. */
  private final class Device implements AutoCloseable {
    final Path state = tmp.resolve("state");
    final HoldingBoot boot = new HoldingBoot(new DirectorySlotController(state));
    final UpdateEngine engine;
    final GrpcEcuTransport transport = new GrpcEcuTransport();
    final EcuNode node;
    final GrpcServer server;
    final OtaClientStub stub;
    final List<OtaStatus> seen = new CopyOnWriteArrayList<>();

    Device() {
      engine = new UpdateEngine("main", boot, settings());
      engine.subscribe(UpdateEvent.StatusChanged.class, e -> seen.add(e.status().status()));
      engine.start();
      node = new EcuNode(new EcuInfo(1, "main", "127.0.0.1", List.of(), List.of("main")), new OtaClientEcu(engine),
          transport, TestDaemons.SETTINGS);
      node.start();
      server = GrpcServer.forEcu(node.info(), 0, OtaClientGrpcService.forNode(node), TlsConfig.DISABLED).start();
      stub = OtaClientStub.connect("127.0.0.1", server.port(), Duration.ofSeconds(30));
    }

    Path slot(String id) {
      return state.resolve(id);
    }

    String statusFile(String slot) throws Exception {
      return Files.readString(state.resolve("status").resolve(slot).resolve("status"));
    }

    @Override
    public void close() {
      stub.close();
      server.close();
      node.close();
      transport.close();
    }
  }

  /** One worker, one connection: files arrive one after the other, so "the n-th download" is one file. */
  private UpdateSettings settings() {
    return UpdateSettings.defaults(images.caStore()).withThreads(1, 1).withWorkDir(tmp.resolve("work"))
        .withHttp(HttpSettings.defaults().withTimeouts(Duration.ofSeconds(5), Duration.ofMinutes(10)));
  }

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Nginx.available(), "nginx not installed");
    images = SignedImageFixture.create("abort", tmp.resolve("img"));
    images.sampleV1("v2", b -> b.compress(false));
    nginx = Nginx.serve(images.www());
    http = FaultyHttpServer.proxyingTo(nginx.baseUri());
    http.byDefault((path, attempt) -> path.contains("/data/") && dataRequests.incrementAndGet() > passBeforeHold
        ? Fault.holdAfter(0, gate) : Fault.none());
    device = new Device();
  }

  @AfterEach
  void tearDown() {
    gate.open();
    if (device != null) {
      device.close();
    }
    if (http != null) {
      http.close();
    }
    if (nginx != null) {
      nginx.close();
    }
  }

  private List<EcuResult> update(String requestId) {
    return device.stub.update(EcuRequest.of(List.of(new UpdateRequestEcu("main", "2.0",
        http.baseUri().resolve("v2/").toString(), "{}")), requestId), Duration.ofSeconds(30));
  }

  private List<EcuResult> abort() {
    return device.stub.abort(EcuRequest.of(List.of("main"), "abort-1"), Duration.ofSeconds(30));
  }

  private EcuStatus awaitStatus(OtaStatus s) {
    return Await.value("main " + s, () -> device.stub.status().ecus().get(0), e -> e.status() == s);
  }

  private List<String> dataPaths() {
    return http.requests().stream().map(FaultyHttpServer.Recorded::path).filter(p -> p.contains("/data/")).toList();
  }

  @Test
  void idleAbortIsRefusedAndChangesNothing() throws Exception {
    TreeSnapshot before = TreeSnapshot.of(device.state);
    assertThat(abort()).containsExactly(
        new EcuResult("main", FailureType.RECOVERABLE, "cannot abort: no update is running"));
    assertThat(device.stub.status().ecus().get(0).status()).isEqualTo(OtaStatus.INITIALIZED);
    assertThat(TreeSnapshot.of(device.state)).isEqualTo(before);
  }

  @Test
  void abortWhileTheStandbyIsPreparedIsQueuedThenCarriedOutAndTheNextUpdateSucceeds() throws Exception {
    HoldingBoot.Hold preparing = device.boot.holdPrepare();
    assertThat(update("u-1")).containsExactly(new EcuResult("main", FailureType.NO_FAILURE));
    preparing.awaitReached();

    assertThat(abort()).containsExactly(new EcuResult("main", FailureType.NO_FAILURE,
        "abort queued: the standby slot is being prepared; the update stops as soon as that ends"));
    assertThat(abort()).containsExactly(new EcuResult("main", FailureType.NO_FAILURE, "abort already in progress"));
    assertThat(device.stub.status().ecus().get(0).status()).as("still preparing").isEqualTo(OtaStatus.UPDATING);
    preparing.release();

    EcuStatus aborted = awaitStatus(OtaStatus.ABORTED);
    assertThat(aborted.failure()).isEqualTo(FailureType.NO_FAILURE);
    assertThat(device.seen).containsSubsequence(OtaStatus.UPDATING, OtaStatus.ABORTING, OtaStatus.ABORTED);
    assertThat(dataPaths()).as("nothing downloaded after the queued abort").isEmpty();
    assertThat(device.statusFile(DirectorySlotController.SLOT_A)).isEqualTo("ABORTED");
    assertThat(device.statusFile(DirectorySlotController.SLOT_B)).isEqualTo("FAILURE");
    assertThat(device.engine.bootController().activeSlotId()).isEqualTo(DirectorySlotController.SLOT_A);

    assertThat(update("u-2")).containsExactly(new EcuResult("main", FailureType.NO_FAILURE));
    EcuStatus after = awaitStatus(OtaStatus.SUCCESS);
    assertThat(after.version()).isEqualTo("2.0");
    // the request id is kept with the version (it has no field in the status message)
    assertThat(device.engine.status().detail().requestId()).isEqualTo("u-2");
  }

  @Test
  void abortWhileDownloadingStopsAtOnceIsPersistedAndTheNextUpdateResumes() throws Exception {
    passBeforeHold = 3; // three files arrive, the fourth download is held
    TreeSnapshot activeBefore = TreeSnapshot.of(device.slot(DirectorySlotController.SLOT_A));
    assertThat(update("u-1")).containsExactly(new EcuResult("main", FailureType.NO_FAILURE));
    gate.awaitReached(1);
    List<String> placedBefore = dataPaths().subList(0, 3);

    assertThat(abort()).containsExactly(
        new EcuResult("main", FailureType.NO_FAILURE, "abort accepted: the update stops now"));
    awaitStatus(OtaStatus.ABORTED);
    assertThat(device.seen).containsSubsequence(OtaStatus.UPDATING, OtaStatus.ABORTING, OtaStatus.ABORTED);
    // both status forms: ABORTED in ecu_v2, FAILURE (with the reason) for 2022 readers of ecu
    ManagedChannel raw = Grpc.newChannelBuilderForAddress("127.0.0.1", device.server.port(),
        InsecureChannelCredentials.create()).build();
    try {
      RawWire.Fields st = RawWire.decode(RawWire.call(raw, "Status", new byte[0]));
      assertThat(st.messages(3).get(0).varint(11)).isEqualTo(8L);
      assertThat(st.messages(1).get(0).message(3).varint(1)).isEqualTo(2L);
    } finally {
      raw.shutdownNow();
    }
    assertThat(TreeSnapshot.of(device.slot(DirectorySlotController.SLOT_A))).isEqualTo(activeBefore);
    assertThat(device.statusFile(DirectorySlotController.SLOT_A)).isEqualTo("ABORTED");

    // a restart reads ABORTED from the slot files
    device.close();
    passBeforeHold = Integer.MAX_VALUE;
    gate.open();
    device = new Device();
    assertThat(device.stub.status().ecus().get(0).status()).isEqualTo(OtaStatus.ABORTED);

    // the next update resumes in the kept standby: what was placed is not downloaded again
    assertThat(update("u-2")).containsExactly(new EcuResult("main", FailureType.NO_FAILURE));
    EcuStatus done = awaitStatus(OtaStatus.SUCCESS);
    assertThat(done.version()).isEqualTo("2.0");
    for (String p : placedBefore) {
      assertThat(http.requests(p)).as(p + " was placed before the abort").hasSize(1);
    }
    assertThat(TreeSnapshot.of(device.engine.bootController().activeRoot(), SignedImageFixture.ENGINE_META))
        .isEqualTo(TreeSnapshot.of(images.rootfs("v2")));
  }

  @Test
  void abortInTheFinalPhaseIsRefusedAndTheUpdateCompletes() throws Exception {
    HoldingBoot.Hold switching = device.boot.holdCommit();
    assertThat(update("u-1")).containsExactly(new EcuResult("main", FailureType.NO_FAILURE));
    switching.awaitReached();

    assertThat(abort()).containsExactly(new EcuResult("main", FailureType.RECOVERABLE,
        "cannot abort: the update is in its final phase (switching slots, rebooting)"));
    assertThat(device.stub.status().ecus().get(0).status()).isEqualTo(OtaStatus.UPDATING);
    switching.release();

    EcuStatus done = awaitStatus(OtaStatus.SUCCESS);
    assertThat(done.version()).isEqualTo("2.0");
    assertThat(device.seen).doesNotContain(OtaStatus.ABORTING, OtaStatus.ABORTED);
    assertThat(device.engine.bootController().activeSlotId()).isEqualTo(DirectorySlotController.SLOT_B);
  }
}
