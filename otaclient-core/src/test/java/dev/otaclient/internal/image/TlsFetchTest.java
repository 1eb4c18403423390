package dev.otaclient.internal.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.internal.fetch.Blobs;
import dev.otaclient.internal.fs.ContentHash;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images over HTTPS with the JVM's default trust store, and no TLS set-up at all for plain HTTP (the
 * TLS strategy is built on the first https connection: loading the trust store and the TLS stack
 * was ~50 ms of every command's start-up). Each case runs {@link TlsFetchProbe} in a JVM of its own,
 * because the default trust store is fixed for a process once read.
 */
class TlsFetchTest {
  static final String PASSWORD = "changeit";
  @TempDir static Path dir;
  static Path keystore;
  static Path truststore;
  static Path blob;

  @BeforeAll
  static void keys() throws Exception {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    assumeTrue(Files.isExecutable(keytool), "needs the JDK's keytool");
    keystore = dir.resolve("server.p12");
    truststore = dir.resolve("trust.p12");
    Path cert = dir.resolve("server.cer");
    run(keytool.toString(), "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
        "-keystore", keystore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
    run(keytool.toString(), "-exportcert", "-alias", "server", "-keystore", keystore.toString(),
        "-storepass", PASSWORD, "-file", cert.toString());
    run(keytool.toString(), "-importcert", "-noprompt", "-alias", "server", "-file", cert.toString(),
        "-storetype", "PKCS12", "-keystore", truststore.toString(), "-storepass", PASSWORD);
    blob = dir.resolve("blob");
    Files.write(blob, Blobs.random(300_000, 7));
  }

  @Test
  void anImageServerWithATrustedCertificateIsFetchedOverHttps() throws Exception {
    String out = probe(keystore, List.of("-Djavax.net.ssl.trustStore=" + truststore,
        "-Djavax.net.ssl.trustStorePassword=" + PASSWORD), "https-trusted");
    assertThat(out).contains("OK " + ContentHash.of(blob));
  }

  @Test
  void anUntrustedCertificateIsRefused() throws Exception {
    String out = probe(keystore, List.of(), "https-untrusted");
    assertThat(out).contains("FAILED").containsIgnoringCase("certificat").doesNotContain("OK ");
  }

  @Test
  void plainHttpNeverLoadsTheTlsStack() throws Exception {
    String out = probe(null, List.of("-Xlog:class+load=info"), "http");
    assertThat(out).contains("OK " + ContentHash.of(blob));
    assertThat(out.lines().filter(l -> l.contains("sun.security.ssl.")).toList()).isEmpty();
  }

  private static String probe(Path keys, List<String> jvmOptions, String name) throws Exception {
    Path out = Files.createDirectories(dir.resolve(name));
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path")));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of(TlsFetchProbe.class.getName(), keys == null ? "-" : keys.toString(), PASSWORD,
        blob.toString(), out.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("probe ended").isTrue();
    assertThat(p.exitValue()).as(text).isZero();
    return text;
  }

  private static void run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + text);
    }
  }
}
