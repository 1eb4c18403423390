package dev.otaclient.internal.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.image.sign.TestCa;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaStoreTest {
  static final Instant NOW = Instant.parse("2024-06-01T00:00:00Z");
  static TestCa caA;
  static TestCa caB;

  @TempDir Path dir;

  @BeforeAll
  static void createCas() {
    caA = TestCa.create("ca-a", NOW.minus(30, ChronoUnit.DAYS), NOW.plus(365, ChronoUnit.DAYS));
    caB = TestCa.create("ca-b", NOW.minus(30, ChronoUnit.DAYS), NOW.plus(365, ChronoUnit.DAYS));
  }

  @Test
  void filesAreGroupedByGreedyPrefixAndOthersIgnored() throws Exception {
    caA.installInto(dir, "a.b");
    caB.installInto(dir, "1");
    Files.writeString(dir.resolve("root.pem"), "ignored: no prefix");
    Files.writeString(dir.resolve("readme.txt"), "ignored");
    CaStore store = CaStore.load(dir);
    assertThat(store.isEmpty()).isFalse();
    assertThat(store.chainNames()).containsExactly("1", "a.b");
    assertThat(Files.exists(dir.resolve("a.b.root.pem"))).isTrue();
    assertThat(Files.exists(dir.resolve("a.b.intermediate.pem"))).isTrue();
  }

  @Test
  void certificateIssuedByAnInstalledChainVerifies() {
    caA.installInto(dir, "1");
    assertThatCode(() -> CaStore.load(dir).verify(caA.signingCert(), NOW)).doesNotThrowAnyException();
  }

  @Test
  void certificateFromAnotherCaIsRefused() {
    caA.installInto(dir, "1");
    assertThatThrownBy(() -> CaStore.load(dir).verify(caB.signingCert(), NOW))
        .isInstanceOfSatisfying(OtaException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.BASE_METADATA_VERIFICATION))
        .hasMessageContaining("signing certificate CN=ca-b sign is not issued by any CA chain")
        .hasMessageContaining("chain '1': no certificate in the chain issued CN=ca-b sign");
  }

  @Test
  void expiredAndNotYetValidCertificatesAreRefused() {
    caA.installInto(dir, "1");
    CaStore store = CaStore.load(dir);
    assertThatThrownBy(() -> store.verify(caA.signingCert(), NOW.plus(400, ChronoUnit.DAYS)))
        .isInstanceOf(OtaException.class)
        .hasMessageContaining("signing certificate CN=ca-a sign expired at " + NOW.plus(365, ChronoUnit.DAYS));
    assertThatThrownBy(() -> store.verify(caA.signingCert(), NOW.minus(40, ChronoUnit.DAYS)))
        .isInstanceOf(OtaException.class)
        .hasMessageContaining("is not valid before " + NOW.minus(30, ChronoUnit.DAYS));
  }

  @Test
  void missingIntermediateIsRefused() throws Exception {
    caA.installInto(dir, "1");
    Files.delete(dir.resolve("1.intermediate.pem"));
    assertThatThrownBy(() -> CaStore.load(dir).verify(caA.signingCert(), NOW))
        .isInstanceOf(OtaException.class)
        .hasMessageContaining("chain '1': no certificate in the chain issued CN=ca-a sign (issuer CN=ca-a intermediate)");
  }

  @Test
  void groupWithoutSelfSignedRootIsUnusable() throws Exception {
    caA.installInto(dir, "1");
    Files.delete(dir.resolve("1.root.pem"));
    assertThatThrownBy(() -> CaStore.load(dir).verify(caA.signingCert(), NOW))
        .isInstanceOf(OtaException.class)
        .hasMessageContaining("chain '1': no self-signed root certificate in 1.intermediate.pem");
  }

  @Test
  void bogusGroupDoesNotHideAGoodOne() throws Exception {
    Files.writeString(dir.resolve("0.root.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    caB.installInto(dir, "00"); // a real but unrelated chain, tried before the good one
    caA.installInto(dir, "1");
    CaStore store = CaStore.load(dir);
    assertThat(store.chainNames()).containsExactly("0", "00", "1");
    assertThatCode(() -> store.verify(caA.signingCert(), NOW)).doesNotThrowAnyException();

    Files.delete(dir.resolve("1.root.pem"));
    Files.delete(dir.resolve("1.intermediate.pem"));
    assertThatThrownBy(() -> CaStore.load(dir).verify(caA.signingCert(), NOW))
        .isInstanceOf(OtaException.class)
        .hasMessageContaining("chain '0': 0.root.pem is not a PEM certificate")
        .hasMessageContaining("chain '00': no certificate in the chain issued CN=ca-a sign");
  }

  @Test
  void emptyOrMissingStoreRefusesEverything() {
    CaStore missing = CaStore.load(dir.resolve("nope"));
    assertThat(missing.isEmpty()).isTrue();
    assertThat(missing.chainNames()).isEmpty();
    assertThatThrownBy(() -> missing.verify(caA.signingCert(), NOW))
        .isInstanceOf(OtaException.class)
        .hasMessageContaining("no CA chain installed in " + dir.resolve("nope"));
    assertThat(CaStore.empty().isEmpty()).isTrue();
    assertThat(CaStore.load(dir).isEmpty()).isTrue();
  }

  @Test
  void testCaSigningMaterialRoundTripsThroughPem() throws Exception {
    Path key = dir.resolve("sign.key");
    Path cert = dir.resolve("sign.pem");
    caA.writeSigningMaterial(key, cert);
    assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----\n");
    assertThat(TestCa.readCertificate(cert)).isEqualTo(caA.signingCert());
    PrivateKey read = TestCa.readPrivateKey(key);
    assertThat(read.getEncoded()).isEqualTo(caA.signingKey().getEncoded());
    assertThat(caA.signingCert().getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.3");
    assertThat(caA.intermediateCert().getBasicConstraints()).isZero();
    assertThat(caA.signingCert().getBasicConstraints()).isEqualTo(-1);

    // SEC1 "EC PRIVATE KEY", the form openssl ecparam -genkey writes, preceded by EC PARAMETERS
    byte[] sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256,
        ((java.security.interfaces.ECPrivateKey) caA.signingKey()).getS(),
        new org.bouncycastle.asn1.x9.X962Parameters(org.bouncycastle.asn1.sec.SECObjectIdentifiers.secp256r1))
        .getEncoded();
    Path sec1File = dir.resolve("sec1.key");
    Files.writeString(sec1File, "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
        + "-----BEGIN EC PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(sec1)
        + "\n-----END EC PRIVATE KEY-----\n", StandardCharsets.US_ASCII);
    PrivateKey fromSec1 = TestCa.readPrivateKey(sec1File);
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initSign(fromSec1);
    s.update(new byte[] {1, 2, 3});
    byte[] sig = s.sign();
    Signature v = Signature.getInstance("SHA256withECDSA");
    v.initVerify(caA.signingCert().getPublicKey());
    v.update(new byte[] {1, 2, 3});
    assertThat(v.verify(sig)).isTrue();
  }
}
