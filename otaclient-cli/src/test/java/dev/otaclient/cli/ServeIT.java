package dev.otaclient.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.testing.Await;
import dev.otaclient.testing.Nginx;
import dev.otaclient.testing.ReservedPort;
import dev.otaclient.testing.SignedImageFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon as a service, through the fat jar: its start-up report, INFO lines of an update with
 * phase timings, JSON log lines, sd_notify towards a notification socket, and a proxy's upstream
 * failure reaching the update's failure reason.
 */
class ServeIT {
  @TempDir static Path w;
  static SignedImageFixture images;

  @BeforeAll
  static void images() {
    images = SignedImageFixture.create("serve", w);
    images.sampleV1("v1");
  }

  /** A running {@code otaclient serve}, its stderr in a file. */
  record Daemon(Process process, Path log, String target) implements AutoCloseable {
    static Daemon start(Path cfg, ReservedPort port, Map<String, String> env, String... extra) throws IOException {
      return start(cfg, images.cas(), port, env, extra);
    }

    static Daemon start(Path cfg, Path certs, ReservedPort port, Map<String, String> env, String... extra)
        throws IOException {
      List<String> cmd = new ArrayList<>(JarRun.command());
      cmd.addAll(List.of("serve", "--config-dir", cfg.toString(), "--certs", certs.toString(),
          "--state-dir", cfg.resolve("state").toString(), "--port", String.valueOf(port.port()),
          "--proxy-cache-dir", cfg.resolve("cache").toString()));
      cmd.addAll(List.of(extra));
      Path log = cfg.resolve("serve.log");
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().putAll(env);
      Daemon d = new Daemon(pb.start(), log, port.hostPort());
      Await.until("the daemon to serve (" + log + ")", () -> !d.process.isAlive()
          || read(log).contains("serving OtaClientService on " + port.hostPort()));
      assertThat(d.process.isAlive()).as(read(log)).isTrue();
      return d;
    }

    String output() {
      return read(log);
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy(); // SIGTERM
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("daemon stops on SIGTERM").isTrue();
    }
  }

  static Path config(String name, String proxyInfo) throws IOException {
    Path cfg = Files.createDirectories(w.resolve(name));
    Files.writeString(cfg.resolve("ecu_info.yaml"), "ecu_id: \"e1\"\nip_addr: \"127.0.0.1\"\n");
    Files.writeString(cfg.resolve("proxy_info.yaml"), proxyInfo);
    return cfg;
  }

  static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void logsItsConfigurationThenAnUpdatePhaseByPhase() throws Exception {
    assumeTrue(Nginx.available(), "nginx not installed");
    Path cfg = config("plain", "enable_local_ota_proxy: false\n");
    try (Nginx nginx = Nginx.serve(images.www()); ReservedPort port = ReservedPort.reserve();
         Daemon d = Daemon.start(cfg, port, Map.of())) {
      String startup = d.output();
      assertThat(startup).containsPattern("(?m)^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\S* INFO ")
          .contains(cfg.resolve("ecu_info.yaml") + ": read; ECU 'e1' at 127.0.0.1")
          .contains(cfg.resolve("proxy_info.yaml") + ": read; no local ota_proxy")
          .contains(cfg.resolve("tls.yaml") + ": not found; gRPC plaintext")
          .doesNotContain(" WARN ").doesNotContain("DEBUG");
      JarRun u = JarRun.of("update", "--ecu", "e1", "--url", nginx.imageUrl("v1"), "--image-version", "1.0",
          "--target", d.target(), "--wait", "--json", "--log-level", "debug");
      assertThat(u.exit()).as(u.toString()).isZero();
      // whatever is logged goes to stderr: stdout is the JSON result alone
      assertThat(u.out().strip()).startsWith("{").endsWith("}");
      Await.until("the update's last line in the daemon log", () -> d.output().contains("update of e1 finished"));
      assertThat(d.output()).contains("update of e1 to version '1.0' from " + nginx.imageUrl("v1"))
          .containsPattern("update of e1: phase REGULAR \\(\\w+ took \\d+\\.\\d s\\)")
          .containsPattern("update of e1 finished: SUCCESS with version '1.0' after \\d+\\.\\d s");
    }
  }

  @Test
  void jsonLogLines() throws Exception {
    Path cfg = config("json", "enable_local_ota_proxy: false\n");
    try (ReservedPort port = ReservedPort.reserve(); Daemon d = Daemon.start(cfg, port, Map.of(), "--log-format", "json")) {
      List<String> lines = d.output().lines().toList();
      assertThat(lines).isNotEmpty().allMatch(l -> l.startsWith("{") && l.endsWith("}"));
      assertThat(lines).anyMatch(l -> l.contains("\"level\":\"INFO\"") && l.contains("serving OtaClientService"));
    }
  }

  @Test
  void tellsSystemdWhenReadyWhatItDoesThatItLivesAndWhenItStops() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")) || Files.exists(Path.of("/usr/local/bin/python3")),
        "python3 (the test's notification socket) not installed");
    Path cfg = config("notify", "enable_local_ota_proxy: false\n");
    Path socket = cfg.resolve("notify.sock");
    Path received = cfg.resolve("notify.txt");
    // a stand-in for systemd's notification socket: records every datagram
    Process listener = new ProcessBuilder("python3", "-c", String.join("\n",
        "import socket, sys",
        "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
        "s.bind(sys.argv[1])",
        "out = open(sys.argv[2], 'a')",
        "while True:",
        "    out.write(s.recv(4096).decode() + '\\n'); out.flush()"), socket.toString(), received.toString())
        .redirectErrorStream(true).start();
    try {
      Await.until("the notification socket", () -> Files.exists(socket));
      Daemon d;
      try (ReservedPort port = ReservedPort.reserve()) {
        d = Daemon.start(cfg, port, Map.of("NOTIFY_SOCKET", socket.toString(), "WATCHDOG_USEC", "400000"));
        Await.until("READY and a watchdog ping", () -> read(received).contains("READY=1")
            && read(received).contains("WATCHDOG=1"));
        assertThat(read(received)).contains("STATUS=ECU e1 serving on 127.0.0.1:" + port.port());
        d.close();
      }
      Await.until("STOPPING", () -> read(received).contains("STOPPING=1"));
    } finally {
      listener.destroy();
      listener.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aProxysUpstreamFailureReachesTheFailureReason() throws Exception {
    assumeTrue(Nginx.available(), "nginx not installed");
    try (Nginx nginx = Nginx.serve(images.www()); ReservedPort proxyPort = ReservedPort.reserve();
         ReservedPort port = ReservedPort.reserve()) {
      // gateway: the local ota_proxy speaks HTTPS to the origin, which here is plain HTTP
      Path cfg = config("gateway", "enable_local_ota_proxy: true\ngateway: true\nenable_local_ota_proxy_cache: false\n"
          + "local_ota_proxy_listen_addr: \"127.0.0.1\"\nlocal_ota_proxy_listen_port: " + proxyPort.port() + "\n");
      try (Daemon d = Daemon.start(cfg, port, Map.of())) {
        JarRun u = JarRun.of("update", "--ecu", "e1", "--url", nginx.imageUrl("v1"), "--image-version", "1.0",
            "--target", d.target(), "--wait", "--progress-every", "0");
        assertThat(u.exit()).as(u.toString()).isEqualTo(1);
        assertThat(u.errLines()).as(u.toString()).hasSize(1);
        assertThat(u.err()).as(u.toString()).startsWith("otaclient: E1-").contains("HTTP 502 (ota_proxy: upstream request for ").contains("SSL");
      }
    }
  }
}
