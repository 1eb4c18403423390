package dev.otaclient.internal.ecu;

import dev.otaclient.error.FailureType;
import java.util.Objects;

/**
 * One ECU's answer to an update, client update, rollback or abort request: accepted
 * ({@code NO_FAILURE}) or why not. An Abort answer is either NO_FAILURE or RECOVERABLE (the API's
 * {@code ABORT_NO_FAILURE} / {@code ABORT_FAILURE}).
 *
 * @param message why the request was refused, or what was done ("" when there is nothing to say)
 */
public record EcuResult(String ecuId, FailureType result, String message) {
  public EcuResult {
    Objects.requireNonNull(ecuId);
    Objects.requireNonNull(result);
    message = message == null ? "" : message;
  }

  public EcuResult(String ecuId, FailureType result) {
    this(ecuId, result, "");
  }

  public boolean accepted() {
    return result == FailureType.NO_FAILURE;
  }
}
