package dev.otaclient.status;

/**
 * Phase of a running update as the v2 status reports it; mirrors {@code OtaClientV2.UpdatePhase}
 * value for value. ({@link UpdatePhase} is the older, finer v1 phase of {@code StatusProgress}.)
 * A parent ECU keeps its ota_proxy running while a child reports {@link #needsNetwork() a phase that
 * needs the network}, so an ECU reports those phases exactly as long as it still downloads.
 */
public enum UpdateStage {
  INITIALIZING,
  PROCESSING_METADATA,
  CALCULATING_DELTA,
  DOWNLOADING_OTA_FILES,
  APPLYING_UPDATE,
  PROCESSING_POSTUPDATE,
  FINALIZING_UPDATE,
  DOWNLOADING_OTA_CLIENT;

  /** The phases up to and including {@link #DOWNLOADING_OTA_FILES}: the ECU may still fetch files. */
  public boolean needsNetwork() {
    return compareTo(DOWNLOADING_OTA_FILES) <= 0;
  }
}
