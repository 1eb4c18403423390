package dev.otaclient.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.testing.Nginx;
import dev.otaclient.testing.ReservedPort;
import dev.otaclient.testing.SampleRootfs;
import dev.otaclient.testing.SignedImageFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The download cap of {@code <config-dir>/otaclient.yaml} and {@code --max-download-rate}, honoured
 * by {@code apply} and {@code serve}. Durations are checked from below only: uncapped, each update
 * here takes well under a second, and a busy machine can only make it slower.
 */
class DownloadCapIT {
  /** 100k: 102 400 bytes/s. */
  private static final long RATE = 100 * 1024;
  /** The image holds 20 incompressible files of at least 20 000 bytes (and as many text files). */
  private static final long AT_LEAST_DOWNLOADED = 20 * 20_000;
  /** Credit the cap saves up while idle (RateLimit.BURST): that much passes before it bites. */
  private static final long BURST = 64 * 1024;
  private static final double LOWER_BOUND_SECONDS = (AT_LEAST_DOWNLOADED - BURST) / (double) RATE;

  @TempDir static Path w;
  static SignedImageFixture images;

  @BeforeAll
  static void image() {
    images = SignedImageFixture.create("cap", w);
    Path root = SampleRootfs.create(images.rootfs("bulk"));
    SignedImageFixture.addBulk(root, "/usr/share/bulk", 40, 7, 20_000, 24_000);
    images.build("bulk");
  }

  static Path config(String name, String otaclientYaml) throws Exception {
    Path cfg = Files.createDirectories(w.resolve(name));
    Files.writeString(cfg.resolve("ecu_info.yaml"), "ecu_id: \"e1\"\nip_addr: \"127.0.0.1\"\n");
    Files.writeString(cfg.resolve("proxy_info.yaml"), "enable_local_ota_proxy: false\n");
    if (otaclientYaml != null) {
      Files.writeString(cfg.resolve("otaclient.yaml"), otaclientYaml);
    }
    return cfg;
  }

  static double applyTimed(Nginx nginx, Path cfg, String... extra) {
    String[] args = new String[] {"apply", "--url", nginx.imageUrl("bulk"), "--image-version", "1.0",
        "--certs", images.cas().toString(), "--state-dir", cfg.resolve("state").toString(),
        "--config-dir", cfg.toString(), "--progress-every", "0"};
    String[] all = new String[args.length + extra.length];
    System.arraycopy(args, 0, all, 0, args.length);
    System.arraycopy(extra, 0, all, args.length, extra.length);
    long t0 = System.nanoTime();
    CliRun r = CliRun.of(all);
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    return seconds;
  }

  @Test
  void applyTakesTheCapFromTheFile() throws Exception {
    assumeTrue(Nginx.available(), "nginx not installed");
    try (Nginx nginx = Nginx.serve(images.www())) {
      assertThat(applyTimed(nginx, config("apply-file", "max_download_rate: 100k\n")))
          .isGreaterThanOrEqualTo(LOWER_BOUND_SECONDS);
    }
  }

  @Test
  void applysOptionReplacesTheFilesCap() throws Exception {
    assumeTrue(Nginx.available(), "nginx not installed");
    try (Nginx nginx = Nginx.serve(images.www())) {
      assertThat(applyTimed(nginx, config("apply-option", "max_download_rate: 1G\n"), "--max-download-rate", "100k"))
          .isGreaterThanOrEqualTo(LOWER_BOUND_SECONDS);
    }
  }

  @Test
  void badSettingsAreOneLineNamingTheFileOrTheOption() throws Exception {
    Path cfg = config("bad", "release_key: prd\nmax_download_rate: fast\n");
    String[] apply = {"apply", "--url", images.image("bulk").toString(), "--certs", images.cas().toString(),
        "--state-dir", cfg.resolve("state").toString(), "--config-dir", cfg.toString()};
    CliRun bad = CliRun.of(apply);
    assertThat(bad.exit()).isNotZero();
    assertThat(bad.errorLines()).as(bad.err()).isEqualTo(1);
    assertThat(bad.err()).contains(cfg.resolve("otaclient.yaml") + ":2: max_download_rate: 'fast' is not a rate");

    Files.writeString(cfg.resolve("otaclient.yaml"), "max_download_rate: 1M\nbandwidth: 1M\n");
    CliRun unknown = CliRun.of(apply);
    assertThat(unknown.errorLines()).as(unknown.err()).isEqualTo(1);
    assertThat(unknown.err()).contains(cfg.resolve("otaclient.yaml") + ":2: bandwidth: unknown key");

    Files.delete(cfg.resolve("otaclient.yaml"));
    String[] withOption = new String[apply.length + 2];
    System.arraycopy(apply, 0, withOption, 0, apply.length);
    withOption[apply.length] = "--max-download-rate";
    withOption[apply.length + 1] = "10MB/s";
    CliRun option = CliRun.of(withOption);
    assertThat(option.exit()).isEqualTo(2);
    assertThat(option.errorLines()).as(option.err()).isEqualTo(1);
    assertThat(option.err()).contains("--max-download-rate: '10MB/s' is not a rate");
  }

  @Test
  void serveReportsTheFileAndHonoursTheOptionOverIt() throws Exception {
    assumeTrue(Nginx.available(), "nginx not installed");
    Path cfg = config("serve", "max_download_rate: 1G\nrelease_key: prd\n");
    try (Nginx nginx = Nginx.serve(images.www()); ReservedPort port = ReservedPort.reserve();
         ServeIT.Daemon d = ServeIT.Daemon.start(cfg, images.cas(), port, Map.of(), "--max-download-rate", "100k")) {
      assertThat(d.output()).contains(cfg.resolve("otaclient.yaml")
          + ": read; download cap 0.1 MiB/s (102400 bytes/s), OTA image v1 release key 'prd' (cap from --max-download-rate)");
      long t0 = System.nanoTime();
      JarRun u = JarRun.of("update", "--ecu", "e1", "--url", nginx.imageUrl("bulk"), "--image-version", "1.0",
          "--target", d.target(), "--wait", "--progress-every", "0");
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertThat(u.exit()).as(u.toString()).isZero();
      assertThat(seconds).isGreaterThanOrEqualTo(LOWER_BOUND_SECONDS);
    }
  }

  @Test
  void serveSaysWhenTheFileIsMissing() throws Exception {
    Path cfg = config("serve-defaults", null);
    try (ReservedPort port = ReservedPort.reserve(); ServeIT.Daemon d = ServeIT.Daemon.start(cfg, images.cas(), port, Map.of())) {
      assertThat(d.output()).contains(cfg.resolve("otaclient.yaml")
          + ": not found, defaults apply; no download cap, OTA image v1 release key 'dev'");
    }
  }
}
