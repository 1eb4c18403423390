package dev.otaclient.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.grpc.EcuDaemon;
import dev.otaclient.internal.boot.BootBackend;
import dev.otaclient.internal.ecu.EcuNodeSettings;
import dev.otaclient.internal.image.sign.TestCa;
import dev.otaclient.testing.HandmadeImage;
import dev.otaclient.testing.Nginx;
import dev.otaclient.testing.ReservedPort;
import dev.otaclient.testing.SignedImageFixture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every failure path of every command, run through the fat jar as a process: each ends with exactly
 * one line {@code otaclient: <code>: <reason>} on stderr and the documented exit code (2 usage, 1 failed
 * operation), and nothing else on stderr: no stack trace, no log line. The daemons (serve, proxy,
 * image serve) log their start-up at INFO, so for them the one line is the last, and no other line is
 * an error, a warning or a trace.
 */
class FailurePathsIT {
  private static final Pattern LINE = Pattern.compile("otaclient: [A-Za-z0-9-]+: \\S.*");

  @TempDir static Path w;
  static SignedImageFixture images;
  static Path certs;
  static Path otherCerts;
  static Path v1;

  @BeforeAll
  static void images() throws IOException {
    images = SignedImageFixture.create("fail", w);
    certs = images.cas();
    otherCerts = w.resolve("other-certs");
    SignedImageFixture.newCa("other").installInto(otherCerts, "1");
    v1 = images.sampleV1("v1");
  }

  /** A one-shot command: exactly one stderr line, the error, with this code, naming {@code about}. */
  static JarRun fails(int exit, String code, String about, String... args) {
    JarRun r = JarRun.of(args);
    assertThat(r.exit()).as(r.toString()).isEqualTo(exit);
    assertThat(r.errLines()).as(r.toString()).hasSize(1);
    assertThat(r.errLines().get(0)).as(r.toString()).matches(LINE).startsWith("otaclient: " + code).contains(about);
    return r;
  }

  /** A daemon: the error is the last stderr line and the only error, warning or trace. */
  static JarRun daemonFails(int exit, String code, String about, String... args) {
    JarRun r = JarRun.of(args);
    assertThat(r.exit()).as(r.toString()).isEqualTo(exit);
    List<String> lines = r.errLines();
    assertThat(lines).as(r.toString()).isNotEmpty();
    String last = lines.get(lines.size() - 1);
    assertThat(last).as(r.toString()).matches(LINE).startsWith("otaclient: " + code).contains(about);
    assertThat(lines.subList(0, lines.size() - 1)).as(r.toString())
        .noneMatch(l -> l.startsWith("otaclient:") || l.contains(" ERROR ") || l.contains(" WARN ")
            || l.startsWith("\tat ") || l.startsWith("Caused by"));
    return r;
  }

  @Test
  void usageErrorsOfTheCommandLineItself() {
    fails(2, "usage", "'bogus'", "bogus");
    fails(2, "usage", "subcommand", "image");
    fails(2, "usage", "--nope", "status", "--nope");
    fails(2, "usage", "--log-level", "--log-level", "loud", "status");
    fails(2, "usage", "--url", "apply");
    fails(2, "usage", "--ecu", "update", "--url", "http://127.0.0.1:1/x/");
    fails(2, "usage", "--target", "status", "--target", "nohostport");
    fails(2, "usage", "--target", "rollback", "--ecu", "main", "--target", "h:99999");
  }

