package dev.otaclient.internal.update;

import dev.otaclient.status.CancelOutcome;
import dev.otaclient.status.EcuStatus;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One running update or rollback: wait for its end, or ask it to stop. The final status is the
 * client's status when the operation ended (after a simulated reboot, the new slot's status).
 */
public final class UpdateOperation {
  private final CountDownLatch done = new CountDownLatch(1);
  private final Cancellation cancellation;
  private final Supplier<EcuStatus> status;
  private volatile EcuStatus result;

  UpdateOperation(Cancellation cancellation, Supplier<EcuStatus> status) {
    this.cancellation = cancellation;
    this.status = status;
  }

  /** Blocks until the operation ended and returns the status it ended in. */
  public EcuStatus await() throws InterruptedException {
    done.await();
    return result;
  }

  /** As {@link #await()}, giving up after {@code timeout}: empty when still running. */
  public Optional<EcuStatus> await(Duration timeout) throws InterruptedException {
    return done.await(timeout.toNanos(), TimeUnit.NANOSECONDS) ? Optional.of(result) : Optional.empty();
  }

  public boolean isDone() {
    return done.getCount() == 0;
  }

  /**
   * Asks the operation to stop. The workers stop promptly, the active slot is never touched, and the
   * standby is kept for the next update to reuse; the operation then ends as ABORTED. Refused in the
   * final phase (switch, reboot), queued while the standby is being prepared.
   */
  public CancelOutcome cancel() {
    return cancellation.request();
  }

  /** The live status while running, the final status once done. */
  public EcuStatus status() {
    EcuStatus r = result;
    return r != null ? r : status.get();
  }

  Cancellation cancellation() {
    return cancellation;
  }

  void finish(EcuStatus finalStatus) {
    result = finalStatus;
    cancellation.end();
    done.countDown();
  }
}
