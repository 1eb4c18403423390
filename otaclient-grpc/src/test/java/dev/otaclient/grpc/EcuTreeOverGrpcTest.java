package dev.otaclient.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.otaclient.internal.ecu.EcuNodeSettings;
import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.internal.ecu.EcuTree;
import dev.otaclient.internal.ecu.FakeLocalEcu;
import dev.otaclient.internal.ecu.SecondaryEcu;
import dev.otaclient.internal.ecu.StatusReport;
import dev.otaclient.internal.ecu.UpdateRequestEcu;
import dev.otaclient.error.FailureType;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A small ECU tree, each node a real EcuNode behind a real Netty server on 127.0.0.1, talking to its
 * children through GrpcEcuTransport: main -> A -> C.
 */
class EcuTreeOverGrpcTest {
  private final List<OtaClientStub> stubs = new ArrayList<>();
  private EcuTree tree;

  private EcuTree tree(EcuNodeSettings settings) {
    tree = new EcuTree(settings, new GrpcWiring());
    return tree;
  }

  private OtaClientStub client(String ecu) {
    OtaClientStub stub = OtaClientStub.connect("127.0.0.1", tree.address(ecu).port(), Duration.ofSeconds(5));
    stubs.add(stub);
    return stub;
  }

  @AfterEach
  void closeAll() {
    stubs.forEach(OtaClientStub::close);
    if (tree != null) {
      tree.close();
    }
  }

  private static UpdateRequestEcu entry(String id) {
    return new UpdateRequestEcu(id, "2.0", "http://127.0.0.1:8080/image", "{}");
  }

  private static StatusReport awaitStatus(OtaClientStub client, String what, Predicate<StatusReport> condition) {
    return Await.value(what, client::status, condition);
  }

  private static List<String> ids(StatusReport r) {
    return r.ecus().stream().map(EcuStatus::ecuId).toList();
  }

  @Test
  void updateNamingEveryEcuFansOutAndParentsRebootAfterTheirChildren() {
    tree(EcuTree.SETTINGS).ecu("C").ecu("A", List.of("C"), List.of("A", "C"))
        .ecu("main", List.of("A"), List.of("main", "A", "C")).startAll();
    for (String id : List.of("main", "A", "C")) {
      tree.local(id).holdStandby();
    }
    OtaClientStub client = client("main");

    List<EcuResult> answer = client.update(List.of(entry("main"), entry("A"), entry("C")));

    // A's answer (its child C, then A itself), then main itself
    assertThat(answer).containsExactly(new EcuResult("C", FailureType.NO_FAILURE),
        new EcuResult("A", FailureType.NO_FAILURE), new EcuResult("main", FailureType.NO_FAILURE));

    StatusReport during = awaitStatus(client, "all three updating",
        r -> ids(r).size() == 3 && r.ecus().stream().allMatch(s -> s.status() == OtaStatus.UPDATING));
    assertThat(ids(during)).containsExactly("C", "A", "main");
    assertThat(during.availableEcuIds()).containsExactly("main", "A", "C");
    for (EcuStatus s : during.ecus()) {
      assertThat(s.status()).as(s.ecuId()).isEqualTo(OtaStatus.UPDATING);
      assertThat(s.progress()).as(s.ecuId()).contains(FakeLocalEcu.progress(s.ecuId()));
    }
    assertThat(tree.events()).isEmpty();

    // every standby is ready at once: the gates alone decide the order
    tree.local("main").finishStandby();
    tree.local("A").finishStandby();
    tree.local("C").finishStandby();

    StatusReport after = awaitStatus(client, "all three on 2.0",
        r -> ids(r).size() == 3 && r.ecus().stream().allMatch(s -> s.version().equals("2.0")));
    assertThat(after.ecus()).extracting(EcuStatus::status).containsOnly(OtaStatus.SUCCESS);
    assertThat(tree.events()).containsExactly("C:reboot", "A:reboot", "main:reboot");
  }

  @Test
  void hungChildIsRecoverableWithinTheAckDeadlineAndStatusStaysFast() throws Exception {
    // A child that accepts connections and never answers. Its status deadline is longer than the
    // test, so a Status of main that waited for it would run into the stub's 5 s deadline and fail.
    Duration ack = Duration.ofSeconds(3);
    EcuNodeSettings settings = new EcuNodeSettings(ack, Duration.ofMillis(100), Duration.ofMillis(300),
        Duration.ofMinutes(5), Duration.ofSeconds(30));
    try (ServerSocket hang = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      List<Socket> held = new CopyOnWriteArrayList<>();
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            held.add(hang.accept()); // accept, read nothing, answer nothing
          }
        } catch (IOException closed) {
          // test over
        }
      }, "hung-child");
      acceptor.setDaemon(true);
      acceptor.start();

      tree(settings).ecu("C").ecu("A", List.of("C"), List.of("A", "C"))
          .external(new SecondaryEcu("H", "127.0.0.1", hang.getLocalPort()))
          .ecu("main", List.of("A", "H"), List.of("main", "A", "C", "H")).startAll();
      OtaClientStub client = client("main");
      awaitStatus(client, "A and C polled", r -> ids(r).size() == 3); // warm: channels open
      Await.until("main to connect to the hung child", () -> !held.isEmpty());

      long started = System.nanoTime();
      CompletableFuture<List<EcuResult>> update = CompletableFuture.supplyAsync(
          () -> client.update(List.of(entry("main"), entry("A"), entry("C"), entry("H"))));

      // While main waits for H's acknowledgement, Status answers (from the cache, waiting for nothing).
      List<Long> statusMillis = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        long t0 = System.nanoTime();
        StatusReport seen = client.status();
        statusMillis.add((System.nanoTime() - t0) / 1_000_000);
        assertThat(ids(seen)).doesNotContain("H").contains("main");
        assertThat(seen.availableEcuIds()).contains("H");
      }
      assertThat(update).as("Status was asked while the update still waited for H").isNotDone();

      List<EcuResult> answer = update.get(Await.LIMIT.toSeconds(), TimeUnit.SECONDS);
      long updateMillis = (System.nanoTime() - started) / 1_000_000;
      System.out.printf("hung child: update answered after %d ms, Status took %s ms meanwhile%n", updateMillis,
          statusMillis);

      assertThat(answer).extracting(EcuResult::ecuId, EcuResult::result).containsExactly(
          tuple("C", FailureType.NO_FAILURE), tuple("A", FailureType.NO_FAILURE),
          tuple("H", FailureType.RECOVERABLE), tuple("main", FailureType.NO_FAILURE));
      assertThat(answer.get(2).message()).startsWith("no answer from ECU H: ");
      assertThat(updateMillis).as("H never answers: only the ack deadline ended the wait")
          .isGreaterThanOrEqualTo(ack.toMillis());
      awaitStatus(client, "C, A and main without H", r -> ids(r).equals(List.of("C", "A", "main")));
      for (Socket s : held) {
        s.close();
      }
    }
  }
}