  @Test
  void applyFailures() throws Exception {
    Path state = w.resolve("apply-state");
    String s = state.toString();
    String c = certs.toString();
    fails(2, "usage", "unsupported scheme 'htp'", "apply", "--url", "htp://127.0.0.1/x/", "--certs", c, "--state-dir", s);
    fails(2, "usage", "--certs " + w.resolve("no-certs"), "apply", "--url", v1.toString(), "--certs",
        w.resolve("no-certs").toString(), "--state-dir", s);
    fails(2, "usage", "--image-version", "apply", "--url", "http://127.0.0.1:1/", "--certs", c, "--state-dir", s);
    fails(2, "usage", "--boot", "apply", "--url", v1.toString(), "--certs", c, "--state-dir", s, "--boot", "fancy");
    // the bootloader key of ecu_info.yaml selects the backend; --boot overrides it; an unknown value names file and line
    Path jetsonCfg = Files.createDirectories(w.resolve("jetson-cfg"));
    Files.writeString(jetsonCfg.resolve("ecu_info.yaml"), "ecu_id: \"main\"\nbootloader: jetson-uefi\n");
    fails(1, "E2-0101-301", "devicetree/base/compatible", "apply", "--url", v1.toString(), "--certs", c, "--state-dir", s,
        "--config-dir", jetsonCfg.toString());
    fails(1, "E2-0101-302", "a-file-too", "apply", "--url", v1.toString(), "--certs", c, "--state-dir",
        Files.writeString(w.resolve("a-file-too"), "x").toString(), "--config-dir", jetsonCfg.toString(), "--boot",
        "directory");
    Path unknownCfg = Files.createDirectories(w.resolve("unknown-boot-cfg"));
    Files.writeString(unknownCfg.resolve("ecu_info.yaml"), "ecu_id: \"main\"\nbootloader: uboot\n");
    fails(1, "E2-0000-300", unknownCfg.resolve("ecu_info.yaml") + ":2: bootloader: unknown boot loader 'uboot'",
        "apply", "--url", v1.toString(), "--certs", c, "--state-dir", s, "--config-dir", unknownCfg.toString());
    fails(2, "usage", "--cookies", "apply", "--url", v1.toString(), "--certs", c, "--state-dir", s, "--cookies", "[1]");
    fails(2, "usage", "--cookies", "apply", "--url", v1.toString(), "--certs", c, "--state-dir", s, "--cookies",
        "@" + w.resolve("no-cookies.json"));
    fails(2, "usage", "--ecu-id", "apply", "--url", v1.toString(), "--certs", c, "--state-dir", s, "--ecu-id", "a\tb");
    fails(2, "E1-0104-203", w.resolve("missing").toString(), "apply", "--url", w.resolve("missing").toString(),
        "--certs", c, "--state-dir", s);
    try (ReservedPort closed = ReservedPort.reserve()) {
      fails(1, "E1-0103-100", "Connection refused", "apply", "--url", "http://" + closed.hostPort() + "/v1/",
          "--certs", c, "--state-dir", s, "--progress-every", "0");
    }
    // the image is fine, the trust store is another CA's
    fails(1, "E1-0104-208", "", "apply", "--url", v1.toString(), "--certs", otherCerts.toString(), "--state-dir", s);
    // the state directory is a file
    Path file = Files.writeString(w.resolve("a-file"), "x");
    fails(1, "E2-0101-302", "a-file", "apply", "--url", v1.toString(), "--certs", c, "--state-dir", file.toString());
  }

  @Test
  void applyRefusesHostileImagesInOneLine() throws IOException {
    TestCa ca = images.ca();
    byte[] body = "hello\n".getBytes(StandardCharsets.UTF_8);
    List<Path> hostile = new ArrayList<>();
    hostile.add(new HandmadeImage().dirs("0755,0,0,'/etc'", "0755,0,0,'/etc/../../escape'")
        .writeTo(w.resolve("h-traversal"), ca, false));
    hostile.add(new HandmadeImage().dirs("0755,0,0,'/etc'").regulars(HandmadeImage.regularLine("/etc/x", body))
        .file("data/etc/x", "tampered\n".getBytes(StandardCharsets.UTF_8)).writeTo(w.resolve("h-hash"), ca, false));
    hostile.add(new HandmadeImage().dirs("this is not a list line").writeTo(w.resolve("h-malformed"), ca, false));
    Path tampered = new HandmadeImage().dirs("0755,0,0,'/etc'").writeTo(w.resolve("h-tampered"), ca, false);
    Files.writeString(tampered.resolve("dirs.txt"), "0755,0,0,'/etc'\n0755,0,0,'/root/.ssh'\n");
    hostile.add(tampered);
    for (Path image : hostile) {
      fails(1, "E", "", "apply", "--url", image.toString(), "--certs", certs.toString(),
          "--state-dir", w.resolve("state-" + image.getFileName()).toString(), "--image-version", "x");
    }
  }

