package dev.otaclient.grpc;

import dev.otaclient.boot.BootBackend;
import dev.otaclient.ecu.EcuNodeSettings;
import java.nio.file.Path;
import java.time.Duration;

/** A child ECU daemon in its own JVM, for tests that kill and restart it: args configDir certs stateDir port. */
public final class DaemonMain {
  public static void main(String[] args) throws Exception {
    Path cfg = Path.of(args[0]);
    EcuDaemon d = EcuDaemon.start(EcuDaemon.Config.fromDirectory(cfg, Path.of(args[1]), Path.of(args[2]))
        .withBackend(BootBackend.DIRECTORY).withPort(Integer.parseInt(args[3])).withProxyCacheDir(cfg.resolve("cache"))
        .withNodeSettings(new EcuNodeSettings(Duration.ofSeconds(6), Duration.ofMillis(200), Duration.ofSeconds(1),
            Duration.ofSeconds(2), Duration.ofMinutes(1))));
    System.out.println("READY " + d.port());
    System.out.flush();
    Thread.currentThread().join();
  }
}
