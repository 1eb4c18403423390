package dev.otaclient.internal.ecu;

import dev.otaclient.error.FailureType;
import dev.otaclient.status.CancelOutcome;

/**
 * The local answer to Abort, as the current Python client gives it: accepted when the update stops
 * now, is queued behind the standby's preparation, or is already stopping; refused when nothing runs
 * or the update is switching slots.
 */
final class AbortAnswers {
  private AbortAnswers() {}

  static EcuResult of(String ecuId, CancelOutcome outcome) {
    return switch (outcome) {
      case ACCEPTED -> new EcuResult(ecuId, FailureType.NO_FAILURE, "abort accepted: the update stops now");
      case QUEUED -> new EcuResult(ecuId, FailureType.NO_FAILURE,
          "abort queued: the standby slot is being prepared; the update stops as soon as that ends");
      case ALREADY_IN_PROGRESS -> new EcuResult(ecuId, FailureType.NO_FAILURE, "abort already in progress");
      case NOT_RUNNING -> new EcuResult(ecuId, FailureType.RECOVERABLE, "cannot abort: no update is running");
      case FINAL_PHASE -> new EcuResult(ecuId, FailureType.RECOVERABLE,
          "cannot abort: the update is in its final phase (switching slots, rebooting)");
    };
  }
}