  @Test
  void httpFailures() throws IOException {
    assumeTrue(Nginx.available(), "nginx not installed");
    // a directory on the server with image files, but no metadata.jwt
    Files.writeString(Files.createDirectories(images.www().resolve("partial")).resolve("dirs.txt"), "0755,0,0,'/etc'\n");
    try (Nginx nginx = Nginx.serve(images.www())) {
      // 404: the image is not there, which is no network problem: the metadata-download code, and the URL
      for (String name : List.of("nope", "partial")) {
        String url = nginx.imageUrl(name);
        fails(1, "E1-0103-101", "no OTA image at " + url + ": metadata.jwt not found (" + url + "metadata.jwt: ",
            "apply", "--url", url, "--certs", certs.toString(), "--state-dir", w.resolve("http-state").toString(),
            "--image-version", "x", "--progress-every", "0");
      }
      fails(1, "E1-0104-208", "", "image", "verify", "--certs", otherCerts.toString(), nginx.imageUrl("v1"));
    }
  }

  @Test
  void imageCommandFailures() throws IOException {
    String c = certs.toString();
    fails(2, "E1-0104-203", "missing", "image", "verify", "--certs", c, w.resolve("missing").toString());
    fails(2, "usage", "--certs", "image", "verify", "--certs", w.resolve("no-certs").toString(), v1.toString());
    fails(1, "E1-0104-208", "", "image", "verify", "--certs", otherCerts.toString(), v1.toString());
    fails(2, "E1-0104-203", "not an OTA image", "image", "inspect", w.toString());
    fails(2, "E1-0104-203", "missing", "image", "diff", v1.toString(), w.resolve("missing").toString());
    fails(2, "usage", "not a directory", "image", "serve", Files.writeString(w.resolve("f"), "").toString());
    fails(2, "usage", "--rootfs", "image", "build", "--rootfs", w.resolve("missing").toString(), "--out",
        w.resolve("out").toString(), "--sign-key", images.key().toString(), "--cert", images.cert().toString());
    fails(2, "usage", "--sign-key", "image", "build", "--rootfs", images.rootfs("v1").toString(), "--out",
        w.resolve("out").toString(), "--sign-key", w.resolve("missing.key").toString(), "--cert", images.cert().toString());
    fails(2, "usage", "--cert", "image", "build", "--rootfs", images.rootfs("v1").toString(), "--out",
        w.resolve("out").toString(), "--sign-key", images.key().toString(), "--cert", images.key().toString());
    // a key that is not the certificate's: the image could never verify
    Path otherKey = w.resolve("other.key");
    SignedImageFixture.newCa("stranger").writeSigningMaterial(otherKey, w.resolve("stranger.pem"));
    fails(2, "usage", "does not belong", "image", "build", "--rootfs", images.rootfs("v1").toString(), "--out",
        w.resolve("out").toString(), "--sign-key", otherKey.toString(), "--cert", images.cert().toString());
    fails(2, "usage", "--out", "image", "build", "--rootfs", images.rootfs("v1").toString(), "--out", v1.toString(),
        "--sign-key", images.key().toString(), "--cert", images.cert().toString());
    // the builder's own refusals name the input at fault, not "contact technical support"
    Path oddRootfs = Files.createDirectories(w.resolve("odd-rootfs/etc"));
    Files.writeString(oddRootfs.resolve("line\nbreak"), "x");
    fails(1, "build", "line break", "image", "build", "--rootfs", oddRootfs.getParent().toString(), "--out",
        w.resolve("out3").toString(), "--sign-key", images.key().toString(), "--cert", images.cert().toString());
    Path badPersistents = Files.writeString(w.resolve("persistents.txt"), "relative/path\n");
    fails(2, "usage", "--persistents", "image", "build", "--rootfs", images.rootfs("v1").toString(), "--out",
        w.resolve("out2").toString(), "--sign-key", images.key().toString(), "--cert", images.cert().toString(),
        "--persistents", badPersistents.toString());
  }

