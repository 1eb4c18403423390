package dev.otaclient.internal.ecu;

import static dev.otaclient.error.FailureType.NO_FAILURE;
import static dev.otaclient.error.FailureType.RECOVERABLE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Whole trees in memory: main -> (A, B), A -> C, with scripted local clients. The fake ECUs finish
 * their standby when the test says so, so every order below is made by the tree's gates, not by
 * timing; the tests about deadlines and limits assert only bounds a slow machine cannot break.
 */
class EcuNodeTreeTest {
  private static final EcuNodeSettings FAST = EcuTree.SETTINGS;

  private final InMemoryWiring net = new InMemoryWiring();
  private EcuTree tree;

  @AfterEach
  void closeTree() {
    if (tree != null) {
      tree.close();
    }
  }

  private EcuTree standardTree(EcuNodeSettings settings) {
    tree = new EcuTree(settings, net).standard().startAll();
    return tree;
  }

  private EcuTree mainWithA(EcuNodeSettings settings) {
    tree = new EcuTree(settings, net).ecu("A").ecu("main", "A").startAll();
    return tree;
  }

  static UpdateRequestEcu entry(String id) {
    return new UpdateRequestEcu(id, "v2", "http://127.0.0.1:8080/", "{}");
  }

  static List<UpdateRequestEcu> request(String... ids) {
    return java.util.Arrays.stream(ids).map(EcuNodeTreeTest::entry).toList();
  }

  static List<String> ids(StatusReport r) {
    return r.ecus().stream().map(EcuStatus::ecuId).toList();
  }

  private StatusReport awaitFullStatus(String... expected) {
    return Await.value("status of main to show " + List.of(expected), () -> tree.node("main").status(),
        r -> ids(r).equals(List.of(expected)));
  }

  private void awaitWaiting(String ecu, String forChild) {
    Await.until(ecu + " to wait for " + forChild, () -> tree.node(ecu).rebootWaitReason()
        .filter(r -> r.contains(forChild)).isPresent());
  }

  private void awaitEvent(String event) {
    Await.until(event, () -> tree.indexOf(event) >= 0);
  }

  private void holdAll(String... ids) {
    for (String id : ids) {
      tree.local(id).holdStandby();
    }
  }

  @Test
  void statusListsChildrenSubtreesInConfigOrderThenSelfWithOwnAvailableIds() {
    standardTree(FAST);
    StatusReport r = awaitFullStatus("C", "A", "B", "main");
    assertThat(r.availableEcuIds()).containsExactly("main", "A", "B", "C");
    // A's own report carries A's available ids, which main does not merge
    assertThat(tree.node("A").status().availableEcuIds()).containsExactly("A");
    assertThat(r.ecus()).allSatisfy(s -> assertThat(s.status()).isEqualTo(OtaStatus.SUCCESS));
  }

  @Test
  void updateOfFourEcusAnswersInOrderAndRebootsChildrenBeforeParents() {
    standardTree(FAST);
    holdAll("main", "A", "B", "C");
    // Everyone starts from SUCCESS of a previous update, and main's cache already holds it:
    // that old SUCCESS must not open any gate.
    awaitFullStatus("C", "A", "B", "main");

    List<EcuResult> result = tree.node("main").update(request("main", "A", "B", "C"));

    assertThat(result).containsExactly(new EcuResult("C", NO_FAILURE), new EcuResult("A", NO_FAILURE),
        new EcuResult("B", NO_FAILURE), new EcuResult("main", NO_FAILURE));
    for (String id : List.of("main", "A", "B", "C")) {
      assertThat(tree.local(id).updatesStarted).containsExactly(entry(id));
    }
    // the RPC returned after the acks, not after the updates (which are all held)
    assertThat(tree.events()).isEmpty();

    // during the update main's status shows all four, updating, with progress
    Await.until("main to show four ECUs updating", () -> {
      List<EcuStatus> s = tree.node("main").status().ecus();
      return s.size() == 4 && s.stream().allMatch(e -> e.status() == OtaStatus.UPDATING && e.progress().isPresent());
    });

    // C is the slowest: A must hold its reboot for C, main for A (and B)
    tree.local("B").finishStandby();
    tree.local("A").finishStandby();
    tree.local("main").finishStandby();
    awaitWaiting("A", "C");
    awaitWaiting("main", "A");
    awaitEvent("B:reboot");
    assertThat(tree.events()).containsExactly("B:reboot");

    tree.local("C").finishStandby();
    awaitEvent("main:reboot");
    assertThat(tree.events()).containsExactlyInAnyOrder("C:reboot", "A:reboot", "B:reboot", "main:reboot");
    assertThat(tree.indexOf("C:reboot")).isLessThan(tree.indexOf("A:reboot"));
    assertThat(tree.indexOf("A:reboot")).isLessThan(tree.indexOf("main:reboot"));
    assertThat(tree.indexOf("B:reboot")).isLessThan(tree.indexOf("main:reboot"));
    Await.until("all four SUCCESS with the new version", () -> {
      List<EcuStatus> s = tree.node("main").status().ecus();
      return s.size() == 4 && s.stream().allMatch(e -> e.status() == OtaStatus.SUCCESS && e.version().equals("v2"));
    });
  }

