package dev.otaclient.internal.ecu;

import dev.otaclient.error.FailureType;
import java.util.Objects;

/** One ECU's answer to an update or rollback request: accepted ({@code NO_FAILURE}) or why not. */
public record EcuResult(String ecuId, FailureType result) {
  public EcuResult {
    Objects.requireNonNull(ecuId);
    Objects.requireNonNull(result);
  }
}
