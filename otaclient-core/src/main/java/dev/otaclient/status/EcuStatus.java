package dev.otaclient.status;

import dev.otaclient.error.FailureType;
import java.util.Objects;
import java.util.Optional;

/**
 * What one ECU reports: the {@code Status} message of the API. {@code progress} is present while an
 * update is running.
 */
public record EcuStatus(
    String ecuId,
    OtaStatus status,
    FailureType failure,
    String failureReason,
    String version,
    Optional<Progress> progress) {

  public EcuStatus {
    Objects.requireNonNull(ecuId);
    Objects.requireNonNull(status);
    Objects.requireNonNull(failure);
    failureReason = failureReason == null ? "" : failureReason;
    version = version == null ? "" : version;
    Objects.requireNonNull(progress);
  }
}