  @Test
  void aFailedChildStillCountsAsFinished() {
    standardTree(FAST);
    tree.local("C").failUpdates().holdStandby();
    awaitFullStatus("C", "A", "B", "main");
    tree.node("main").update(request("main", "A", "B", "C"));
    awaitWaiting("A", "C");
    tree.local("C").finishStandby();
    awaitEvent("main:reboot");
    assertThat(tree.indexOf("C:failed")).isGreaterThanOrEqualTo(0).isLessThan(tree.indexOf("A:reboot"));
    assertThat(tree.local("C").otaStatus()).isEqualTo(OtaStatus.FAILURE);
  }

  @Test
  void hungChildIsRecoverableWithinTheAckDeadlineAndNeverSlowsStatus() throws Exception {
    // A status call to B, once started, hangs for the whole test (its deadline is longer): a Status that
    // waited for B would not return. The ack deadline leaves ample time to ask for Status meanwhile.
    Duration ack = Duration.ofSeconds(2);
    standardTree(new EcuNodeSettings(ack, Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofMinutes(5),
        Duration.ofMillis(600)));
    awaitFullStatus("C", "A", "B", "main");
    net.mode("B", InMemoryWiring.Mode.HUNG);

    long t0 = System.nanoTime();
    CompletableFuture<List<EcuResult>> update =
        CompletableFuture.supplyAsync(() -> tree.node("main").update(request("main", "A", "B", "C")));
    Await.until("the update call to B to hang", () -> net.updateCalls("B") >= 1 && net.hungCalls("B") >= 1);
    for (int i = 0; i < 3; i++) {
      assertThat(ids(tree.node("main").status())).contains("main");
    }
    assertThat(update).as("Status answered while the update still waited for B").isNotDone();

    List<EcuResult> result = update.get(Await.LIMIT.toSeconds(), TimeUnit.SECONDS);
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    assertThat(result).extracting(EcuResult::ecuId, EcuResult::result).containsExactly(tuple("C", NO_FAILURE),
        tuple("A", NO_FAILURE), tuple("B", RECOVERABLE), tuple("main", NO_FAILURE));
    assertThat(result.get(2).message()).startsWith("no answer from ECU B: update of B: no answer within 2000 ms");
    assertThat(took).as("B's call hangs forever: only the ack deadline ended the wait").isGreaterThanOrEqualTo(ack);
    assertThat(tree.local("B").updatesStarted).isEmpty();

    // B drops out of status; the rest of the tree carries on and main reboots once B counts as lost
    awaitFullStatus("C", "A", "main");
    awaitEvent("main:reboot");
    awaitFullStatus("C", "A", "main");
  }

