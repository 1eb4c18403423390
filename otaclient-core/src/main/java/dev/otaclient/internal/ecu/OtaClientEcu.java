package dev.otaclient.internal.ecu;

import dev.otaclient.error.OtaException;
import dev.otaclient.internal.update.UpdateEngine;
import dev.otaclient.internal.update.UpdateRequest;
import dev.otaclient.status.CancelOutcome;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** This ECU's {@link UpdateEngine} as the tree sees it: requests in, fire-and-forget, status out. */
public final class OtaClientEcu implements LocalEcu {
  private static final Logger log = LoggerFactory.getLogger(OtaClientEcu.class);

  private final UpdateEngine client;

  public OtaClientEcu(UpdateEngine client) {
    this.client = client;
  }

  public UpdateEngine client() {
    return client;
  }

  @Override
  public Answer startUpdate(UpdateRequestEcu request, String requestId, RebootGate gate) {
    try {
      client.startUpdate(engineRequest(request, requestId), gate::awaitRebootPermission);
      return Answer.accepted();
    } catch (OtaException e) {
      return refused("update", e);
    }
  }

  @Override
  public Answer startClientUpdate(UpdateRequestEcu request, String requestId) {
    try {
      client.startClientUpdate(engineRequest(request, requestId));
      return Answer.accepted();
    } catch (OtaException e) {
      return refused("client update", e);
    }
  }

  @Override
  public Answer startRollback(RebootGate gate) {
    try {
      client.startRollback(gate::awaitRebootPermission);
      return Answer.accepted();
    } catch (OtaException e) {
      return refused("rollback", e);
    }
  }

  /** Only an update can be aborted (as in the Python client): a rollback or client update is not. */
  @Override
  public CancelOutcome abort() {
    OtaStatus now = client.status().status();
    if (now != OtaStatus.UPDATING && now != OtaStatus.ABORTING) {
      return CancelOutcome.NOT_RUNNING;
    }
    return client.cancel();
  }

  @Override
  public EcuStatus status() {
    return client.status();
  }

  private static UpdateRequest engineRequest(UpdateRequestEcu request, String requestId) {
    return UpdateRequest.of(request.version(), request.url(), request.cookies()).withDetail(request.detail(requestId));
  }

  /** Busy, wrong state or invalid: nothing was started, the caller may retry; the reason goes back. */
  private Answer refused(String op, OtaException e) {
    log.warn("{} request for {} refused: {}", op, client.ecuId(), e.failureReason());
    return Answer.refused(e.failureReason());
  }
}
