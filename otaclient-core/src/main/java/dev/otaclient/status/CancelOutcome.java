package dev.otaclient.status;

/**
 * The answer to a request to stop the running update (the embedder's {@code cancel()}, the Abort
 * RPC). Only {@link #ACCEPTED} and {@link #QUEUED} mean the update will end as {@code ABORTED}.
 */
public enum CancelOutcome {
  /** The workers are being stopped now. */
  ACCEPTED,
  /** The standby is being prepared (formatting, mounting): the update stops as soon as that ends. */
  QUEUED,
  /** A cancel was already requested for this update. */
  ALREADY_IN_PROGRESS,
  /** Nothing is running (idle, or the update already ended). */
  NOT_RUNNING,
  /** The update is switching the boot loader or rebooting: too late to stop it safely. */
  FINAL_PHASE;

  /** True when the update will end as ABORTED because of this (or an earlier) request. */
  public boolean willAbort() {
    return this == ACCEPTED || this == QUEUED || this == ALREADY_IN_PROGRESS;
  }
}
