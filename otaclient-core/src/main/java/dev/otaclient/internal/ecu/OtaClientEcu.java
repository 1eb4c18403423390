package dev.otaclient.internal.ecu;

import dev.otaclient.error.FailureType;
import dev.otaclient.error.OtaException;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.internal.update.UpdateEngine;
import dev.otaclient.internal.update.UpdateRequest;
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
  public FailureType startUpdate(UpdateRequestEcu request, RebootGate gate) {
    try {
      UpdateRequest r = UpdateRequest.of(request.version(), request.url(), request.cookies());
      client.startUpdate(r, gate::awaitRebootPermission);
      return FailureType.NO_FAILURE;
    } catch (OtaException e) {
      // busy, wrong state or invalid: nothing was started, the caller may retry
      log.warn("update request for {} refused: {}", client.ecuId(), e.failureReason());
      return FailureType.RECOVERABLE;
    }
  }

  @Override
  public FailureType startRollback(RebootGate gate) {
    try {
      client.startRollback(gate::awaitRebootPermission);
      return FailureType.NO_FAILURE;
    } catch (OtaException e) {
      log.warn("rollback request for {} refused: {}", client.ecuId(), e.failureReason());
      return FailureType.RECOVERABLE;
    }
  }

  @Override
  public EcuStatus status() {
    return client.status();
  }
}
