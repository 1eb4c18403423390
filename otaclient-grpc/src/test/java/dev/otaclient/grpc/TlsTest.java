package dev.otaclient.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.internal.ecu.EcuUnreachableException;
import dev.otaclient.internal.ecu.SecondaryEcu;
import dev.otaclient.internal.ecu.StatusReport;
import dev.otaclient.error.FailureType;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ECU-to-ECU TLS with client-certificate verification, configured through tls.yaml files. */
class TlsTest {
  private static final Duration DEADLINE = Duration.ofSeconds(5);
  @TempDir
  static Path dir;
  static TestCerts certs;
  static TestCerts otherCa;
  static GrpcServer server;
  static final ScriptedOperations OPS = new ScriptedOperations();

  @BeforeAll
  static void start() throws Exception {
    certs = TestCerts.create(dir, "fleet");
    otherCa = TestCerts.create(dir, "rogue");
    OPS.status = new StatusReport(List.of(new EcuStatus("child", OtaStatus.SUCCESS, FailureType.NO_FAILURE, "",
        "7", Optional.empty())), List.of("child"));
    TlsConfig serverTls = tls("server.yaml", """
        server_cert: fleet-server.pem
        server_key: fleet-server.key
        client_ca: fleet-ca.pem
        require_client_auth: true
        """);
    server = new GrpcServer("127.0.0.1", 0, new OtaClientGrpcService(OPS), serverTls, Duration.ofSeconds(1)).start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static TlsConfig tls(String name, String yaml) throws Exception {
    return TlsConfig.load(Files.writeString(dir.resolve(name), yaml));
  }

  @Test
  void clientWithCertificateFromTheTrustedCaIsServed() throws Exception {
    TlsConfig clientTls = tls("client.yaml", """
        ca: fleet-ca.pem
        client_cert: fleet-client.pem
        client_key: fleet-client.key
        """);
    try (OtaClientStub stub = OtaClientStub.connect("127.0.0.1", server.port(), DEADLINE, clientTls)) {
      assertThat(stub.status()).isEqualTo(OPS.status);
    }
    try (GrpcEcuTransport transport = new GrpcEcuTransport(clientTls)) {
      SecondaryEcu child = new SecondaryEcu("child", "127.0.0.1", server.port());
      assertThat(transport.status(child, DEADLINE)).isEqualTo(OPS.status);
      assertThat(transport.status(child, DEADLINE)).isEqualTo(OPS.status);
      assertThat(transport.openChannels()).as("one cached channel per child").isEqualTo(1);
    }
  }

  @Test
  void clientWithoutCertificateIsRefused() throws Exception {
    TlsConfig noClientCert = tls("anon.yaml", "ca: fleet-ca.pem\n");
    try (OtaClientStub stub = OtaClientStub.connect("127.0.0.1", server.port(), DEADLINE, noClientCert)) {
      assertThatThrownBy(stub::status).isInstanceOfSatisfying(OtaCallException.class,
          e -> assertThat(e.kind()).isEqualTo(OtaCallException.Kind.UNREACHABLE));
    }
  }

  @Test
  void clientCertificateFromAnotherCaIsRefused() throws Exception {
    TlsConfig rogue = tls("rogue.yaml", """
        ca: fleet-ca.pem
        client_cert: rogue-client.pem
        client_key: rogue-client.key
        """);
    try (GrpcEcuTransport transport = new GrpcEcuTransport(rogue)) {
      assertThatThrownBy(() -> transport.status(new SecondaryEcu("child", "127.0.0.1", server.port()), DEADLINE))
          .isInstanceOf(EcuUnreachableException.class)
          .hasMessageStartingWith("ecu child: cannot reach 127.0.0.1:" + server.port());
    }
  }

  @Test
  void serverWithCertificateFromAnUntrustedCaIsRefusedByTheClient() throws Exception {
    TlsConfig trustsRogue = tls("trusts-rogue.yaml", """
        ca: rogue-ca.pem
        client_cert: fleet-client.pem
        client_key: fleet-client.key
        """);
    try (OtaClientStub stub = OtaClientStub.connect("127.0.0.1", server.port(), DEADLINE, trustsRogue)) {
      assertThatThrownBy(stub::status).isInstanceOf(OtaCallException.class);
    }
  }

  @Test
  void plaintextClientCannotTalkToTheTlsServer() {
    try (OtaClientStub stub = OtaClientStub.connect("127.0.0.1", server.port(), DEADLINE)) {
      assertThatThrownBy(stub::status).isInstanceOf(OtaCallException.class);
    }
    assertThat(OPS.updates).isEmpty();
  }

  @Test
  void serverKeyNotMatchingItsCertificateFailsAtStart() throws Exception {
    TlsConfig mismatched = tls("mismatch.yaml", "server_cert: fleet-server.pem\nserver_key: rogue-server.key\n");
    GrpcServer s = new GrpcServer("127.0.0.1", 0, new OtaClientGrpcService(OPS), mismatched, Duration.ofSeconds(1));
    try {
      assertThatThrownBy(s::start).isInstanceOf(dev.otaclient.error.OtaException.class)
          .hasMessageContaining("server_key: " + dir.resolve("rogue-server.key") + " is not the key of certificate "
              + dir.resolve("fleet-server.pem"));
    } finally {
      s.close();
    }
  }

  @Test
  void tlsOffOnBothSidesStillWorks() {
    ScriptedOperations plainOps = new ScriptedOperations();
    plainOps.status = OPS.status;
    try (GrpcServer plain = new GrpcServer("127.0.0.1", 0, new OtaClientGrpcService(plainOps),
        TlsConfig.load(dir.resolve("absent.yaml")), Duration.ofSeconds(1)).start();
        OtaClientStub stub = OtaClientStub.connect("127.0.0.1", plain.port(), DEADLINE)) {
      assertThat(stub.status()).isEqualTo(OPS.status);
    }
  }
}
