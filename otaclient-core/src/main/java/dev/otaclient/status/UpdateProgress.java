package dev.otaclient.status;

import java.time.Duration;
import java.util.Objects;

/**
 * An immutable snapshot of update progress as the v2 status reports it ({@code UpdateStatus} of the
 * API), next to the v1 {@link Progress}. Sizes are uncompressed bytes except
 * {@code downloadedBytes}, which is what crossed the wire; elapsed times are wall-clock time spent in
 * the phases they name.
 *
 * @param updateStartTimestamp unix time in seconds when the update started; 0 when unknown
 * @param totalDownloadFilesNum files the delta plans to download (0 until the delta is known)
 * @param totalRemoveFilesNum files an in-place update removes from the standby
 */
public record UpdateProgress(
    String updateFirmwareVersion,
    long totalFilesSizeUncompressed,
    long totalFilesNum,
    long updateStartTimestamp,
    UpdateStage phase,
    long totalDownloadFilesNum,
    long totalDownloadFilesSize,
    long downloadedFilesNum,
    long downloadedBytes,
    long downloadedFilesSize,
    long downloadingErrors,
    long totalRemoveFilesNum,
    long removedFilesNum,
    long processedFilesNum,
    long processedFilesSize,
    Duration totalElapsedTime,
    Duration deltaGeneratingElapsedTime,
    Duration downloadingElapsedTime,
    Duration updateApplyingElapsedTime) {

  public UpdateProgress {
    updateFirmwareVersion = Objects.requireNonNullElse(updateFirmwareVersion, "");
    Objects.requireNonNull(phase);
    Objects.requireNonNull(totalElapsedTime);
    Objects.requireNonNull(deltaGeneratingElapsedTime);
    Objects.requireNonNull(downloadingElapsedTime);
    Objects.requireNonNull(updateApplyingElapsedTime);
  }

  /** Nothing known yet but the phase and the version being installed. */
  public static UpdateProgress starting(UpdateStage phase, String version, long startTimestamp) {
    return new UpdateProgress(version, 0, 0, startTimestamp, phase, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);
  }
}
