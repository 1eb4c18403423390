package dev.otaclient.internal.ecu;

import dev.otaclient.error.FailureType;
import java.util.Objects;

/** The local OTA client's answer to a request: accepted, or refused with a reason for the caller. */
public record Answer(FailureType result, String message) {
  public Answer {
    Objects.requireNonNull(result);
    message = message == null ? "" : message;
  }

  public static Answer accepted() {
    return new Answer(FailureType.NO_FAILURE, "");
  }

  public static Answer refused(String why) {
    return new Answer(FailureType.RECOVERABLE, why);
  }
}
