package dev.otaclient.status;

import java.util.Objects;

/**
 * What an OTA client reports while it works, by type, so a listener subscribes to what it needs
 * (see {@code OtaClient.on}). Progress events are throttled: at most one per interval per type,
 * never one per read. Listeners run on the client's threads and must return quickly.
 */
public sealed interface UpdateEvent {
  /** The ECU the event is about. */
  String ecuId();

  /** Any change of the reported status (state, phase, failure); the most general event. */
  record StatusChanged(String ecuId, EcuStatus status) implements UpdateEvent {
    public StatusChanged {
      Objects.requireNonNull(status, "status");
    }
  }

  /** The running update entered {@code phase}. */
  record PhaseChanged(String ecuId, UpdatePhase phase, Progress progress) implements UpdateEvent {
    public PhaseChanged {
      Objects.requireNonNull(phase, "phase");
      Objects.requireNonNull(progress, "progress");
    }
  }

  /**
   * Bytes received from the network so far (compressed size for zstd blobs), counted while files
   * download, not only when they complete. Throttled.
   */
  record BytesDownloaded(String ecuId, long downloadedBytes, long totalRegularFileSize) implements UpdateEvent {}

  /** Regular files placed in the standby so far (copied, linked or downloaded). Throttled. */
  record FilesProcessed(String ecuId, long processedFiles, long totalFiles, long processedBytes, long totalBytes)
      implements UpdateEvent {}

  /** The operation ended well: the standby is built and the switch armed (or, with simulated reboots, done). */
  record Finished(String ecuId, EcuStatus status) implements UpdateEvent {}

  /** The operation failed; {@code status} carries the failure type and reason. */
  record Failed(String ecuId, EcuStatus status) implements UpdateEvent {}

  /** The operation was stopped on request; {@code status} is ABORTED. */
  record Cancelled(String ecuId, EcuStatus status) implements UpdateEvent {}
}
