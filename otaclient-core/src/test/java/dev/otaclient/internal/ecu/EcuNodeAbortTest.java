package dev.otaclient.internal.ecu;

import static dev.otaclient.error.FailureType.NO_FAILURE;
import static dev.otaclient.error.FailureType.RECOVERABLE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.status.CancelOutcome;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.Await;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The tree's Abort, ClientUpdate and request ids, in memory: main -> (A, B), A -> C with scripted
 * local clients. Orders come from held standby phases and gates, never from timing.
 */
class EcuNodeAbortTest {
  private final InMemoryWiring net = new InMemoryWiring();
  private EcuTree tree;

  @AfterEach
  void close() {
    tree.close();
  }

  private EcuTree standard() {
    tree = new EcuTree(EcuTree.SETTINGS, net).standard().startAll();
    Await.until("main to see the whole tree", () -> tree.node("main").status().ecus().size() == 4);
    return tree;
  }

  private static EcuRequest<String> ids(String... ids) {
    return EcuRequest.of(List.of(ids), "abort-1");
  }

  private OtaStatus statusOf(String id) {
    return tree.node("main").status().ecus().stream().filter(s -> s.ecuId().equals(id)).map(EcuStatus::status)
        .findFirst().orElse(null);
  }

  @Test
  void abortGoesToEveryChildAndOnlyTheNamedEcuStops() {
    standard();
    for (String id : List.of("main", "A", "B", "C")) {
      tree.local(id).holdStandby();
    }
    tree.node("main").update(EcuNodeTreeTest.request("main", "A", "B", "C"));

    List<EcuResult> answer = tree.node("main").abort(ids("C"));

    assertThat(answer).containsExactly(new EcuResult("C", NO_FAILURE, "abort accepted: the update stops now"));
    assertThat(net.abortCalls("A")).isEqualTo(1);
    assertThat(net.abortCalls("B")).as("not named, nothing named below it: relayed all the same").isEqualTo(1);
    assertThat(net.abortCalls("C")).as("relayed by A").isEqualTo(1);
    assertThat(tree.local("C").aborts).containsExactly(CancelOutcome.ACCEPTED);
    assertThat(tree.local("A").aborts).isEmpty();
    assertThat(tree.local("main").aborts).isEmpty();
    Await.until("C seen ABORTED by main", () -> statusOf("C") == OtaStatus.ABORTED);
    assertThat(statusOf("A")).isEqualTo(OtaStatus.UPDATING);
  }

  @Test
  void abortWhenNothingRunsIsRefusedWithTheReason() {
    standard();
    assertThat(tree.node("main").abort(ids("main", "B"))).containsExactly(
        new EcuResult("B", RECOVERABLE, "cannot abort: no update is running"),
        new EcuResult("main", RECOVERABLE, "cannot abort: no update is running"));
  }

  @Test
  void aChildThatCannotBeReachedIsAnAbortFailureNamingIt() {
    standard();
    net.mode("B", InMemoryWiring.Mode.UNREACHABLE);
    List<EcuResult> answer = tree.node("main").abort(ids("main"));
    assertThat(answer).containsExactly(
        new EcuResult("B", RECOVERABLE, "ECU B did not take the abort: B: connection refused"),
        new EcuResult("main", RECOVERABLE, "cannot abort: no update is running"));
  }

  @Test
  void unknownAndBadIdsAreAnsweredToADirectCaller() {
    standard();
    List<EcuResult> answer = tree.node("main").abort(ids("nosuch", ""));
    assertThat(answer).containsExactly(new EcuResult("", RECOVERABLE, "ecu id is empty"),
        new EcuResult("nosuch", RECOVERABLE, "no ECU 'nosuch' in this vehicle; known ECUs: A, B, C, main"));
    // relayed, the same request is answered by nobody: another branch may hold the id
    assertThat(tree.node("A").abort(new EcuRequest<>(List.of("nosuch"), "", java.util.Optional.empty(), false)))
        .isEmpty();
  }

  @Test
  void anAbortedChildNoLongerHoldsItsParentsReboot() {
    // A would count as lost only after ten minutes: only its ABORTED can open main's gate in time
    EcuNodeSettings s = EcuTree.SETTINGS;
    tree = new EcuTree(new EcuNodeSettings(s.ackDeadline(), s.pollActive(), s.pollIdle(), s.statusDeadline(),
        java.time.Duration.ofMinutes(10)), net).ecu("A").ecu("main", "A").startAll();
    tree.local("A").holdStandby();
    tree.node("main").update(EcuNodeTreeTest.request("main", "A"));
    Await.until("main to wait for A", () -> tree.node("main").rebootWaitReason().filter(r -> r.contains("A"))
        .isPresent());

    assertThat(tree.node("main").abort(ids("A"))).containsExactly(
        new EcuResult("A", NO_FAILURE, "abort accepted: the update stops now"));

    Await.until("main's reboot", () -> tree.indexOf("main:reboot") >= 0);
    assertThat(tree.events()).doesNotContain("A:reboot");
    assertThat(tree.local("A").otaStatus()).isEqualTo(OtaStatus.ABORTED);
    tree.local("A").finishStandby();
  }

  @Test
  void clientUpdateFansOutLikeUpdateAndNoEcuReboots() {
    standard();
    for (String id : List.of("main", "A", "C")) {
      tree.local(id).holdStandby();
    }
    List<EcuResult> answer = tree.node("main").clientUpdate(EcuRequest.of(EcuNodeTreeTest.request("main", "A", "C"),
        "cu"));
    assertThat(answer).containsExactly(new EcuResult("C", NO_FAILURE), new EcuResult("A", NO_FAILURE),
        new EcuResult("main", NO_FAILURE));
    Await.until("C seen CLIENT_UPDATING by main", () -> statusOf("C") == OtaStatus.CLIENT_UPDATING);
    assertThat(tree.node("main").clientUpdate(EcuRequest.of(EcuNodeTreeTest.request("main"), "cu2")))
        .containsExactly(new EcuResult("main", RECOVERABLE, "ECU main is busy: its status is CLIENT_UPDATING"));
    for (String id : List.of("main", "A", "C")) {
      assertThat(tree.local(id).clientUpdatesStarted).hasSize(1);
      tree.local(id).finishStandby();
    }
    Await.until("everyone back to SUCCESS", () -> tree.node("main").status().ecus().stream()
        .allMatch(s -> s.status() == OtaStatus.SUCCESS));
    assertThat(tree.events()).isEmpty();
    assertThat(tree.local("B").clientUpdatesStarted).isEmpty();
  }

  @Test
  void requestAndReleaseIdsReachEveryLevel() {
    standard();
    List<UpdateRequestEcu> entries = List.of("main", "A", "C").stream()
        .map(id -> new UpdateRequestEcu(id, "v2", "http://127.0.0.1:8080/", "{}", "rel-" + id, "rid-" + id, "img"))
        .toList();
    tree.node("main").update(EcuRequest.of(entries, "req-9"));
    for (String id : List.of("main", "A", "C")) {
      assertThat(tree.local(id).requestIds).as(id).containsExactly("req-9");
      assertThat(tree.local(id).updatesStarted.get(0).releaseName()).isEqualTo("rel-" + id);
      assertThat(tree.local(id).updatesStarted.get(0).detail("req-9").releaseId()).isEqualTo("rid-" + id);
    }
  }
}
