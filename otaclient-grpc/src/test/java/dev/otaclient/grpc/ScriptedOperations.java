package dev.otaclient.grpc;

import dev.otaclient.error.FailureType;
import dev.otaclient.internal.ecu.EcuRequest;
import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.internal.ecu.StatusReport;
import dev.otaclient.internal.ecu.UpdateRequestEcu;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** A backend that records what the service handed it and answers from scripts. */
final class ScriptedOperations implements OtaOperations {
  final List<List<UpdateRequestEcu>> updates = new CopyOnWriteArrayList<>();
  final List<List<String>> rollbacks = new CopyOnWriteArrayList<>();
  /** Every request as handed over (Update, ClientUpdate, Rollback, Abort), in order. */
  final List<EcuRequest<?>> requests = new CopyOnWriteArrayList<>();
  final List<List<UpdateRequestEcu>> clientUpdates = new CopyOnWriteArrayList<>();
  final List<List<String>> aborts = new CopyOnWriteArrayList<>();
  volatile Function<List<UpdateRequestEcu>, List<EcuResult>> onUpdate =
      r -> r.stream().map(e -> new EcuResult(e.ecuId(), FailureType.NO_FAILURE)).toList();
  volatile Function<List<String>, List<EcuResult>> onRollback =
      r -> r.stream().map(id -> new EcuResult(id, FailureType.NO_FAILURE)).toList();
  volatile Function<List<String>, List<EcuResult>> onAbort =
      r -> r.stream().map(id -> new EcuResult(id, FailureType.NO_FAILURE)).toList();
  volatile StatusReport status = new StatusReport(List.of(), List.of());

  @Override
  public List<EcuResult> update(EcuRequest<UpdateRequestEcu> request) {
    requests.add(request);
    updates.add(request.entries());
    return onUpdate.apply(request.entries());
  }

  @Override
  public List<EcuResult> clientUpdate(EcuRequest<UpdateRequestEcu> request) {
    requests.add(request);
    clientUpdates.add(request.entries());
    return onUpdate.apply(request.entries());
  }

  @Override
  public List<EcuResult> rollback(EcuRequest<String> request) {
    requests.add(request);
    rollbacks.add(request.entries());
    return onRollback.apply(request.entries());
  }

  @Override
  public List<EcuResult> abort(EcuRequest<String> request) {
    requests.add(request);
    aborts.add(request.entries());
    return onAbort.apply(request.entries());
  }

  @Override
  public StatusReport status() {
    return status;
  }
}