  @Test
  void unreachableChildAndItsSubtreeAreAbsentFromStatusUntilItAnswersAgain() {
    standardTree(FAST);
    awaitFullStatus("C", "A", "B", "main");
    net.mode("A", InMemoryWiring.Mode.UNREACHABLE);
    awaitFullStatus("B", "main");
    assertThat(tree.node("main").status().availableEcuIds()).containsExactly("main", "A", "B", "C");
    net.mode("A", InMemoryWiring.Mode.NORMAL);
    awaitFullStatus("C", "A", "B", "main");
  }

  @Test
  void childThatWasNeverReachedContributesNothing() {
    standardTree(new EcuNodeSettings(FAST.ackDeadline(), FAST.pollActive(), FAST.pollIdle(), Duration.ofMillis(300),
        FAST.childLostAfter()));
    net.mode("B", InMemoryWiring.Mode.HUNG);
    awaitFullStatus("C", "A", "main");
    // several polls of B ran into their deadline and were given up
    Await.until("two abandoned polls of B", () -> net.abandonedCalls("B") >= 2);
    StatusReport r = awaitFullStatus("C", "A", "main");
    assertThat(ids(r)).doesNotContain("B");
  }

  @Test
  void lostChildStopsBlockingTheRebootAfterTheLimit() {
    Duration lostAfter = Duration.ofSeconds(1);
    mainWithA(new EcuNodeSettings(FAST.ackDeadline(), FAST.pollActive(), FAST.pollIdle(), FAST.statusDeadline(),
        lostAfter));
    tree.local("A").holdStandby(); // A never finishes

    // taken before the request: A is tracked from its acknowledgement on, which comes later
    long requested = System.nanoTime();
    List<EcuResult> result = tree.node("main").update(request("main", "A"));
    assertThat(result).containsExactly(new EcuResult("A", NO_FAILURE), new EcuResult("main", NO_FAILURE));
    awaitWaiting("main", "A");
    net.mode("A", InMemoryWiring.Mode.UNREACHABLE);

    awaitEvent("main:reboot");
    assertThat(Duration.ofNanos(System.nanoTime() - requested)).isGreaterThanOrEqualTo(lostAfter);
    assertThat(tree.local("A").otaStatus()).isEqualTo(OtaStatus.UPDATING); // A never finished
    assertThat(tree.node("main").rebootWaitReason()).isEmpty();
  }

  @Test
  void aSlowButReachableChildIsNotLost() {
    // The limit is about silence, not duration: A updates for longer than the limit and is waited for.
    Duration lostAfter = Duration.ofSeconds(1);
    mainWithA(new EcuNodeSettings(FAST.ackDeadline(), FAST.pollActive(), FAST.pollIdle(), FAST.statusDeadline(),
        lostAfter));
    tree.local("A").holdStandby();
    tree.node("main").update(request("main", "A"));
    awaitWaiting("main", "A");
    long since = System.nanoTime();
    // time passing is the subject here: A keeps answering, busy, for twice the limit
    Await.until("twice the limit to pass", () -> System.nanoTime() - since > 2 * lostAfter.toNanos());
    assertThat(tree.indexOf("main:reboot")).isEqualTo(-1);
    assertThat(tree.node("main").rebootWaitReason()).hasValueSatisfying(r -> assertThat(r).contains("A"));

    tree.local("A").finishStandby();
    awaitEvent("main:reboot");
    assertThat(tree.indexOf("A:reboot")).isGreaterThanOrEqualTo(0).isLessThan(tree.indexOf("main:reboot"));
  }

  @Test
  void busyEcuAnswersRecoverableButStillForwardsToChildren() {
    mainWithA(FAST);
    holdAll("main", "A");
    assertThat(tree.node("main").update(request("main", "A")))
        .containsExactly(new EcuResult("A", NO_FAILURE), new EcuResult("main", NO_FAILURE));

    List<EcuResult> again = tree.node("main").update(request("main", "A"));

    assertThat(again).containsExactly(new EcuResult("A", RECOVERABLE, "ECU A is busy: its status is UPDATING"),
        new EcuResult("main", RECOVERABLE, "ECU main is busy: its status is UPDATING"));
    assertThat(net.updateCalls("A")).isEqualTo(2);
    assertThat(tree.local("main").updatesStarted).hasSize(1);
    assertThat(tree.local("A").updatesStarted).hasSize(1);
  }

