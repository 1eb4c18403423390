package dev.otaclient.grpc;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away CA issuing a server certificate for 127.0.0.1 and a client certificate, written as
 * PEM files (keys PKCS#8) the way an operator would place them next to tls.yaml.
 */
final class TestCerts {
  private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

  final Path caCert;
  final Path serverCert;
  final Path serverKey;
  final Path clientCert;
  final Path clientKey;

  private TestCerts(Path dir, String prefix) throws Exception {
    KeyPair ca = keyPair();
    X500Principal caName = new X500Principal("CN=" + prefix + " test CA");
    X509Certificate caCertificate = issue(caName, ca.getPublic(), caName, ca.getPrivate(), true, null, null);
    KeyPair server = keyPair();
    X509Certificate serverCertificate = issue(new X500Principal("CN=ecu 127.0.0.1"), server.getPublic(), caName,
        ca.getPrivate(), false, new GeneralName(GeneralName.iPAddress, "127.0.0.1"), KeyPurposeId.id_kp_serverAuth);
    KeyPair client = keyPair();
    X509Certificate clientCertificate = issue(new X500Principal("CN=parent ecu"), client.getPublic(), caName,
        ca.getPrivate(), false, null, KeyPurposeId.id_kp_clientAuth);

    caCert = write(dir.resolve(prefix + "-ca.pem"), caCertificate);
    serverCert = write(dir.resolve(prefix + "-server.pem"), serverCertificate);
    serverKey = writeKey(dir.resolve(prefix + "-server.key"), server.getPrivate());
    clientCert = write(dir.resolve(prefix + "-client.pem"), clientCertificate);
    clientKey = writeKey(dir.resolve(prefix + "-client.key"), client.getPrivate());
  }

  static TestCerts create(Path dir, String prefix) throws Exception {
    return new TestCerts(dir, prefix);
  }

  private static KeyPair keyPair() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static X509Certificate issue(X500Principal subject, java.security.PublicKey key, X500Principal issuer,
      PrivateKey issuerKey, boolean isCa, GeneralName san, KeyPurposeId purpose) throws Exception {
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject, key);
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
    if (isCa) {
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    } else {
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
    }
    if (san != null) {
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(san));
    }
    return new JcaX509CertificateConverter()
        .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
  }

  private static Path write(Path file, Object pem) throws IOException {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(text)) {
      w.writeObject(pem);
    }
    return Files.writeString(file, text.toString());
  }

  private static Path writeKey(Path file, PrivateKey key) throws Exception {
    return write(file, new JcaPKCS8Generator(key, null).generate());
  }
}
