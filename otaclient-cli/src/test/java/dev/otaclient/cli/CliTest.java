package dev.otaclient.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.internal.boot.BootBackend;
import dev.otaclient.internal.ecu.EcuNodeSettings;
import dev.otaclient.grpc.EcuDaemon;
import dev.otaclient.testing.Await;
import dev.otaclient.testing.Nginx;
import dev.otaclient.testing.ReservedPort;
import dev.otaclient.testing.SampleRootfs;
import dev.otaclient.testing.SignedImageFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every command end to end through picocli, with exit codes and one-line errors. */
class CliTest {
  @TempDir static Path w;
  static Path certs;
  static Path otherCerts;
  static Path key;
  static Path cert;
  static Path v1;
  static Path v2;

  @BeforeAll
  static void setup() throws Exception {
    SignedImageFixture images = SignedImageFixture.create("cli", w);
    certs = images.cas();
    key = images.key();
    cert = images.cert();
    otherCerts = w.resolve("other-certs");
    SignedImageFixture.newCa("other").installInto(otherCerts, "1");
    v1 = SampleRootfs.create(w.resolve("rootfs-v1"));
    v2 = w.resolve("rootfs-v2");
    SampleRootfs.v2From(v1, v2);
    for (String v : new String[] {"v1", "v2"}) {
      CliRun r = CliRun.of("image", "build", "--rootfs", w.resolve("rootfs-" + v).toString(),
          "--out", w.resolve("www/" + v).toString(), "--sign-key", key.toString(), "--cert", cert.toString(), "--compress");
      assertThat(r.exit()).as(r.err()).isZero();
    }
  }

  @Test
  void helpVersionAndUsageErrors() {
    CliRun help = CliRun.of("--help");
    assertThat(help.exit()).isZero();
    assertThat(help.out()).contains("serve", "update", "status", "rollback", "apply", "image", "proxy", "demo");
    for (String cmd : new String[] {"serve", "update", "status", "rollback", "apply", "proxy", "demo"}) {
      assertThat(CliRun.of(cmd, "--help").exit()).as(cmd).isZero();
    }
    for (String cmd : new String[] {"build", "verify", "inspect", "diff", "serve"}) {
      assertThat(CliRun.of("image", cmd, "--help").exit()).as(cmd).isZero();
    }
    assertThat(CliRun.of("--version").out()).startsWith("otaclient ");
    assertThat(CliRun.of("no-such-command").exit()).isEqualTo(2);
    assertThat(CliRun.of("update", "--url", "http://x/").exit()).isEqualTo(2); // --ecu missing
  }

  @Test
  void imageVerifyInspectAndDiff() {
    CliRun ok = CliRun.of("image", "verify", "--certs", certs.toString(), w.resolve("www/v1").toString());
    assertThat(ok.exit()).as(ok.err()).isZero();
    assertThat(ok.out()).startsWith("OK ");

    CliRun bad = CliRun.of("image", "verify", "--certs", otherCerts.toString(), w.resolve("www/v1").toString());
    assertThat(bad.exit()).isEqualTo(1);
    assertThat(bad.errorLines()).isEqualTo(1);
    assertThat(bad.err()).contains("otaclient: E1-0104-208");

    CliRun inspect = CliRun.of("image", "inspect", "--certs", certs.toString(), "--json", w.resolve("www/v1").toString());
    assertThat(inspect.exit()).isZero();
    assertThat(inspect.out()).contains("\"regularFiles\"").contains("\"compressedFiles\" : 1");

    CliRun diff = CliRun.of("image", "diff", "--certs", certs.toString(), "--json",
        w.resolve("www/v1").toString(), w.resolve("www/v2").toString());
    assertThat(diff.exit()).as(diff.err()).isZero();
    assertThat(diff.out()).contains("\"downloadFiles\" : 4").contains("\"removedFiles\" : 2");
  }

