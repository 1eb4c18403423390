package dev.otaclient.internal.ecu;

import dev.otaclient.error.FailureType;
import dev.otaclient.status.EcuStatus;

/** This ECU's own OTA client as the tree sees it (implemented over the update engine). */
public interface LocalEcu {
  /**
   * Validates and starts the local update in the background; never blocks on the update itself.
   * Returns {@code NO_FAILURE} when accepted, {@code RECOVERABLE} when busy or the request is invalid.
   * Once accepted, {@link #status()} must report {@code UPDATING} (or a later state) immediately,
   * because parents decide that a child finished by polling it. The update calls
   * {@code gate.awaitRebootPermission()} after its standby is built and before it reboots.
   */
  FailureType startUpdate(UpdateRequestEcu request, RebootGate gate);

  /** Like {@link #startUpdate}: {@code ROLLBACKING} from acceptance, the gate before rebooting. */
  FailureType startRollback(RebootGate gate);

  /** This ECU's current status; must be cheap and non-blocking (it is called on every Status). */
  EcuStatus status();
}
