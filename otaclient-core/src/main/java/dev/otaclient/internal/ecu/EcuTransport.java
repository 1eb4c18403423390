package dev.otaclient.internal.ecu;

import java.time.Duration;
import java.util.List;

/**
 * How this ECU talks to one direct child: implemented over gRPC in {@code otaclient-grpc}, in memory
 * in tests. Implementations should honour {@code deadline} and return promptly when the calling
 * thread is interrupted; {@link EcuNode} additionally abandons (and interrupts) any call that
 * overruns its deadline, so a hung child never blocks the node. Requests are sent as they arrived
 * ({@link EcuRequest#original()} when present), never rebuilt with fewer fields.
 */
public interface EcuTransport {
  /** Sends the whole request; returns the child's answer entries (its subtree and itself). */
  List<EcuResult> update(SecondaryEcu child, EcuRequest<UpdateRequestEcu> request, Duration deadline)
      throws EcuUnreachableException;

  /** As {@link #update}, for the ClientUpdate RPC. */
  List<EcuResult> clientUpdate(SecondaryEcu child, EcuRequest<UpdateRequestEcu> request, Duration deadline)
      throws EcuUnreachableException;

  List<EcuResult> rollback(SecondaryEcu child, EcuRequest<String> request, Duration deadline)
      throws EcuUnreachableException;

  /**
   * Relays an Abort request. A child that does not implement Abort (a 2022 client) must come out as
   * {@link EcuUnreachableException} whose message says so.
   */
  List<EcuResult> abort(SecondaryEcu child, EcuRequest<String> request, Duration deadline)
      throws EcuUnreachableException;

  StatusReport status(SecondaryEcu child, Duration deadline) throws EcuUnreachableException;
}
