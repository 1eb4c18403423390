package dev.otaclient.status;

import java.time.Duration;
import java.util.Objects;

/**
 * An immutable snapshot of update progress with every {@code StatusProgress} field. Sizes are
 * uncompressed bytes; {@code downloadBytes} is what crossed the wire; elapsed times are wall-clock.
 */
public record Progress(
    UpdatePhase phase,
    long totalRegularFiles,
    long regularFilesProcessed,
    long filesProcessedCopy,
    long filesProcessedLink,
    long filesProcessedDownload,
    long fileSizeProcessedCopy,
    long fileSizeProcessedLink,
    long fileSizeProcessedDownload,
    Duration elapsedTimeCopy,
    Duration elapsedTimeLink,
    Duration elapsedTimeDownload,
    long errorsDownload,
    long totalRegularFileSize,
    Duration totalElapsedTime,
    long downloadBytes) {

  public Progress {
    Objects.requireNonNull(phase);
    Objects.requireNonNull(elapsedTimeCopy);
    Objects.requireNonNull(elapsedTimeLink);
    Objects.requireNonNull(elapsedTimeDownload);
    Objects.requireNonNull(totalElapsedTime);
  }

  public static final Progress EMPTY = new Progress(UpdatePhase.INITIAL, 0, 0, 0, 0, 0, 0, 0, 0,
      Duration.ZERO, Duration.ZERO, Duration.ZERO, 0, 0, Duration.ZERO, 0);
}
