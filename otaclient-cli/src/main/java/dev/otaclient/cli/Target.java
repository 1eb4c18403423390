package dev.otaclient.cli;

import dev.otaclient.grpc.OtaClientStub;
import java.time.Duration;

/** A {@code --target HOST:PORT} of the main ECU. */
record Target(String host, int port) {
  static final String DEFAULT = "127.0.0.1:50051";

  static Target parse(String s) {
    return parse("--target", s, 1);
  }

  /** {@code HOST:PORT} given to {@code option}, with a port of at least {@code minPort} (0 = any free port). */
  static Target parse(String option, String s, int minPort) {
    int i = s.lastIndexOf(':');
    if (i <= 0 || i == s.length() - 1) {
      throw CliFailure.usage(option + " must be HOST:PORT, got '" + s + "'");
    }
    String host = s.substring(0, i);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      int port = Integer.parseInt(s.substring(i + 1));
      if (port < minPort || port > 65535) {
        throw new NumberFormatException();
      }
      return new Target(host, port);
    } catch (NumberFormatException e) {
      throw CliFailure.usage(option + " port must be " + minPort + "..65535, got '" + s.substring(i + 1) + "'");
    }
  }

  OtaClientStub connect(Duration deadline) {
    return OtaClientStub.connect(host, port, deadline);
  }
}
