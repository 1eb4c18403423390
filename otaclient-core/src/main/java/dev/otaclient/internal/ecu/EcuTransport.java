package dev.otaclient.internal.ecu;

import java.time.Duration;
import java.util.List;

/**
 * How this ECU talks to one direct child: implemented over gRPC in {@code otaclient-grpc}, in memory
 * in tests. Implementations should honour {@code deadline} and return promptly when the calling
 * thread is interrupted; {@link EcuNode} additionally abandons (and interrupts) any call that
 * overruns its deadline, so a hung child never blocks the node.
 */
public interface EcuTransport {
  /** Sends the whole, unmodified request; returns the child's answer entries (its subtree and itself). */
  List<EcuResult> update(SecondaryEcu child, List<UpdateRequestEcu> request, Duration deadline)
      throws EcuUnreachableException;

  List<EcuResult> rollback(SecondaryEcu child, List<String> ecuIds, Duration deadline)
      throws EcuUnreachableException;

  StatusReport status(SecondaryEcu child, Duration deadline) throws EcuUnreachableException;
}
