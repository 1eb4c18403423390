package dev.otaclient.status;

import dev.otaclient.error.FailureType;
import java.util.Objects;
import java.util.Optional;

/**
 * What one ECU reports: the union of the API's v1 {@code Status} and v2 {@code StatusResponseEcuV2}.
 * {@code progress} (v1) and {@code update} (v2) are present while an update runs; an ECU that speaks
 * only one of the two status forms fills one of them, and the other is derived where it is needed.
 *
 * @param version the firmware version the ECU runs
 * @param otaclientVersion the version of the OTA client the ECU runs ("" when unknown)
 * @param detail the request and release ids the running version was installed with
 * @param failureTraceback details of a failure beyond its reason (Python clients send a traceback)
 */
public record EcuStatus(
    String ecuId,
    OtaStatus status,
    FailureType failure,
    String failureReason,
    String version,
    Optional<Progress> progress,
    String otaclientVersion,
    VersionDetail detail,
    Optional<UpdateProgress> update,
    String failureTraceback) {

  public EcuStatus {
    Objects.requireNonNull(ecuId);
    Objects.requireNonNull(status);
    Objects.requireNonNull(failure);
    failureReason = failureReason == null ? "" : failureReason;
    version = version == null ? "" : version;
    Objects.requireNonNull(progress);
    otaclientVersion = otaclientVersion == null ? "" : otaclientVersion;
    detail = detail == null ? VersionDetail.NONE : detail;
    Objects.requireNonNull(update);
    failureTraceback = failureTraceback == null ? "" : failureTraceback;
  }

  /** The v1 fields only: no client version, no release ids, no v2 progress. */
  public EcuStatus(String ecuId, OtaStatus status, FailureType failure, String failureReason, String version,
      Optional<Progress> progress) {
    this(ecuId, status, failure, failureReason, version, progress, "", VersionDetail.NONE, Optional.empty(), "");
  }

  /** The same status from a client of {@code clientVersion} running a version installed with {@code d}. */
  public EcuStatus withClient(String clientVersion, VersionDetail d) {
    return new EcuStatus(ecuId, status, failure, failureReason, version, progress, clientVersion, d, update,
        failureTraceback);
  }

  /** The same status with the v2 progress {@code u}. */
  public EcuStatus withUpdate(Optional<UpdateProgress> u) {
    return new EcuStatus(ecuId, status, failure, failureReason, version, progress, otaclientVersion, detail, u,
        failureTraceback);
  }

  /** The same status with the v1 progress {@code p}. */
  public EcuStatus withProgress(Optional<Progress> p) {
    return new EcuStatus(ecuId, status, failure, failureReason, version, p, otaclientVersion, detail, update,
        failureTraceback);
  }

  /** The same status with a failure traceback. */
  public EcuStatus withTraceback(String traceback) {
    return new EcuStatus(ecuId, status, failure, failureReason, version, progress, otaclientVersion, detail, update,
        traceback);
  }
}
