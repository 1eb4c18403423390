package dev.otaclient.ecu;

import dev.otaclient.error.FailureType;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.Progress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A scripted local OTA client: an accepted update is UPDATING for {@link #workTime}, then either fails
 * (FAILURE, no reboot) or waits at its gate, "reboots" (an event in the shared log) and reports
 * SUCCESS. Rollbacks are the same with ROLLBACKING.
 */
final class FakeLocalEcu implements LocalEcu {
  final String id;
  final List<String> events;
  final List<UpdateRequestEcu> updatesStarted = new CopyOnWriteArrayList<>();
  final List<String> rollbacksStarted = new CopyOnWriteArrayList<>();
  volatile Duration workTime = Duration.ofMillis(50);
  volatile boolean failUpdate;
  volatile boolean gateInterrupted;
  private volatile OtaStatus status = OtaStatus.SUCCESS;
  private volatile String version = "v1";

  FakeLocalEcu(String id, List<String> events) {
    this.id = id;
    this.events = events;
  }

  @Override
  public synchronized FailureType startUpdate(UpdateRequestEcu request, RebootGate gate) {
    if (status.isBusy()) {
      return FailureType.RECOVERABLE;
    }
    updatesStarted.add(request);
    status = OtaStatus.UPDATING;
    run(gate, request.version(), failUpdate);
    return FailureType.NO_FAILURE;
  }

  @Override
  public synchronized FailureType startRollback(RebootGate gate) {
    if (status.isBusy()) {
      return FailureType.RECOVERABLE;
    }
    rollbacksStarted.add(id);
    status = OtaStatus.ROLLBACKING;
    run(gate, "v0", false);
    return FailureType.NO_FAILURE;
  }

  private void run(RebootGate gate, String newVersion, boolean fail) {
    Duration work = workTime;
    Thread t = new Thread(() -> {
      try {
        Thread.sleep(work.toMillis());
        if (fail) {
          events.add(id + ":failed");
          status = OtaStatus.FAILURE;
          return;
        }
        gate.awaitRebootPermission();
        events.add(id + ":reboot");
        version = newVersion;
        status = OtaStatus.SUCCESS;
      } catch (InterruptedException e) {
        gateInterrupted = true;
      }
    }, "fake-" + id);
    t.setDaemon(true);
    t.start();
  }

  OtaStatus otaStatus() {
    return status;
  }

  @Override
  public EcuStatus status() {
    OtaStatus s = status;
    return new EcuStatus(id, s, FailureType.NO_FAILURE, "", version,
        s == OtaStatus.UPDATING ? Optional.of(Progress.EMPTY) : Optional.empty());
  }
}
