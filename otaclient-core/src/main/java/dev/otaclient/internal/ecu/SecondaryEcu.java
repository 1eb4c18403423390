package dev.otaclient.internal.ecu;

import java.util.Objects;

/**
 * A directly connected child ECU from {@code ecu_info.yaml}: its id and where its OTA service listens.
 *
 * @param port the child's gRPC port; {@link #DEFAULT_PORT} unless the file says otherwise
 */
public record SecondaryEcu(String ecuId, String ipAddr, int port) {
  /** The port every Python client listens on. */
  public static final int DEFAULT_PORT = 50051;

  public SecondaryEcu {
    Objects.requireNonNull(ecuId);
    Objects.requireNonNull(ipAddr);
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " outside 1..65535");
    }
  }

  public SecondaryEcu(String ecuId, String ipAddr) {
    this(ecuId, ipAddr, DEFAULT_PORT);
  }
}
