package dev.otaclient.grpc;

import dev.otaclient.internal.ecu.EcuRequest;
import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.internal.ecu.StatusReport;
import dev.otaclient.internal.ecu.UpdateRequestEcu;
import java.util.List;

/**
 * What the gRPC service needs from the ECU tree. {@code EcuNode} is the production implementation;
 * the interface exists so the wire layer can be tested with a scripted backend.
 */
public interface OtaOperations {
  /** Fans the request out and answers after the children acknowledged: children's entries, then self. */
  List<EcuResult> update(EcuRequest<UpdateRequestEcu> request);

  /** As {@link #update}, for ClientUpdate. */
  List<EcuResult> clientUpdate(EcuRequest<UpdateRequestEcu> request);

  List<EcuResult> rollback(EcuRequest<String> request);

  /** Relays the abort to every child, then stops the local update if named. */
  List<EcuResult> abort(EcuRequest<String> request);

  /**
   * Answers from the cache; must not block on children or on I/O: it runs on the gRPC transport's
   * thread ({@link GrpcServer}), where a wait would hold every other call of the connection.
   */
  StatusReport status();
}
