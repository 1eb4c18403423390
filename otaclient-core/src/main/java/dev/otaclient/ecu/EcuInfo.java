package dev.otaclient.ecu;

import java.nio.file.Path;
import java.util.List;

// TEMPORARY stub of the ecu branch's fixed signature so the grpc module compiles before `ecu` lands.
public record EcuInfo(int formatVersion, String ecuId, String ipAddr, List<SecondaryEcu> secondaries,
    List<String> availableEcuIds) {
  public static EcuInfo load(Path path) {
    throw new UnsupportedOperationException("stub");
  }

  public static EcuInfo parse(String yaml, String fileName) {
    throw new UnsupportedOperationException("stub");
  }
}