  @Test
  void invalidEntryForADirectChildIsAnsweredHereAndNotForwarded() {
    standardTree(FAST);
    List<UpdateRequestEcu> req = List.of(entry("main"), new UpdateRequestEcu("A", "v2", "ftp://x/", "{}"),
        entry("C"), entry("B"));
    awaitFullStatus("C", "A", "B", "main");
    List<EcuResult> result = tree.node("main").update(req);
    String ftp = "image location ftp://x/ has unsupported scheme 'ftp'";
    assertThat(result).extracting(EcuResult::ecuId, EcuResult::result).containsExactly(tuple("A", RECOVERABLE),
        tuple("B", NO_FAILURE), tuple("main", NO_FAILURE), tuple("C", RECOVERABLE));
    assertThat(result.get(0).message()).contains(ftp);
    // the caller named C too: it learns why C did nothing
    assertThat(result.get(3).message()).startsWith("ECU 'C' was not reached: ECU A, which it is behind: ")
        .contains(ftp);
    assertThat(net.updateCalls("A")).isZero();
    assertThat(tree.local("A").updatesStarted).isEmpty();
    assertThat(tree.local("C").updatesStarted).isEmpty();
  }

  @Test
  void invalidEntryForAGrandchildIsRefusedByItsParent() {
    standardTree(FAST);
    List<UpdateRequestEcu> req = List.of(entry("main"), entry("A"),
        new UpdateRequestEcu("C", "v2", "http://127.0.0.1/", "not json"));
    List<EcuResult> result = tree.node("main").update(req);
    assertThat(result).extracting(EcuResult::ecuId, EcuResult::result).containsExactly(tuple("C", RECOVERABLE),
        tuple("A", NO_FAILURE), tuple("main", NO_FAILURE));
    assertThat(result.get(0).message()).startsWith("cookies are not valid JSON");
    assertThat(tree.local("C").updatesStarted).isEmpty();
    assertThat(tree.local("A").updatesStarted).hasSize(1);
  }

  @Test
  void grandchildWithoutItsParentIsReachedThroughItAndAnUnknownIdIsAnsweredToADirectCaller() {
    // Python forwards only to the children a request names (quirk Q14); we also route to the child
    // whose reported subtree holds a named ECU, so C is reached through A, which starts nothing.
    standardTree(FAST);
    awaitFullStatus("C", "A", "B", "main");
    List<EcuResult> result = tree.node("main").update(request("main", "C", "nowhere"));
    assertThat(result).containsExactly(new EcuResult("C", NO_FAILURE), new EcuResult("main", NO_FAILURE),
        new EcuResult("nowhere", RECOVERABLE, "no ECU 'nowhere' in this vehicle; known ECUs: A, B, C, main"));
    assertThat(net.updateCalls("A")).isEqualTo(1);
    assertThat(net.updateCalls("B")).isZero();
    assertThat(tree.local("C").updatesStarted).hasSize(1);
    assertThat(tree.local("A").updatesStarted).isEmpty();
  }

  @Test
  void aRelayedRequestLeavesIdsOfOtherBranchesUnanswered() {
    // what a parent (Python or ours) sends names ECUs of other branches: only they answer for them
    standardTree(FAST);
    awaitFullStatus("C", "A", "B", "main");
    List<EcuResult> result = tree.node("A").update(
        new EcuRequest<>(request("A", "B", "main"), "r1", java.util.Optional.empty(), false));
    assertThat(result).containsExactly(new EcuResult("A", NO_FAILURE));
    assertThat(tree.local("A").requestIds).containsExactly("r1");
  }

  @Test
  void requestNotNamingThisEcuStartsNothingHere() {
    standardTree(FAST);
    List<EcuResult> result = tree.node("main").update(request("B"));
    assertThat(result).containsExactly(new EcuResult("B", NO_FAILURE));
    assertThat(tree.local("main").updatesStarted).isEmpty();
    assertThat(tree.local("B").updatesStarted).hasSize(1);
  }

