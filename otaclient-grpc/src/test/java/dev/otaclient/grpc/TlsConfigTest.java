package dev.otaclient.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.internal.ecu.ConfigYaml;
import dev.otaclient.error.OtaException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsConfigTest {
  @TempDir
  Path dir;

  @BeforeEach
  void files() throws Exception {
    for (String f : new String[] {"s.pem", "s.key", "ca.pem", "c.pem", "c.key"}) {
      Files.writeString(dir.resolve(f), "placeholder");
    }
  }

  private TlsConfig parse(String yaml) {
    return TlsConfig.parse(yaml, "tls.yaml", dir);
  }

  @Test
  void missingOrEmptyFileMeansPlaintext() throws Exception {
    assertThat(TlsConfig.load(dir.resolve("tls.yaml"))).isEqualTo(TlsConfig.DISABLED);
    assertThat(TlsConfig.load(Files.writeString(dir.resolve("empty.yaml"), ""))).isEqualTo(TlsConfig.DISABLED);
    assertThat(TlsConfig.DISABLED.serverCredentials()).isInstanceOf(io.grpc.InsecureServerCredentials.class);
    assertThat(TlsConfig.DISABLED.channelCredentials()).isInstanceOf(io.grpc.InsecureChannelCredentials.class);
  }

  @Test
  void bothSidesWithRelativePathsResolvedNextToTheFile() throws Exception {
    TlsConfig c = TlsConfig.load(Files.writeString(dir.resolve("tls.yaml"), """
        server_cert: s.pem
        server_key: s.key
        client_ca: ca.pem
        ca: ca.pem
        client_cert: c.pem
        client_key: c.key
        """));
    assertThat(c.server()).contains(new TlsConfig.ServerSide(dir.resolve("s.pem"), dir.resolve("s.key"),
        Optional.of(dir.resolve("ca.pem")), true));
    assertThat(c.client()).contains(new TlsConfig.ClientSide(dir.resolve("ca.pem"), Optional.of(dir.resolve("c.pem")),
        Optional.of(dir.resolve("c.key"))));
  }

  @Test
  void clientAuthCanBeMadeOptionalExplicitly() {
    TlsConfig c = parse("server_cert: s.pem\nserver_key: s.key\nclient_ca: ca.pem\nrequire_client_auth: false\n");
    assertThat(c.server().orElseThrow().requireClientAuth()).isFalse();
    assertThat(c.client()).isEmpty();
    assertThat(parse("server_cert: s.pem\nserver_key: s.key\n").server().orElseThrow().clientCa()).isEmpty();
  }

  @Test
  void mistakesAreErrorsNamingLineAndKey() {
    assertThatThrownBy(() -> parse("server_cert: s.pem\nserver_key: s.key\nservr_ca: ca.pem\n"))
        .isInstanceOf(OtaException.class).hasMessageContaining("tls.yaml:3: servr_ca: unknown key");
    assertThatThrownBy(() -> parse("server_cert: s.pem\n"))
        .hasMessageContaining("tls.yaml:1: server_key: required when server_cert is set");
    assertThatThrownBy(() -> parse("server_cert: s.pem\nserver_key: s.key\nrequire_client_auth: true\n"))
        .hasMessageContaining("tls.yaml:3: require_client_auth: needs client_ca");
    assertThatThrownBy(() -> parse("server_cert: s.pem\nserver_key: s.key\nclient_ca: ca.pem\nrequire_client_auth: yes please\n"))
        .hasMessageContaining("tls.yaml:4: require_client_auth: must be true or false");
    assertThatThrownBy(() -> parse("client_ca: ca.pem\n"))
        .hasMessageContaining("client_ca: only meaningful with server_cert and server_key");
    assertThatThrownBy(() -> parse("ca: ca.pem\nclient_key: c.key\n"))
        .hasMessageContaining("tls.yaml:2: client_cert: required when client_key is set");
    assertThatThrownBy(() -> parse("client_cert: c.pem\nclient_key: c.key\n"))
        .hasMessageContaining("client_cert: needs ca");
    assertThatThrownBy(() -> parse("ca: nowhere.pem\n"))
        .hasMessageContaining("tls.yaml:1: ca: no such file");
    assertThatThrownBy(() -> parse("ca: [a, b]\n"))
        .hasMessageContaining("tls.yaml:1: ca: must be a string, got a list");
    assertThatThrownBy(() -> parse("- ca\n"))
        .hasMessageContaining("tls.yaml:1: top level must be a mapping");
    assertThatThrownBy(() -> parse("ca: x\n  bad: [\n"))
        .hasMessageContaining("not valid YAML");
  }

  @Test
  void readLikeEveryConfigFile() throws Exception {
    // through ConfigYaml: size cap, strict UTF-8, alias limits and duplicate keys, as ecu_info.yaml
    Path big = dir.resolve("big.yaml");
    Files.writeString(big, "# " + "x".repeat(ConfigYaml.MAX_FILE_BYTES) + "\n");
    assertThatThrownBy(() -> TlsConfig.load(big)).isInstanceOf(OtaException.class)
        .hasMessageContaining("big.yaml: is larger than " + ConfigYaml.MAX_FILE_BYTES + " bytes");
    Path latin1 = dir.resolve("latin1.yaml");
    Files.write(latin1, "ca: caf\u00e9.pem\n".getBytes(StandardCharsets.ISO_8859_1));
    assertThatThrownBy(() -> TlsConfig.load(latin1)).isInstanceOf(OtaException.class)
        .hasMessageContaining("latin1.yaml: is not valid UTF-8");
    Path utf8 = Files.writeString(dir.resolve("utf8.yaml"), "ca: caf\u00e9.pem\n", StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("caf\u00e9.pem"), "placeholder");
    assertThat(TlsConfig.load(utf8).client().orElseThrow().ca()).isEqualTo(dir.resolve("caf\u00e9.pem"));
    StringBuilder bomb = new StringBuilder("a: &a [x]\n");
    for (int i = 0; i < 30; i++) {
      bomb.append("k").append(i).append(": *a\n");
    }
    assertThatThrownBy(() -> parse(bomb.toString())).isInstanceOf(OtaException.class)
        .hasMessageContaining("not valid YAML");
    assertThatThrownBy(() -> parse("ca: ca.pem\nca: ca.pem\n")).hasMessageContaining("tls.yaml:2: ca: key given twice");
    assertThat(parse("# TLS off for now\n")).isEqualTo(TlsConfig.DISABLED);
  }

  @Test
  void garbagePemIsAnErrorNamingTheSetting() {
    TlsConfig c = parse("server_cert: s.pem\nserver_key: s.key\n");
    assertThatThrownBy(c::serverCredentials)
        .isInstanceOf(OtaException.class).hasMessageContaining("server_cert: " + dir.resolve("s.pem"))
        .hasMessageContaining("is not a PEM certificate chain");
    TlsConfig client = parse("ca: ca.pem\n");
    assertThatThrownBy(client::channelCredentials).hasMessageContaining("tls.yaml: ca: ");
  }

  @Test
  void traditionalKeyFormatGetsAConversionHint() throws Exception {
    TestCerts certs = TestCerts.create(dir, "t");
    Path rsaStyle = Files.writeString(dir.resolve("old.key"),
        "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
    TlsConfig c = parse("server_cert: " + certs.serverCert + "\nserver_key: " + rsaStyle + "\n");
    assertThatThrownBy(c::serverCredentials)
        .hasMessageContaining("server_key: " + rsaStyle + " is not an unencrypted PKCS#8 PEM key")
        .hasMessageContaining("openssl pkcs8 -topk8");
    TlsConfig good = parse("server_cert: " + certs.serverCert + "\nserver_key: " + certs.serverKey + "\n");
    assertThat(good.serverCredentials()).isInstanceOf(io.grpc.TlsServerCredentials.class);
  }
}
