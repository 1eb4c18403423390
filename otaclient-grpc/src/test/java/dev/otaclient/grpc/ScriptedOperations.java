package dev.otaclient.grpc;

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
  volatile Function<List<UpdateRequestEcu>, List<EcuResult>> onUpdate =
      r -> r.stream().map(e -> new EcuResult(e.ecuId(), dev.otaclient.error.FailureType.NO_FAILURE)).toList();
  volatile Function<List<String>, List<EcuResult>> onRollback =
      r -> r.stream().map(id -> new EcuResult(id, dev.otaclient.error.FailureType.NO_FAILURE)).toList();
  volatile StatusReport status = new StatusReport(List.of(), List.of());

  @Override
  public List<EcuResult> update(List<UpdateRequestEcu> request) {
    updates.add(request);
    return onUpdate.apply(request);
  }

  @Override
  public List<EcuResult> rollback(List<String> ecuIds) {
    rollbacks.add(ecuIds);
    return onRollback.apply(ecuIds);
  }

  @Override
  public StatusReport status() {
    return status;
  }
}