  @Test
  void rollbackFansOutLikeUpdateAndKeepsTheRebootOrder() {
    standardTree(FAST);
    tree.local("C").holdStandby();
    awaitFullStatus("C", "A", "B", "main");
    List<EcuResult> result = tree.node("main").rollback(List.of("main", "A", "C"));
    assertThat(result).containsExactly(new EcuResult("C", NO_FAILURE), new EcuResult("A", NO_FAILURE),
        new EcuResult("main", NO_FAILURE));
    assertThat(net.updateCalls("B")).isZero();
    assertThat(tree.local("B").rollbacksStarted).isEmpty();
    awaitWaiting("A", "C");
    tree.local("C").finishStandby();
    awaitEvent("main:reboot");
    assertThat(tree.indexOf("C:reboot")).isGreaterThanOrEqualTo(0).isLessThan(tree.indexOf("A:reboot"));
    assertThat(tree.indexOf("A:reboot")).isLessThan(tree.indexOf("main:reboot"));
  }

  @Test
  void rollbackInputChecks() {
    standardTree(FAST);
    assertThat(tree.node("main").rollback(List.of("main", "main", ""))).containsExactly(
        new EcuResult("", RECOVERABLE, "ecu id is empty"),
        new EcuResult("main", RECOVERABLE, "'main' is listed 2 times in one request"));
    assertThat(tree.local("main").rollbacksStarted).isEmpty();
    // a rollback while busy
    tree.local("main").holdStandby();
    assertThat(tree.node("main").update(request("main"))).containsExactly(new EcuResult("main", NO_FAILURE));
    assertThat(tree.node("main").rollback(List.of("main")))
        .containsExactly(new EcuResult("main", RECOVERABLE, "ECU main is busy: its status is UPDATING"));
    assertThat(tree.local("main").rollbacksStarted).isEmpty();
  }

  @Test
  void pollingIsFastWhileUpdatingAndSlowWhenIdle() {
    Duration idle = Duration.ofMillis(500);
    mainWithA(new EcuNodeSettings(FAST.ackDeadline(), Duration.ofMillis(20), idle, FAST.statusDeadline(),
        FAST.childLostAfter()));
    // idle: the poller waits a whole interval between rounds, so three intervals take at least two
    // (the bound leaves room for one round starting late), however fast the machine
    int from = net.statusCalls("A");
    Await.until("four idle polls of A", () -> net.statusCalls("A") >= from + 4);
    List<Long> idleCalls = net.statusCallTimes("A");
    long idleSpan = idleCalls.get(from + 3) - idleCalls.get(from);
    assertThat(Duration.ofNanos(idleSpan)).isGreaterThanOrEqualTo(idle.multipliedBy(2));

    // updating: ten polls come in less time than nine idle intervals could ever take
    tree.local("A").holdStandby();
    tree.node("main").update(request("A"));
    Await.until("A seen updating", () -> tree.node("main").status().ecus().stream()
        .anyMatch(s -> s.ecuId().equals("A") && s.status() == OtaStatus.UPDATING));
    int busyFrom = net.statusCalls("A");
    Await.until("eleven busy polls of A", () -> net.statusCalls("A") >= busyFrom + 11);
    List<Long> busyCalls = net.statusCallTimes("A");
    long busySpan = busyCalls.get(busyFrom + 10) - busyCalls.get(busyFrom);
    assertThat(Duration.ofNanos(busySpan)).isLessThan(idle.multipliedBy(9));
  }

  @Test
  void closeReleasesAWaitingGateWithoutPermission() {
    mainWithA(FAST);
    tree.local("A").holdStandby();
    tree.node("main").update(request("main", "A"));
    awaitWaiting("main", "A");
    tree.node("main").close();
    Await.until("main's gate interrupted", () -> tree.local("main").gateInterrupted());
    assertThat(tree.indexOf("main:reboot")).isEqualTo(-1);
  }
}
