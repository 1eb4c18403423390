package dev.otaclient.cli;

import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.internal.ecu.StatusReport;
import dev.otaclient.error.FailureType;
import dev.otaclient.grpc.OtaClientStub;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Follows an update over the main ECU's Status until every ECU it was accepted for has finished,
 * with live progress: what {@code update --wait} and {@code demo} both do.
 */
final class UpdateWatch {
  private static final Duration POLL = Duration.ofMillis(500);
  /** While the main ECU itself reboots, Status fails for a while: retry after this long. */
  private static final Duration UNREACHABLE_RETRY = Duration.ofSeconds(1);

  private UpdateWatch() {}

  /** The ECUs that accepted a request: those an update is then followed for. */
  static List<String> accepted(List<EcuResult> answers) {
    return answers.stream().filter(r -> r.result() == FailureType.NO_FAILURE).map(EcuResult::ecuId).toList();
  }

  /**
   * Polls Status until each of {@code ids} is reported and none is updating or rolling back any more,
   * after one was seen updating (or all are already finished: an update too quick to be seen).
   *
   * @param line where the live progress goes; closed at the end
   * @return the final status of each of {@code ids}, with the available ids of the last report
   * @throws CliFailure when {@code timeout} passes first
   */
  static StatusReport follow(OtaClientStub stub, List<String> ids, Duration timeout, ProgressLine line)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, EcuStatus> last = new LinkedHashMap<>();
    boolean sawUpdating = false;
    try {
      while (System.nanoTime() < deadline) {
        StatusReport r;
        try {
          r = stub.status();
        } catch (RuntimeException e) {
          Thread.sleep(UNREACHABLE_RETRY.toMillis());
          continue;
        }
        for (EcuStatus s : r.ecus()) {
          if (ids.contains(s.ecuId())) {
            last.put(s.ecuId(), s);
            if (s.status() == OtaStatus.UPDATING) {
              sawUpdating = true;
              line.show(s);
            }
          }
        }
        boolean done = last.keySet().containsAll(ids)
            && last.values().stream().noneMatch(s -> s.status().isBusy())
            && (sawUpdating || last.values().stream().allMatch(UpdateWatch::finished));
        if (done) {
          return new StatusReport(new ArrayList<>(last.values()), r.availableEcuIds());
        }
        Thread.sleep(POLL.toMillis());
      }
    } finally {
      line.close();
    }
    throw CliFailure.failed(CliFailure.TIMEOUT, "gave up after " + timeout.toSeconds() + " s waiting for " + ids);
  }

  /** Ends the command as failed when an ECU did not end in SUCCESS: the first failure's reason. */
  static void requireSucceeded(List<EcuStatus> ends) {
    List<EcuStatus> failed = ends.stream().filter(s -> s.status() != OtaStatus.SUCCESS).toList();
    if (failed.isEmpty()) {
      return;
    }
    EcuStatus first = failed.get(0);
    String context = "ECU " + first.ecuId() + (failed.size() > 1 ? ", and " + (failed.size() - 1) + " more" : "");
    throw first.failureReason().isEmpty()
        ? CliFailure.failed("failed", "ECU " + first.ecuId() + " ended " + first.status()
            + (failed.size() > 1 ? ", and " + (failed.size() - 1) + " more" : ""))
        : CliFailure.ofReason(first.failureReason(), context);
  }

  private static boolean finished(EcuStatus s) {
    return s.status() == OtaStatus.SUCCESS || s.status() == OtaStatus.FAILURE || s.status() == OtaStatus.ROLLBACK_FAILURE;
  }
}
