package dev.otaclient.ecu;

import java.util.List;

// TEMPORARY stub of the ecu branch's fixed signature so the grpc module compiles before `ecu` lands.
public record StatusReport(List<dev.otaclient.status.EcuStatus> ecus, List<String> availableEcuIds) {}
