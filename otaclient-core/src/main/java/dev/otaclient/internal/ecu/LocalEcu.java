package dev.otaclient.internal.ecu;

import dev.otaclient.status.CancelOutcome;
import dev.otaclient.status.EcuStatus;

/** This ECU's own OTA client as the tree sees it (implemented over the update engine). */
public interface LocalEcu {
  /**
   * Validates and starts the local update in the background; never blocks on the update itself.
   * Answers {@code NO_FAILURE} when accepted, {@code RECOVERABLE} with a reason when busy or the
   * request is invalid. Once accepted, {@link #status()} must report {@code UPDATING} (or a later
   * state) immediately, because parents decide that a child finished by polling it. The update calls
   * {@code gate.awaitRebootPermission()} after its standby is built and before it reboots.
   *
   * @param requestId the request's id, recorded beside the version with the entry's release ids
   */
  Answer startUpdate(UpdateRequestEcu request, String requestId, RebootGate gate);

  /**
   * Starts updating the OTA client itself from the image {@code request} names, in the background:
   * {@code CLIENT_UPDATING} from acceptance, never left in it.
   */
  Answer startClientUpdate(UpdateRequestEcu request, String requestId);

  /** Like {@link #startUpdate}: {@code ROLLBACKING} from acceptance, the gate before rebooting. */
  Answer startRollback(RebootGate gate);

  /** Asks the running update to stop (the Abort RPC). */
  CancelOutcome abort();

  /** This ECU's current status; must be cheap and non-blocking (it is called on every Status). */
  EcuStatus status();
}
