package dev.otaclient.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.error.OtaException;
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
        .hasMessageContaining("tls.yaml:4: require_client_auth: expected true or false");
    assertThatThrownBy(() -> parse("client_ca: ca.pem\n"))
        .hasMessageContaining("client_ca: only meaningful with server_cert and server_key");
    assertThatThrownBy(() -> parse("ca: ca.pem\nclient_key: c.key\n"))
        .hasMessageContaining("tls.yaml:2: client_cert: required when client_key is set");
    assertThatThrownBy(() -> parse("client_cert: c.pem\nclient_key: c.key\n"))
        .hasMessageContaining("client_cert: needs ca");
    assertThatThrownBy(() -> parse("ca: nowhere.pem\n"))
        .hasMessageContaining("tls.yaml:1: ca: no such file");
    assertThatThrownBy(() -> parse("ca: [a, b]\n"))
        .hasMessageContaining("tls.yaml:1: ca: expected a single value");
    assertThatThrownBy(() -> parse("- ca\n"))
        .hasMessageContaining("tls.yaml:1: expected a mapping");
    assertThatThrownBy(() -> parse("ca: x\n  bad: [\n"))
        .hasMessageContaining("not valid YAML");
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
