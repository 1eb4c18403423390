package dev.otaclient.internal.ecu;

import dev.otaclient.error.FailureType;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.Progress;
import dev.otaclient.status.UpdatePhase;
import dev.otaclient.status.UpdateProgress;
import dev.otaclient.status.UpdateStage;
import java.time.Duration;
import java.util.Optional;

/**
 * The two status forms of the API side by side: v1 ({@code ecu}, what 2022 clients read) and v2
 * ({@code ecu_v2}, all that current clients read). An ECU that reported only one form gets the other
 * derived here, with the projection the Python clients used (reference otaclient-behaviour.md §6),
 * so a status travels up a mixed tree in both forms.
 *
 * <p>v1 readers of the 2022 generation know StatusOta 0..5 only: CLIENT_UPDATING and ABORTING are
 * shown to them as UPDATING (the ECU is still busy, a parent must keep waiting) and ABORTED as
 * FAILURE with RECOVERABLE and a reason saying so (the update ended without success; a retry may
 * resume). The v2 form always carries the real value.
 */
public final class StatusViews {
  static final String ABORTED_REASON = "update aborted on request (status ABORTED)";

  private StatusViews() {}

  /** {@code s} with both progress forms present when either is. */
  public static EcuStatus complete(EcuStatus s) {
    if (s.progress().isPresent() && s.update().isEmpty()) {
      return s.withUpdate(Optional.of(toV2(s.progress().get())));
    }
    if (s.update().isPresent() && s.progress().isEmpty()) {
      return s.withProgress(Optional.of(toV1(s.update().get())));
    }
    return s;
  }

  /** What a v1 ({@code ecu}) entry says about {@code s}: 2022 status values, both progress forms. */
  public static EcuStatus v1(EcuStatus s) {
    EcuStatus c = complete(s);
    switch (c.status()) {
      case CLIENT_UPDATING:
      case ABORTING:
        return new EcuStatus(c.ecuId(), OtaStatus.UPDATING, c.failure(), c.failureReason(), c.version(), c.progress());
      case ABORTED:
        return new EcuStatus(c.ecuId(), OtaStatus.FAILURE, FailureType.RECOVERABLE, ABORTED_REASON, c.version(),
            Optional.empty());
      default:
        return c;
    }
  }

  /**
   * One ECU seen in both lists of an answer: the v2 entry is the truth for everything it carries;
   * the v1 entry adds its progress (whose copy/link split v2 cannot express) and, for a failure the
   * v2 entry gives no reason for, its reason.
   */
  public static EcuStatus merge(EcuStatus fromV1, EcuStatus fromV2) {
    EcuStatus m = fromV2;
    if (fromV1.progress().isPresent()) {
      m = m.withProgress(fromV1.progress());
    }
    boolean failed = m.status() == OtaStatus.FAILURE || m.status() == OtaStatus.ROLLBACK_FAILURE;
    if (failed && m.failureReason().isEmpty() && !fromV1.failureReason().isEmpty()) {
      m = new EcuStatus(m.ecuId(), m.status(), fromV1.failure(), fromV1.failureReason(), m.version(), m.progress(),
          m.otaclientVersion(), m.detail(), m.update(), m.failureTraceback());
    }
    return complete(m);
  }

  /** v2 progress to v1: phases folded, copy = processed minus downloaded, no link counts. */
  public static Progress toV1(UpdateProgress u) {
    long copied = Math.max(0, u.processedFilesNum() - u.downloadedFilesNum());
    long copiedSize = Math.max(0, u.processedFilesSize() - u.downloadedFilesSize());
    return new Progress(v1Phase(u.phase()), u.totalFilesNum(), u.processedFilesNum(), copied, 0,
        u.downloadedFilesNum(), copiedSize, 0, u.downloadedFilesSize(), u.updateApplyingElapsedTime(), Duration.ZERO,
        u.downloadingElapsedTime(), u.downloadingErrors(), u.totalFilesSizeUncompressed(), u.totalElapsedTime(),
        u.downloadedBytes());
  }

  /**
   * v1 progress to v2. v1 does not say when the update started, what it installs, what the delta
   * downloads or removes, or how long the delta took: those read 0 / "". REGULAR reads
   * DOWNLOADING_OTA_FILES: v1 cannot tell whether downloads remain, and a parent must keep serving
   * a child that may still download.
   */
  public static UpdateProgress toV2(Progress p) {
    return new UpdateProgress("", p.totalRegularFileSize(), p.totalRegularFiles(), 0, v2Phase(p.phase()), 0, 0,
        p.filesProcessedDownload(), p.downloadBytes(), p.fileSizeProcessedDownload(), p.errorsDownload(), 0, 0,
        p.regularFilesProcessed(),
        p.fileSizeProcessedCopy() + p.fileSizeProcessedLink() + p.fileSizeProcessedDownload(),
        p.totalElapsedTime(), Duration.ZERO, p.elapsedTimeDownload(), p.elapsedTimeCopy().plus(p.elapsedTimeLink()));
  }

  static UpdatePhase v1Phase(UpdateStage s) {
    switch (s) {
      case PROCESSING_METADATA:
        return UpdatePhase.METADATA;
      case CALCULATING_DELTA:
      case DOWNLOADING_OTA_FILES:
      case APPLYING_UPDATE:
        return UpdatePhase.REGULAR;
      case PROCESSING_POSTUPDATE:
      case FINALIZING_UPDATE:
        return UpdatePhase.POST_PROCESSING;
      default:
        return UpdatePhase.INITIAL;
    }
  }

  static UpdateStage v2Phase(UpdatePhase p) {
    switch (p) {
      case METADATA:
        return UpdateStage.PROCESSING_METADATA;
      case DIRECTORY:
      case SYMLINK:
        return UpdateStage.CALCULATING_DELTA;
      case REGULAR:
        return UpdateStage.DOWNLOADING_OTA_FILES;
      case PERSISTENT:
        return UpdateStage.APPLYING_UPDATE;
      case POST_PROCESSING:
        return UpdateStage.PROCESSING_POSTUPDATE;
      default:
        return UpdateStage.INITIALIZING;
    }
  }
}
