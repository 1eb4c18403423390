package dev.otaclient.client;

import dev.otaclient.status.CancelOutcome;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.internal.update.UpdateOperation;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/** A running update (or rollback): wait for it, look at it, or stop it. */
public final class UpdateHandle {
  private final UpdateOperation op;

  UpdateHandle(UpdateOperation op) {
    this.op = Objects.requireNonNull(op);
  }

  /** Blocks until the operation ended; returns the status it ended in (SUCCESS, FAILURE, ABORTED, ...). */
  public EcuStatus await() throws InterruptedException {
    return op.await();
  }

  /** As {@link #await()}, giving up after {@code timeout}: empty when still running. */
  public Optional<EcuStatus> await(Duration timeout) throws InterruptedException {
    return op.await(timeout);
  }

  public boolean isDone() {
    return op.isDone();
  }

  /** The live status while running (with progress), the final status once done. */
  public EcuStatus status() {
    return op.status();
  }

  /**
   * Stops the update: the workers stop promptly, the active slot is never touched, and the standby
   * keeps what was built, so the next update resumes there. The update then ends ABORTED. Queued
   * while the standby is being prepared; refused once the boot loader is being switched.
   */
  public CancelOutcome cancel() {
    return op.cancel();
  }
}
