package dev.otaclient.internal.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.image.sign.TestCa;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Optional;
import java.util.OptionalLong;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetadataVerifierTest {
  static final Instant NOW = Instant.parse("2024-06-01T00:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  static TestCa caA;
  static TestCa caB;

  @TempDir Path certs;

  @BeforeAll
  static void createCas() {
    caA = TestCa.create("ca-a", NOW.minus(30, ChronoUnit.DAYS), NOW.plus(365, ChronoUnit.DAYS));
    caB = TestCa.create("ca-b", NOW.minus(30, ChronoUnit.DAYS), NOW.plus(365, ChronoUnit.DAYS));
  }

  /** A metadata.jwt claiming {@code pem} as certificate, signed with {@code ca}'s key. */
  static String signedWith(TestCa ca, byte[] pem) {
    ImageMetadata m = new ImageMetadata(1, new FileRef("dirs.txt", MetadataJwtTest.H1),
        new FileRef("symlinks.txt", MetadataJwtTest.H2), new FileRef("regulars.txt", MetadataJwtTest.H3),
        new FileRef("persistents.txt", MetadataJwtTest.H4), new FileRef("sign.pem", MetadataVerifier.sha256Hex(pem)),
        "data", OptionalLong.of(10), Optional.of("data.zst"));
    return MetadataJwt.sign(m, ca.signingKey());
  }

  static byte[] pem(TestCa ca) {
    return TestCa.certificatePem(ca.signingCert()).getBytes(StandardCharsets.US_ASCII);
  }

  private MetadataVerifier verifier(TrustPolicy policy, Clock clock) {
    return new MetadataVerifier(CaStore.load(certs), policy, clock);
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> refused(MetadataVerifier v, String jwt, byte[] pem) {
    return assertThatThrownBy(() -> v.verify(MetadataJwt.parse(jwt), pem))
        .isInstanceOfSatisfying(OtaException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.BASE_METADATA_VERIFICATION);
          assertThat(e.module()).isEqualTo(ErrorModule.API);
          assertThat(e.failureReason()).startsWith("E1-0104-208: ");
        });
  }

  @Test
  void validImageVerifies() {
    caA.installInto(certs, "1");
    ImageMetadata m = verifier(TrustPolicy.REQUIRE_CA, CLOCK).verify(MetadataJwt.parse(signedWith(caA, pem(caA))), pem(caA));
    assertThat(m.rootfsDirectory()).isEqualTo("data");
    assertThat(m.certificate().sha256()).isEqualTo(MetadataVerifier.sha256Hex(pem(caA)));
  }

  @Test
  void tamperedPayloadFailsTheSignature() {
    caA.installInto(certs, "1");
    String[] p = signedWith(caA, pem(caA)).split("\\.");
    String json = new String(Base64.getUrlDecoder().decode(p[1]), StandardCharsets.UTF_8)
        .replace("{\"rootfs_directory\": \"data\"}", "{\"rootfs_directory\": \"datb\"}");
    String tampered = p[0] + "." + Base64.getUrlEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8)) + "." + p[2];
    refused(verifier(TrustPolicy.REQUIRE_CA, CLOCK), tampered, pem(caA))
        .hasMessageContaining("signature of metadata.jwt does not verify with the key of sign.pem");
  }

  @Test
  void signatureByAnotherKeyFails() {
    caA.installInto(certs, "1");
    // claims caA's (trusted) certificate but is signed with caB's key
    refused(verifier(TrustPolicy.REQUIRE_CA, CLOCK), signedWith(caB, pem(caA)), pem(caA))
        .hasMessageContaining("signature of metadata.jwt does not verify");
  }

  @Test
  void certificateHashMismatchIsAVerificationErrorNotANetworkOne() {
    caA.installInto(certs, "1");
    byte[] served = (TestCa.certificatePem(caA.signingCert()) + "\n").getBytes(StandardCharsets.US_ASCII);
    refused(verifier(TrustPolicy.REQUIRE_CA, CLOCK), signedWith(caA, pem(caA)), served)
        .hasMessageContaining("certificate sign.pem has sha256 " + MetadataVerifier.sha256Hex(served)
            + " but metadata.jwt claims " + MetadataVerifier.sha256Hex(pem(caA)));
  }

  @Test
  void certificateFromAnotherCaIsRefused() {
    caA.installInto(certs, "1");
    refused(verifier(TrustPolicy.REQUIRE_CA, CLOCK), signedWith(caB, pem(caB)), pem(caB))
        .hasMessageContaining("signing certificate CN=ca-b sign is not issued by any CA chain");
  }

  @Test
  void expiredCertificateIsRefused() {
    caA.installInto(certs, "1");
    Clock later = Clock.fixed(NOW.plus(366, ChronoUnit.DAYS), ZoneOffset.UTC);
    refused(verifier(TrustPolicy.REQUIRE_CA, later), signedWith(caA, pem(caA)), pem(caA))
        .hasMessageContaining("signing certificate CN=ca-a sign expired at");
  }

  @Test
  void intermediateMissingFromTheStoreIsRefused() throws Exception {
    caA.installInto(certs, "1");
    Files.delete(certs.resolve("1.intermediate.pem"));
    refused(verifier(TrustPolicy.REQUIRE_CA, CLOCK), signedWith(caA, pem(caA)), pem(caA))
        .hasMessageContaining("no certificate in the chain issued CN=ca-a sign (issuer CN=ca-a intermediate)");
  }

  @Test
  void noCaInstalledIsRefusedUnlessTheInsecurePolicyIsChosen() {
    refused(verifier(TrustPolicy.REQUIRE_CA, CLOCK), signedWith(caB, pem(caB)), pem(caB))
        .hasMessageContaining("no CA chain installed in " + certs + "; refusing to trust signing certificate CN=ca-b sign");

    ImageMetadata m = verifier(TrustPolicy.INSECURE_SKIP_CHAIN_CHECK_NO_CA_INSTALLED, CLOCK)
        .verify(MetadataJwt.parse(signedWith(caB, pem(caB))), pem(caB));
    assertThat(m.version()).isEqualTo(1);
    // the insecure policy still checks the signature
    refused(verifier(TrustPolicy.INSECURE_SKIP_CHAIN_CHECK_NO_CA_INSTALLED, CLOCK), signedWith(caA, pem(caB)), pem(caB))
        .hasMessageContaining("does not verify");
  }

  @Test
  void insecurePolicyDoesNotWeakenAnInstalledStore() {
    caA.installInto(certs, "1");
    refused(verifier(TrustPolicy.INSECURE_SKIP_CHAIN_CHECK_NO_CA_INSTALLED, CLOCK), signedWith(caB, pem(caB)), pem(caB))
        .hasMessageContaining("is not issued by any CA chain");
  }

  @Test
  void twoGroupsWhereOneIsBogusStillVerify() throws Exception {
    Files.writeString(certs.resolve("A.root.pem"), "not a certificate at all\n");
    Files.writeString(certs.resolve("A.intermediate.pem"), "neither\n");
    caA.installInto(certs, "B");
    assertThat(CaStore.load(certs).chainNames()).containsExactly("A", "B");
    ImageMetadata m = verifier(TrustPolicy.REQUIRE_CA, CLOCK).verify(MetadataJwt.parse(signedWith(caA, pem(caA))), pem(caA));
    assertThat(m.regulars().name()).isEqualTo("regulars.txt");
  }

  @Test
  void certificateThatIsNotPemIsRefused() {
    caA.installInto(certs, "1");
    byte[] junk = "hello".getBytes(StandardCharsets.US_ASCII);
    refused(verifier(TrustPolicy.REQUIRE_CA, CLOCK), signedWith(caA, junk), junk)
        .hasMessageContaining("certificate sign.pem is not a PEM X.509 certificate");
  }
}
