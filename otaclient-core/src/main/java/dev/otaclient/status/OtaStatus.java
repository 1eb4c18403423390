package dev.otaclient.status;

/**
 * The OTA state of one ECU; mirrors {@code OtaClientV2.StatusOta} value for value (the 2022 values
 * and the later {@code CLIENT_UPDATING}, {@code ABORTING}, {@code ABORTED}).
 */
public enum OtaStatus {
  INITIALIZED,
  SUCCESS,
  FAILURE,
  UPDATING,
  ROLLBACKING,
  ROLLBACK_FAILURE,
  /** The client updates itself (the ClientUpdate RPC). */
  CLIENT_UPDATING,
  /** An update is being stopped on request; the active slot stays as it is. */
  ABORTING,
  /** The last update was stopped on request: neither success nor failure; the standby is reusable. */
  ABORTED;

  /** States from which a new update may start (reference §3.4, plus an aborted update). */
  public boolean acceptsUpdate() {
    return this == INITIALIZED || this == SUCCESS || this == FAILURE || this == ROLLBACK_FAILURE || this == ABORTED;
  }

  /** States in which something is in flight and may not be interleaved with another operation. */
  public boolean isBusy() {
    return this == UPDATING || this == ROLLBACKING || this == ABORTING || this == CLIENT_UPDATING;
  }

  /** Parses a status file's content, case-insensitively, ignoring surrounding whitespace. */
  public static OtaStatus parse(String text) {
    return OtaStatus.valueOf(text.trim().toUpperCase(java.util.Locale.ROOT));
  }
}
