package dev.otaclient.grpc;

import dev.otaclient.ecu.LocalEcu;
import dev.otaclient.ecu.RebootGate;
import dev.otaclient.ecu.UpdateRequestEcu;
import dev.otaclient.error.FailureType;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.Progress;
import dev.otaclient.status.UpdatePhase;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * A stand-in for the update engine: an accepted update reports UPDATING with progress at once,
 * "builds its standby" until the test releases it, waits at the reboot gate, records its reboot in a
 * shared log and reports SUCCESS with the new version.
 */
final class ScriptedLocalEcu implements LocalEcu {
  final String id;
  final CountDownLatch standbyBuilt = new CountDownLatch(1);
  private final List<String> rebootLog;
  private volatile EcuStatus status;

  ScriptedLocalEcu(String id, List<String> rebootLog) {
    this.id = id;
    this.rebootLog = rebootLog;
    this.status = new EcuStatus(id, OtaStatus.SUCCESS, FailureType.NO_FAILURE, "", "1.0", Optional.empty());
  }

  static Progress progress(String id) {
    // distinct numbers per ECU so a mixed-up entry shows
    long base = id.hashCode() & 0xffff;
    return new Progress(UpdatePhase.REGULAR, base + 10, base + 3, 1, 1, 1, 100, 200, 300,
        Duration.ofMillis(15), Duration.ofMillis(25), Duration.ofMillis(35), 0, base * 1000, Duration.ofSeconds(2, 5),
        4096);
  }

  @Override
  public FailureType startUpdate(UpdateRequestEcu request, RebootGate gate) {
    if (status.status().isBusy()) {
      return FailureType.RECOVERABLE;
    }
    status = new EcuStatus(id, OtaStatus.UPDATING, FailureType.NO_FAILURE, "", status.version(),
        Optional.of(progress(id)));
    Thread t = new Thread(() -> {
      try {
        standbyBuilt.await();
        gate.awaitRebootPermission();
        rebootLog.add(id);
        status = new EcuStatus(id, OtaStatus.SUCCESS, FailureType.NO_FAILURE, "", request.version(), Optional.empty());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "fake-update-" + id);
    t.setDaemon(true);
    t.start();
    return FailureType.NO_FAILURE;
  }

  @Override
  public FailureType startRollback(RebootGate gate) {
    return FailureType.RECOVERABLE;
  }

  @Override
  public EcuStatus status() {
    return status;
  }
}
