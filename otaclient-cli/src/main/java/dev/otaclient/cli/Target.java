package dev.otaclient.cli;

import dev.otaclient.grpc.OtaClientStub;
import java.time.Duration;

/** A {@code --target HOST:PORT} of the main ECU. */
record Target(String host, int port) {
  static final String DEFAULT = "127.0.0.1:50051";

  static Target parse(String s) {
    int i = s.lastIndexOf(':');
    if (i <= 0 || i == s.length() - 1) {
      throw new CliFailure("--target must be HOST:PORT, got '" + s + "'", 2);
    }
    String host = s.substring(0, i);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      int port = Integer.parseInt(s.substring(i + 1));
      if (port < 1 || port > 65535) {
        throw new NumberFormatException();
      }
      return new Target(host, port);
    } catch (NumberFormatException e) {
      throw new CliFailure("--target port must be 1..65535, got '" + s.substring(i + 1) + "'", 2);
    }
  }

  OtaClientStub connect(Duration deadline) {
    return OtaClientStub.connect(host, port, deadline);
  }
}
