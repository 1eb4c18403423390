package dev.otaclient.internal.ecu;

import dev.otaclient.error.FailureType;
import dev.otaclient.status.CancelOutcome;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.Progress;
import dev.otaclient.status.UpdatePhase;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A scripted local OTA client, the stand-in for the update engine in tree tests. An accepted update
 * reports UPDATING (with {@link #progress(String)}) at once, then "builds its standby": that lasts
 * until the test calls {@link #finishStandby()} when it asked for {@link #holdStandby()}, and no time at
 * all otherwise; then it either fails (FAILURE, event {@code <id>:failed}) or waits at its reboot gate,
 * "reboots" (event {@code <id>:reboot} in the log shared by the tree) and reports SUCCESS with the new
 * version. Rollbacks are the same with ROLLBACKING and version {@code v0}. Nothing here depends on time.
 */
public final class FakeLocalEcu implements LocalEcu {
  public final String id;
  public final List<UpdateRequestEcu> updatesStarted = new CopyOnWriteArrayList<>();
  public final List<String> rollbacksStarted = new CopyOnWriteArrayList<>();
  /** The request id of every update started, in order. */
  public final List<String> requestIds = new CopyOnWriteArrayList<>();
  public final List<UpdateRequestEcu> clientUpdatesStarted = new CopyOnWriteArrayList<>();
  public final List<CancelOutcome> aborts = new CopyOnWriteArrayList<>();
  private final List<String> events;
  private volatile CountDownLatch standby = new CountDownLatch(0);
  private volatile boolean failUpdate;
  private volatile boolean gateInterrupted;
  private volatile EcuStatus status;

  public FakeLocalEcu(String id, List<String> events) {
    this.id = id;
    this.events = events;
    this.status = new EcuStatus(id, OtaStatus.SUCCESS, FailureType.NO_FAILURE, "", "v1", Optional.empty());
  }

  /** Progress numbers distinct per ECU, so that a mixed-up entry shows. */
  public static Progress progress(String id) {
    long base = id.hashCode() & 0xffff;
    return new Progress(UpdatePhase.REGULAR, base + 10, base + 3, 1, 1, 1, 100, 200, 300,
        Duration.ofMillis(15), Duration.ofMillis(25), Duration.ofMillis(35), 0, base * 1000, Duration.ofSeconds(2, 5),
        4096);
  }

  /** Operations started from now on stay in their standby phase until {@link #finishStandby()}. */
  public FakeLocalEcu holdStandby() {
    standby = new CountDownLatch(1);
    return this;
  }

  /** Ends the standby phase of the operation held by {@link #holdStandby()}. */
  public void finishStandby() {
    standby.countDown();
  }

  /** Updates started from now on end in FAILURE after their standby phase. */
  public FakeLocalEcu failUpdates() {
    failUpdate = true;
    return this;
  }

  /** Whether an operation's wait at the reboot gate ended with an interrupt (the tree shut down). */
  public boolean gateInterrupted() {
    return gateInterrupted;
  }

  public OtaStatus otaStatus() {
    return status.status();
  }

  @Override
  public synchronized Answer startUpdate(UpdateRequestEcu request, String requestId, RebootGate gate) {
    if (status.status().isBusy()) {
      return Answer.refused("scripted: busy");
    }
    updatesStarted.add(request);
    requestIds.add(requestId);
    status = new EcuStatus(id, OtaStatus.UPDATING, FailureType.NO_FAILURE, "", status.version(), Optional.of(progress(id)));
    run(gate, request.version(), failUpdate);
    return Answer.accepted();
  }

  /** A client update that changes nothing: CLIENT_UPDATING until the held standby phase ends, then back. */
  @Override
  public synchronized Answer startClientUpdate(UpdateRequestEcu request, String requestId) {
    if (status.status().isBusy()) {
      return Answer.refused("scripted: busy");
    }
    clientUpdatesStarted.add(request);
    EcuStatus before = status;
    status = new EcuStatus(id, OtaStatus.CLIENT_UPDATING, FailureType.NO_FAILURE, "", before.version(),
        Optional.empty());
    CountDownLatch held = standby;
    Thread t = new Thread(() -> {
      try {
        held.await();
        status = before;
      } catch (InterruptedException e) {
        gateInterrupted = true;
      }
    }, "fake-client-" + id);
    t.setDaemon(true);
    t.start();
    return Answer.accepted();
  }

  @Override
  public synchronized Answer startRollback(RebootGate gate) {
    if (status.status().isBusy()) {
      return Answer.refused("scripted: busy");
    }
    rollbacksStarted.add(id);
    status = new EcuStatus(id, OtaStatus.ROLLBACKING, FailureType.NO_FAILURE, "", status.version(), Optional.empty());
    run(gate, "v0", false);
    return Answer.accepted();
  }

  /** An update (UPDATING) stops at once and reads ABORTED; anything else is NOT_RUNNING. */
  @Override
  public synchronized CancelOutcome abort() {
    CancelOutcome o;
    if (status.status() == OtaStatus.UPDATING) {
      status = new EcuStatus(id, OtaStatus.ABORTED, FailureType.NO_FAILURE, "", status.version(), Optional.empty());
      o = CancelOutcome.ACCEPTED;
    } else {
      o = CancelOutcome.NOT_RUNNING;
    }
    aborts.add(o);
    return o;
  }

  private void run(RebootGate gate, String newVersion, boolean fail) {
    CountDownLatch held = standby;
    Thread t = new Thread(() -> {
      try {
        held.await();
        if (status.status() == OtaStatus.ABORTED) {
          return;
        }
        if (fail) {
          events.add(id + ":failed");
          status = new EcuStatus(id, OtaStatus.FAILURE, FailureType.RECOVERABLE, "scripted failure", status.version(),
              Optional.empty());
          return;
        }
        gate.awaitRebootPermission();
        events.add(id + ":reboot");
        status = new EcuStatus(id, OtaStatus.SUCCESS, FailureType.NO_FAILURE, "", newVersion, Optional.empty());
      } catch (InterruptedException e) {
        gateInterrupted = true;
      }
    }, "fake-" + id);
    t.setDaemon(true);
    t.start();
  }

  @Override
  public EcuStatus status() {
    return status;
  }
}
