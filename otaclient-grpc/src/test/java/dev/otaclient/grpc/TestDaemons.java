package dev.otaclient.grpc;

import dev.otaclient.internal.boot.BootBackend;
import dev.otaclient.internal.ecu.EcuNodeSettings;
import dev.otaclient.internal.ecu.SecondaryEcu;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Whole ECU daemons for the tree tests: the configuration directory of one ECU ({@code ecu_info.yaml},
 * {@code proxy_info.yaml}) and the daemon on it, with directory slots below the same directory.
 */
final class TestDaemons {
  /** Polls fast enough for a test, deadlines as in production. */
  static final EcuNodeSettings SETTINGS = new EcuNodeSettings(Duration.ofSeconds(6), Duration.ofMillis(200),
      Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofMinutes(1));
  static final String NO_PROXY = "enable_local_ota_proxy: false\n";

  private TestDaemons() {}

  /**
   * Writes the configuration of ECU {@code id} into {@code dir}: its direct {@code children} (which it
   * lists, after itself, as available) and the given {@code proxy_info.yaml}. Returns {@code dir}.
   */
  static Path configDir(Path dir, String id, List<SecondaryEcu> children, String proxyInfo) {
    StringBuilder yaml = new StringBuilder("ecu_id: \"" + id + "\"\nip_addr: \"127.0.0.1\"\n");
    if (!children.isEmpty()) {
      yaml.append("secondaries:\n");
      for (SecondaryEcu c : children) {
        yaml.append("  - {ecu_id: \"").append(c.ecuId()).append("\", ip_addr: \"").append(c.ipAddr())
            .append("\", port: ").append(c.port()).append("}\n");
      }
      yaml.append("available_ecu_ids: [\"").append(id).append('"');
      for (SecondaryEcu c : children) {
        yaml.append(", \"").append(c.ecuId()).append('"');
      }
      yaml.append("]\n");
    }
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("ecu_info.yaml"), yaml);
      Files.writeString(dir.resolve("proxy_info.yaml"), proxyInfo);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  /** The daemon of the ECU configured in {@code cfg}: directory slots and proxy cache below {@code cfg}. */
  static EcuDaemon.Config config(Path cfg, Path certs, int port, EcuNodeSettings settings) {
    return EcuDaemon.Config.fromDirectory(cfg, certs, cfg.resolve("slots")).withBackend(BootBackend.DIRECTORY)
        .withPort(port).withProxyCacheDir(cfg.resolve("cache")).withNodeSettings(settings);
  }

  static EcuDaemon start(Path cfg, Path certs, int port, EcuNodeSettings settings) {
    return EcuDaemon.start(config(cfg, certs, port, settings));
  }
}
