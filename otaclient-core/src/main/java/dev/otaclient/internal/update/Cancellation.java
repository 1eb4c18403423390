package dev.otaclient.internal.update;

import dev.otaclient.status.CancelOutcome;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stop switch of one running operation, with the zones of the current Python client's Abort: a
 * request in the normal zone stops the workers at once; in the critical zone (the standby being
 * formatted or mounted, the boot loader being prepared) it is queued and carried out when the zone
 * ends; in the final zone (switch and reboot) it is refused, because stopping there could leave a
 * half-armed boot loader.
 */
final class Cancellation {
  private static final Logger log = LoggerFactory.getLogger(Cancellation.class);

  private enum Zone { NORMAL, CRITICAL, FINAL, ENDED }

  /** Thrown on the updating thread at the first checkpoint after a cancel. */
  static final class Cancelled extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Cancelled() {
      super("cancelled on request", null, false, false);
    }
  }

  private final List<Runnable> stoppers = new ArrayList<>();
  private Zone zone = Zone.NORMAL;
  private boolean requested;

  /** Asks the operation to stop; see {@link CancelOutcome} for the answers. */
  CancelOutcome request() {
    List<Runnable> toRun;
    synchronized (this) {
      if (zone == Zone.ENDED) {
        return CancelOutcome.NOT_RUNNING;
      }
      if (zone == Zone.FINAL) {
        return CancelOutcome.FINAL_PHASE;
      }
      if (requested) {
        return CancelOutcome.ALREADY_IN_PROGRESS;
      }
      requested = true;
      if (zone == Zone.CRITICAL) {
        log.info("cancel requested while the standby is being prepared: queued until that ends");
        return CancelOutcome.QUEUED;
      }
      toRun = List.copyOf(stoppers);
    }
    log.info("cancel requested: stopping the workers");
    toRun.forEach(Cancellation::runQuietly);
    return CancelOutcome.ACCEPTED;
  }

  /**
   * Registers what stops the work in flight (interrupt a thread, shut a pool down, close a
   * transport). Runs it at once when a cancel is already due.
   */
  void onStop(Runnable stopper) {
    boolean now;
    synchronized (this) {
      stoppers.add(stopper);
      now = requested && zone == Zone.NORMAL;
    }
    if (now) {
      runQuietly(stopper);
    }
  }

  synchronized boolean isRequested() {
    return requested;
  }

  /** Throws {@link Cancelled} when a cancel is due. */
  void checkpoint() {
    synchronized (this) {
      if (!requested || zone == Zone.CRITICAL) {
        return;
      }
    }
    throw new Cancelled();
  }

  void enterCritical() {
    checkpoint();
    synchronized (this) {
      zone = Zone.CRITICAL;
    }
  }

  /** Leaves the critical zone; a queued cancel is carried out now. */
  void exitCritical() {
    List<Runnable> toRun = List.of();
    synchronized (this) {
      zone = Zone.NORMAL;
      if (requested) {
        toRun = List.copyOf(stoppers);
      }
    }
    toRun.forEach(Cancellation::runQuietly);
    checkpoint();
  }

  /** From here on a cancel is refused (switch, reboot). Throws when one is already due. */
  void enterFinal() {
    synchronized (this) {
      if (!requested) {
        zone = Zone.FINAL;
        return;
      }
    }
    throw new Cancelled();
  }

  /** The operation is over: later requests answer NOT_RUNNING. */
  synchronized void end() {
    zone = Zone.ENDED;
    stoppers.clear();
  }

  private static void runQuietly(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      log.debug("stopping: {}", e.toString());
    }
  }
}
