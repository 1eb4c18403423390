package dev.otaclient.internal.boot;

import dev.otaclient.error.FailureType;
import dev.otaclient.status.OtaStatus;

/**
 * The persisted state of the running slot after finalisation.
 *
 * @param status the live status
 * @param version the running slot's version ("" when unknown)
 * @param failure failure type of the last failure (NO_FAILURE when none)
 * @param failureReason reason of the last failure, persisted across restarts ("" when none)
 */
public record BootState(OtaStatus status, String version, FailureType failure, String failureReason) {
  public BootState {
    version = version == null ? "" : version;
    failureReason = failureReason == null ? "" : failureReason;
  }
}
