package dev.otaclient.ecu;

import java.time.Duration;
import java.util.List;

// TEMPORARY stub of the ecu branch's fixed signature so the grpc module compiles before `ecu` lands.
public interface EcuTransport {
  List<EcuResult> update(SecondaryEcu child, List<UpdateRequestEcu> request, Duration deadline)
      throws EcuUnreachableException;

  List<EcuResult> rollback(SecondaryEcu child, List<String> ecuIds, Duration deadline)
      throws EcuUnreachableException;

  StatusReport status(SecondaryEcu child, Duration deadline) throws EcuUnreachableException;
}
