package dev.otaclient.status;

/** The OTA state of one ECU; mirrors {@code OtaClientV2.StatusOta} value for value. */
public enum OtaStatus {
  INITIALIZED,
  SUCCESS,
  FAILURE,
  UPDATING,
  ROLLBACKING,
  ROLLBACK_FAILURE;

  /** States from which a new update may start (reference §3.4). */
  public boolean acceptsUpdate() {
    return this == INITIALIZED || this == SUCCESS || this == FAILURE || this == ROLLBACK_FAILURE;
  }

  /** States in which something is in flight and may not be interleaved with another operation. */
  public boolean isBusy() {
    return this == UPDATING || this == ROLLBACKING;
  }

  /** Parses a status file's content, case-insensitively, ignoring surrounding whitespace. */
  public static OtaStatus parse(String text) {
    return OtaStatus.valueOf(text.trim().toUpperCase(java.util.Locale.ROOT));
  }
}