  @Test
  void applyThenStatusFromTheStateDir() {
    Path state = w.resolve("apply-state");
    CliRun a = CliRun.of("apply", "--url", w.resolve("www/v1").toString(), "--certs", certs.toString(),
        "--state-dir", state.toString(), "--image-version", "1.0", "--json");
    assertThat(a.exit()).as(a.err()).isZero();
    assertThat(a.out()).contains("\"status\" : \"SUCCESS\"").contains("\"version\" : \"1.0\"")
        .contains("\"files_processed_download\"");
    CliRun s = CliRun.of("status", "--state-dir", state.toString(), "--json");
    assertThat(s.exit()).isZero();
    assertThat(s.out()).contains("\"status\" : \"SUCCESS\"").contains("\"version\" : \"1.0\"");

    CliRun refused = CliRun.of("apply", "--url", w.resolve("www/v2").toString(), "--certs", otherCerts.toString(),
        "--state-dir", state.toString(), "--image-version", "2.0");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.out()).isEmpty();
    assertThat(refused.err()).startsWith("otaclient: E1-0104-208: ");
    assertThat(refused.errorLines()).isEqualTo(1);
    assertThat(CliRun.of("status", "--state-dir", state.toString()).out()).contains("FAILURE");
  }

  @Test
  void remoteCommandsAgainstARealDaemon() throws Exception {
    assumeTrue(Nginx.available(), "nginx not installed");
    Path cfg = Files.createDirectories(w.resolve("daemon"));
    Files.writeString(cfg.resolve("ecu_info.yaml"), "ecu_id: \"main\"\nip_addr: \"127.0.0.1\"\n");
    Files.writeString(cfg.resolve("proxy_info.yaml"), "enable_local_ota_proxy: false\n");
    try (Nginx nginx = Nginx.serve(w.resolve("www"));
         EcuDaemon d = EcuDaemon.start(EcuDaemon.Config.fromDirectory(cfg, certs, cfg.resolve("slots"))
             .withBackend(BootBackend.DIRECTORY).withPort(0).withProxyCacheDir(cfg.resolve("cache"))
             .withNodeSettings(new EcuNodeSettings(Duration.ofSeconds(6), Duration.ofMillis(200), Duration.ofSeconds(1),
                 Duration.ofSeconds(2), Duration.ofMinutes(1))))) {
      String target = "127.0.0.1:" + d.port();
      CliRun u1 = CliRun.of("update", "--ecu", "main", "--url", nginx.baseUri().resolve("v1/").toString(),
          "--image-version", "1.0", "--target", target, "--wait");
      assertThat(u1.exit()).as(u1.out() + u1.err()).isZero();
      assertThat(u1.out()).contains("main").contains("SUCCESS").contains("1.0");
      CliRun u2 = CliRun.of("update", "--ecu", "main", "--url", nginx.baseUri().resolve("v2/").toString(),
          "--version", "2.0", "--target", target, "--wait", "--json");
      assertThat(u2.exit()).as(u2.out() + u2.err()).isZero();

      CliRun st = CliRun.of("status", "--target", target);
      assertThat(st.exit()).isZero();
      assertThat(st.out()).contains("main").contains("SUCCESS").contains("2.0");

      CliRun rb = CliRun.of("rollback", "--ecu", "main", "--target", target);
      assertThat(rb.exit()).as(rb.out() + rb.err()).isZero();
      // the table also shows the client's version (0.1.0-...), so wait on the JSON's firmware version
      Await.until("the rollback to 1.0", () -> CliRun.of("status", "--target", target, "--json").out()
          .contains("\"version\" : \"1.0\""));
      assertThat(CliRun.of("status", "--target", target, "--json").out()).contains("\"version\" : \"1.0\"");

      CliRun badImage = CliRun.of("update", "--ecu", "main", "--url", nginx.baseUri().resolve("nope/").toString(),
          "--target", target, "--wait");
      assertThat(badImage.exit()).isEqualTo(1);
      assertThat(badImage.out()).contains("FAILURE");
    }
  }

  @Test
  void clearErrorsForBadInput() {
    try (ReservedPort closed = ReservedPort.reserve()) {
      CliRun unreachable = CliRun.of("status", "--target", closed.hostPort());
      assertThat(unreachable.exit()).isEqualTo(1);
      assertThat(unreachable.errorLines()).isEqualTo(1);
      assertThat(unreachable.err()).contains("cannot reach " + closed.hostPort());
    }

    CliRun cookies = CliRun.of("update", "--ecu", "main", "--url", "http://127.0.0.1:1/", "--cookies", "not json");
    assertThat(cookies.exit()).isEqualTo(2);
    assertThat(cookies.err()).contains("--cookies");

    CliRun url = CliRun.of("update", "--ecu", "main", "--url", "ftp://example/");
    assertThat(url.exit()).isEqualTo(2);
    assertThat(url.err()).contains("otaclient: usage: --url: ").contains("unsupported scheme 'ftp'");

    CliRun target = CliRun.of("status", "--target", "nohostport");
    assertThat(target.exit()).isEqualTo(2);
  }
}
