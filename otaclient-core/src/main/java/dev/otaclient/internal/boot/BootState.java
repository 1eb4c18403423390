package dev.otaclient.internal.boot;

import dev.otaclient.error.FailureType;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.VersionDetail;

/**
 * The persisted state of the running slot after finalisation.
 *
 * @param status the live status
 * @param version the running slot's version ("" when unknown)
 * @param failure failure type of the last failure (NO_FAILURE when none)
 * @param failureReason reason of the last failure, persisted across restarts ("" when none)
 * @param detail the request and release ids the running slot's version was installed with
 */
public record BootState(OtaStatus status, String version, FailureType failure, String failureReason,
    VersionDetail detail) {
  public BootState {
    version = version == null ? "" : version;
    failureReason = failureReason == null ? "" : failureReason;
    detail = detail == null ? VersionDetail.NONE : detail;
  }

  /** A state without request or release ids. */
  public BootState(OtaStatus status, String version, FailureType failure, String failureReason) {
    this(status, version, failure, failureReason, VersionDetail.NONE);
  }

  public BootState withDetail(VersionDetail d) {
    return new BootState(status, version, failure, failureReason, d);
  }
}
