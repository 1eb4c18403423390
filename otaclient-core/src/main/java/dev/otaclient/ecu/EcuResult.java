package dev.otaclient.ecu;

// TEMPORARY stub of the ecu branch's fixed signature so the grpc module compiles before `ecu` lands.
public record EcuResult(String ecuId, dev.otaclient.error.FailureType result) {}
