package dev.otaclient.ecu;

import static dev.otaclient.error.FailureType.NO_FAILURE;
import static dev.otaclient.error.FailureType.RECOVERABLE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Whole trees in memory: main -> (A, B), A -> C, with scripted local clients. */
class EcuNodeTreeTest {
  private static final Duration ACK = Duration.ofMillis(300);
  private static final EcuNodeSettings FAST = new EcuNodeSettings(ACK, Duration.ofMillis(20),
      Duration.ofMillis(200), Duration.ofMillis(150), Duration.ofSeconds(20));

  private InMemoryTree tree;

  @AfterEach
  void closeTree() {
    if (tree != null) {
      tree.close();
    }
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

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  private void awaitFullStatus(String... expected) throws InterruptedException {
    await("status of main to show " + List.of(expected), () -> ids(tree.node("main").status()).equals(List.of(expected)));
  }

  @Test
  void statusListsChildrenSubtreesInConfigOrderThenSelfWithOwnAvailableIds() throws Exception {
    tree = InMemoryTree.standard(FAST);
    awaitFullStatus("C", "A", "B", "main");
    StatusReport r = tree.node("main").status();
    assertThat(r.availableEcuIds()).containsExactly("main", "A", "B", "C");
    // A's own report carries A's available ids, which main does not merge
    assertThat(tree.node("A").status().availableEcuIds()).containsExactly("A");
    assertThat(r.ecus()).allSatisfy(s -> assertThat(s.status()).isEqualTo(OtaStatus.SUCCESS));
  }

  @Test
  void updateOfFourEcusAnswersInOrderAndRebootsChildrenBeforeParents() throws Exception {
    tree = InMemoryTree.standard(FAST);
    // C is slowest: A must hold its reboot for C, main for A (and B).
    tree.local("C").workTime = Duration.ofMillis(400);
    // Everyone starts from SUCCESS of a previous update, and main's cache already holds it:
    // that old SUCCESS must not open any gate.
    awaitFullStatus("C", "A", "B", "main");

    List<EcuResult> result = tree.node("main").update(request("main", "A", "B", "C"));

    assertThat(result).containsExactly(new EcuResult("C", NO_FAILURE), new EcuResult("A", NO_FAILURE),
        new EcuResult("B", NO_FAILURE), new EcuResult("main", NO_FAILURE));
    for (String id : List.of("main", "A", "B", "C")) {
      assertThat(tree.local(id).updatesStarted).containsExactly(entry(id));
    }
    // the RPC returned after the acks, not after the updates
    assertThat(tree.events).isEmpty();

    // During the update main's status shows all four, updating, with progress
    await("main to show four ECUs updating", () -> {
      List<EcuStatus> s = tree.node("main").status().ecus();
      return s.size() == 4 && s.stream().allMatch(e -> e.status() == OtaStatus.UPDATING && e.progress().isPresent());
    });

    await("every ECU rebooted", () -> tree.events.size() == 4);
    assertThat(tree.indexOf("C:reboot")).isLessThan(tree.indexOf("A:reboot"));
    assertThat(tree.indexOf("A:reboot")).isLessThan(tree.indexOf("main:reboot"));
    assertThat(tree.indexOf("B:reboot")).isLessThan(tree.indexOf("main:reboot"));
    await("all four SUCCESS with the new version", () -> {
      List<EcuStatus> s = tree.node("main").status().ecus();
      return s.size() == 4 && s.stream().allMatch(e -> e.status() == OtaStatus.SUCCESS && e.version().equals("v2"));
    });
  }

  @Test
  void aFailedChildStillCountsAsFinished() throws Exception {
    tree = InMemoryTree.standard(FAST);
    tree.local("C").failUpdate = true;
    tree.local("C").workTime = Duration.ofMillis(200);
    awaitFullStatus("C", "A", "B", "main");
    tree.node("main").update(request("main", "A", "B", "C"));
    await("main rebooted", () -> tree.indexOf("main:reboot") >= 0);
    assertThat(tree.indexOf("C:failed")).isGreaterThanOrEqualTo(0).isLessThan(tree.indexOf("A:reboot"));
    assertThat(tree.local("C").otaStatus()).isEqualTo(OtaStatus.FAILURE);
  }

  @Test
  void hungChildIsRecoverableWithinTheAckDeadlineAndNeverSlowsStatus() throws Exception {
    tree = InMemoryTree.standard(new EcuNodeSettings(ACK, Duration.ofMillis(20), Duration.ofMillis(200),
        Duration.ofMillis(150), Duration.ofMillis(600)));
    awaitFullStatus("C", "A", "B", "main");
    tree.modes.put("B", InMemoryTree.Mode.HUNG);

    AtomicLong slowest = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    Thread prober = new Thread(() -> {
      while (!stop.get()) {
        long t0 = System.nanoTime();
        tree.node("main").status();
        slowest.accumulateAndGet(System.nanoTime() - t0, Math::max);
        try {
          Thread.sleep(2);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    prober.start();
    try {
      long t0 = System.nanoTime();
      List<EcuResult> result = tree.node("main").update(request("main", "A", "B", "C"));
      Duration took = Duration.ofNanos(System.nanoTime() - t0);

      assertThat(result).containsExactly(new EcuResult("C", NO_FAILURE), new EcuResult("A", NO_FAILURE),
          new EcuResult("B", RECOVERABLE), new EcuResult("main", NO_FAILURE));
      assertThat(took).isGreaterThanOrEqualTo(ACK).isLessThan(ACK.plusMillis(1500));
      assertThat(tree.local("B").updatesStarted).isEmpty();

      // B drops out of status; the rest of the tree carries on and main reboots once B counts as lost
      await("B absent from status", () -> !ids(tree.node("main").status()).contains("B"));
      await("main rebooted", () -> tree.indexOf("main:reboot") >= 0);
      assertThat(ids(tree.node("main").status())).containsExactly("C", "A", "main");
    } finally {
      stop.set(true);
      prober.join();
    }
    assertThat(Duration.ofNanos(slowest.get())).isLessThan(Duration.ofMillis(100));
  }

  @Test
  void unreachableChildAndItsSubtreeAreAbsentFromStatusUntilItAnswersAgain() throws Exception {
    tree = InMemoryTree.standard(FAST);
    awaitFullStatus("C", "A", "B", "main");
    tree.modes.put("A", InMemoryTree.Mode.UNREACHABLE);
    awaitFullStatus("B", "main");
    assertThat(tree.node("main").status().availableEcuIds()).containsExactly("main", "A", "B", "C");
    tree.modes.put("A", InMemoryTree.Mode.NORMAL);
    awaitFullStatus("C", "A", "B", "main");
  }

  @Test
  void childThatWasNeverReachedContributesNothing() throws Exception {
    tree = InMemoryTree.standard(FAST);
    tree.modes.put("B", InMemoryTree.Mode.HUNG);
    awaitFullStatus("C", "A", "main");
    Thread.sleep(300); // several poll deadlines of B have passed
    assertThat(ids(tree.node("main").status())).containsExactly("C", "A", "main");
  }

  @Test
  void lostChildStopsBlockingTheRebootAfterTheLimit() throws Exception {
    Duration lostAfter = Duration.ofMillis(400);
    tree = new InMemoryTree(new EcuNodeSettings(ACK, Duration.ofMillis(20), Duration.ofMillis(200),
        Duration.ofMillis(100), lostAfter)).ecu("main", "A").ecu("A").startAll();
    tree.local("A").workTime = Duration.ofSeconds(30); // A would take far longer than the test
    tree.local("main").workTime = Duration.ofMillis(10);

    List<EcuResult> result = tree.node("main").update(request("main", "A"));
    assertThat(result).containsExactly(new EcuResult("A", NO_FAILURE), new EcuResult("main", NO_FAILURE));
    long acked = System.nanoTime();
    await("main waiting for A", () -> tree.node("main").rebootWaitReason().isPresent());
    assertThat(tree.node("main").rebootWaitReason()).hasValueSatisfying(r -> assertThat(r).contains("A"));
    tree.modes.put("A", InMemoryTree.Mode.UNREACHABLE);

    await("main rebooted", () -> tree.indexOf("main:reboot") >= 0);
    assertThat(Duration.ofNanos(System.nanoTime() - acked)).isGreaterThanOrEqualTo(lostAfter);
    assertThat(tree.local("A").otaStatus()).isEqualTo(OtaStatus.UPDATING); // A never finished
    assertThat(tree.node("main").rebootWaitReason()).isEmpty();
  }

  @Test
  void aSlowButReachableChildIsNotLost() throws Exception {
    // The limit is about silence, not duration: A updates for longer than the limit and is waited for.
    tree = new InMemoryTree(new EcuNodeSettings(ACK, Duration.ofMillis(20), Duration.ofMillis(200),
        Duration.ofMillis(150), Duration.ofMillis(150))).ecu("main", "A").ecu("A").startAll();
    tree.local("A").workTime = Duration.ofMillis(700);
    tree.local("main").workTime = Duration.ofMillis(10);
    tree.node("main").update(request("main", "A"));
    await("main rebooted", () -> tree.indexOf("main:reboot") >= 0);
    assertThat(tree.indexOf("A:reboot")).isGreaterThanOrEqualTo(0).isLessThan(tree.indexOf("main:reboot"));
  }

  @Test
  void busyEcuAnswersRecoverableButStillForwardsToChildren() throws Exception {
    tree = new InMemoryTree(FAST).ecu("main", "A").ecu("A").startAll();
    tree.local("main").workTime = Duration.ofSeconds(2);
    tree.local("A").workTime = Duration.ofSeconds(2);
    assertThat(tree.node("main").update(request("main", "A")))
        .containsExactly(new EcuResult("A", NO_FAILURE), new EcuResult("main", NO_FAILURE));

    List<EcuResult> again = tree.node("main").update(request("main", "A"));

    assertThat(again).containsExactly(new EcuResult("A", RECOVERABLE), new EcuResult("main", RECOVERABLE));
    assertThat(tree.updateCalls("A")).isEqualTo(2);
    assertThat(tree.local("main").updatesStarted).hasSize(1);
    assertThat(tree.local("A").updatesStarted).hasSize(1);
  }

  @Test
  void invalidEntryForADirectChildIsAnsweredHereAndNotForwarded() throws Exception {
    tree = InMemoryTree.standard(FAST);
    List<UpdateRequestEcu> req = List.of(entry("main"), new UpdateRequestEcu("A", "v2", "ftp://x/", "{}"),
        entry("C"), entry("B"));
    List<EcuResult> result = tree.node("main").update(req);
    assertThat(result).containsExactly(new EcuResult("A", RECOVERABLE), new EcuResult("B", NO_FAILURE),
        new EcuResult("main", NO_FAILURE));
    assertThat(tree.updateCalls("A")).isZero();
    assertThat(tree.local("A").updatesStarted).isEmpty();
    assertThat(tree.local("C").updatesStarted).isEmpty();
  }

  @Test
  void invalidEntryForAGrandchildIsRefusedByItsParent() throws Exception {
    tree = InMemoryTree.standard(FAST);
    List<UpdateRequestEcu> req = List.of(entry("main"), entry("A"),
        new UpdateRequestEcu("C", "v2", "http://127.0.0.1/", "not json"));
    List<EcuResult> result = tree.node("main").update(req);
    assertThat(result).containsExactly(new EcuResult("C", RECOVERABLE), new EcuResult("A", NO_FAILURE),
        new EcuResult("main", NO_FAILURE));
    assertThat(tree.local("C").updatesStarted).isEmpty();
    assertThat(tree.local("A").updatesStarted).hasSize(1);
  }

  @Test
  void grandchildWithoutItsParentIsNotReachedAndUnknownIdsGetNoAnswer() throws Exception {
    // As in Python: only direct children's ids are checked against the request.
    tree = InMemoryTree.standard(FAST);
    List<EcuResult> result = tree.node("main").update(request("main", "C", "nowhere"));
    assertThat(result).containsExactly(new EcuResult("main", NO_FAILURE));
    assertThat(tree.updateCalls("A")).isZero();
    assertThat(tree.updateCalls("B")).isZero();
    assertThat(tree.local("C").updatesStarted).isEmpty();
  }

  @Test
  void requestNotNamingThisEcuStartsNothingHere() throws Exception {
    tree = InMemoryTree.standard(FAST);
    List<EcuResult> result = tree.node("main").update(request("B"));
    assertThat(result).containsExactly(new EcuResult("B", NO_FAILURE));
    assertThat(tree.local("main").updatesStarted).isEmpty();
    assertThat(tree.local("B").updatesStarted).hasSize(1);
  }

  @Test
  void rollbackFansOutLikeUpdateAndKeepsTheRebootOrder() throws Exception {
    tree = InMemoryTree.standard(FAST);
    tree.local("C").workTime = Duration.ofMillis(300);
    awaitFullStatus("C", "A", "B", "main");
    List<EcuResult> result = tree.node("main").rollback(List.of("main", "A", "C"));
    assertThat(result).containsExactly(new EcuResult("C", NO_FAILURE), new EcuResult("A", NO_FAILURE),
        new EcuResult("main", NO_FAILURE));
    assertThat(tree.updateCalls("B")).isZero();
    assertThat(tree.local("B").rollbacksStarted).isEmpty();
    await("main rebooted", () -> tree.indexOf("main:reboot") >= 0);
    assertThat(tree.indexOf("C:reboot")).isGreaterThanOrEqualTo(0).isLessThan(tree.indexOf("A:reboot"));
    assertThat(tree.indexOf("A:reboot")).isLessThan(tree.indexOf("main:reboot"));
  }

  @Test
  void rollbackInputChecks() throws Exception {
    tree = InMemoryTree.standard(FAST);
    assertThat(tree.node("main").rollback(List.of("main", "main", "")))
        .containsExactly(new EcuResult("", RECOVERABLE), new EcuResult("main", RECOVERABLE));
    assertThat(tree.local("main").rollbacksStarted).isEmpty();
    // a rollback while busy
    tree.local("main").workTime = Duration.ofSeconds(2);
    assertThat(tree.node("main").update(request("main"))).containsExactly(new EcuResult("main", NO_FAILURE));
    assertThat(tree.node("main").rollback(List.of("main"))).containsExactly(new EcuResult("main", RECOVERABLE));
    assertThat(tree.local("main").rollbacksStarted).isEmpty();
  }

  @Test
  void pollingIsFastWhileUpdatingAndSlowWhenIdle() throws Exception {
    tree = new InMemoryTree(new EcuNodeSettings(ACK, Duration.ofMillis(20), Duration.ofMillis(400),
        Duration.ofMillis(150), Duration.ofSeconds(20))).ecu("main", "A").ecu("A").startAll();
    Thread.sleep(100);
    int before = tree.statusCalls("A");
    Thread.sleep(1000);
    int idle = tree.statusCalls("A") - before;
    assertThat(idle).isBetween(1, 5); // ~3 at one poll per 400 ms

    tree.local("A").workTime = Duration.ofSeconds(3);
    tree.node("main").update(request("A"));
    before = tree.statusCalls("A");
    Thread.sleep(1000);
    int active = tree.statusCalls("A") - before;
    assertThat(active).isGreaterThan(10); // ~50 at one poll per 20 ms
  }

  @Test
  void closeReleasesAWaitingGateWithoutPermission() throws Exception {
    tree = new InMemoryTree(FAST).ecu("main", "A").ecu("A").startAll();
    tree.local("A").workTime = Duration.ofSeconds(30);
    tree.local("main").workTime = Duration.ofMillis(10);
    tree.node("main").update(request("main", "A"));
    await("main waiting for A", () -> tree.node("main").rebootWaitReason().isPresent());
    tree.node("main").close();
    await("main's gate interrupted", () -> tree.local("main").gateInterrupted);
    assertThat(tree.indexOf("main:reboot")).isEqualTo(-1);
  }
}
