package dev.otaclient.grpc;

import java.nio.file.Path;

/** A child ECU daemon in its own JVM, for tests that kill and restart it: args configDir certs port. */
public final class DaemonMain {
  public static void main(String[] args) throws Exception {
    EcuDaemon d = TestDaemons.start(Path.of(args[0]), Path.of(args[1]), Integer.parseInt(args[2]),
        TestDaemons.SETTINGS);
    System.out.println("READY " + d.port());
    System.out.flush();
    Thread.currentThread().join();
  }
}
