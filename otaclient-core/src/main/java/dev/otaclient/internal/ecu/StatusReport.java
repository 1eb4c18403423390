package dev.otaclient.internal.ecu;

import dev.otaclient.status.EcuStatus;
import java.util.List;

/**
 * The answer to a status request: every reachable ECU of the subtree (children's entries first, the
 * answering ECU last) and the ids of all ECUs taking part in OTA, from the answering ECU's config.
 */
public record StatusReport(List<EcuStatus> ecus, List<String> availableEcuIds) {
  public StatusReport {
    ecus = List.copyOf(ecus);
    availableEcuIds = List.copyOf(availableEcuIds);
  }
}