  @Test
  void remoteCommandFailures() throws Exception {
    try (ReservedPort closed = ReservedPort.reserve()) {
      fails(1, "unreachable", closed.hostPort(), "status", "--target", closed.hostPort());
      fails(1, "unreachable", closed.hostPort(), "update", "--ecu", "main", "--url", "http://127.0.0.1/v/",
          "--target", closed.hostPort());
      fails(1, "unreachable", closed.hostPort(), "rollback", "--ecu", "main", "--target", closed.hostPort());
    }
    fails(2, "usage", "--url", "update", "--ecu", "main", "--url", "ftp://example/v/");
    fails(2, "usage", "--ecu", "update", "--ecu", "main", "--ecu", "main", "--url", "http://127.0.0.1/v/");
    fails(1, "io", "no directory-slot device", "status", "--state-dir", w.resolve("nothing").toString());

    Path cfg = Files.createDirectories(w.resolve("daemon"));
    Files.writeString(cfg.resolve("ecu_info.yaml"), "ecu_id: \"main\"\nip_addr: \"127.0.0.1\"\n");
    Files.writeString(cfg.resolve("proxy_info.yaml"), "enable_local_ota_proxy: false\n");
    try (EcuDaemon d = EcuDaemon.start(EcuDaemon.Config.fromDirectory(cfg, certs, cfg.resolve("slots"))
        .withBackend(BootBackend.DIRECTORY).withPort(0).withProxyCacheDir(cfg.resolve("cache"))
        .withNodeSettings(new EcuNodeSettings(Duration.ofSeconds(6), Duration.ofMillis(200), Duration.ofSeconds(1),
            Duration.ofSeconds(2), Duration.ofMinutes(1))))) {
      String target = "127.0.0.1:" + d.port();
      // nothing to roll back to on a fresh device
      fails(1, "rejected", "rollback refused by main: E1-0204-204", "rollback", "--ecu", "main", "--target", target);
      // accepted, then failed: the ECU's own reason
      fails(1, "E1-0103-100", "(ECU main)", "update", "--ecu", "main", "--url", "http://127.0.0.1:1/nope/",
          "--target", target, "--wait", "--timeout", "300", "--progress-every", "0");
    }
  }

  @Test
  void daemonFailures() throws Exception {
    Path cfg = Files.createDirectories(w.resolve("serve-cfg"));
    Files.writeString(cfg.resolve("ecu_info.yaml"), "ecu_id: \"e1\"\nip_addr: \"127.0.0.1\"\n");
    Files.writeString(cfg.resolve("proxy_info.yaml"), "enable_local_ota_proxy: false\n");
    String c = certs.toString();
    daemonFails(2, "usage", "--config-dir", "serve", "--config-dir", w.resolve("no-cfg").toString(), "--certs", c,
        "--state-dir", w.resolve("st1").toString(), "--port", "0");
    Path badCfg = Files.createDirectories(w.resolve("bad-cfg"));
    Files.writeString(badCfg.resolve("ecu_info.yaml"), "ecu_id: \"e1\"\nip_addr: \"999.1.1.1\"\n");
    daemonFails(1, "E2-0000-300", "ip_addr", "serve", "--config-dir", badCfg.toString(), "--certs", c,
        "--state-dir", w.resolve("st2").toString(), "--port", "0");
    Path unknownBoot = Files.createDirectories(w.resolve("unknown-boot"));
    Files.writeString(unknownBoot.resolve("ecu_info.yaml"), "ecu_id: \"e1\"\nbootloader: u-boot\n");
    daemonFails(1, "E2-0000-300", "ecu_info.yaml:2: bootloader: unknown boot loader 'u-boot'", "serve", "--config-dir",
        unknownBoot.toString(), "--certs", c, "--state-dir", w.resolve("st5").toString(), "--port", "0");
    Path st3 = Files.createDirectories(w.resolve("st3"));
    try (FileChannel ch = FileChannel.open(st3.resolve("otaclient.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
         FileLock held = ch.lock()) {
      daemonFails(1, "busy", "otaclient.lock", "serve", "--config-dir", cfg.toString(), "--certs", c,
          "--state-dir", st3.toString(), "--port", "0");
    }
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String port = String.valueOf(taken.getLocalPort());
      daemonFails(1, "E2-0105-300", port, "serve", "--config-dir", cfg.toString(), "--certs", c,
          "--state-dir", w.resolve("st4").toString(), "--port", port);
      daemonFails(1, "E1-0100-209", port, "proxy", "--listen", "127.0.0.1:" + port, "--no-cache");
      daemonFails(1, "io", port, "image", "serve", v1.toString(), "--port", port);
    }
    daemonFails(2, "usage", "--listen", "proxy", "--listen", "nohostport");
    daemonFails(1, "E1-0100-209", "upper proxy", "proxy", "--listen", "127.0.0.1:0", "--upper", "https://x:1",
        "--no-cache");
  }

  @Test
  void demoFailure() throws IOException {
    Path file = Files.writeString(w.resolve("demo-file"), "x");
    fails(1, "io", "demo-file", "demo", "--workdir", file.toString());
  }
}
