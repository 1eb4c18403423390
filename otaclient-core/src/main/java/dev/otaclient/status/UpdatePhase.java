package dev.otaclient.status;

/** Phase of a running update; mirrors {@code OtaClientV2.StatusProgressPhase}. */
public enum UpdatePhase {
  INITIAL,
  METADATA,
  DIRECTORY,
  SYMLINK,
  REGULAR,
  PERSISTENT,
  POST_PROCESSING
}
