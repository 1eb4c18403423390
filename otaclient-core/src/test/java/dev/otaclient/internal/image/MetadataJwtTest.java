package dev.otaclient.internal.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.image.sign.TestCa;
import dev.otaclient.testing.SignedImageFixture;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.util.Base64;
import java.util.Optional;
import java.util.OptionalLong;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MetadataJwtTest {
  static final String H1 = "1111111111111111111111111111111111111111111111111111111111111111";
  static final String H2 = "2222222222222222222222222222222222222222222222222222222222222222";
  static final String H3 = "3333333333333333333333333333333333333333333333333333333333333333";
  static final String H4 = "4444444444444444444444444444444444444444444444444444444444444444";
  static final String H5 = "5555555555555555555555555555555555555555555555555555555555555555";

  static final ImageMetadata SAMPLE = new ImageMetadata(1, new FileRef("dirs.txt", H1),
      new FileRef("symlinks.txt", H2), new FileRef("regulars.txt", H3), new FileRef("persistents.txt", H4),
      new FileRef("sign.pem", H5), "data", OptionalLong.of(108708870L), Optional.of("data.zst"));

  static TestCa ca;

  @BeforeAll
  static void createCa() {
    ca = SignedImageFixture.newCa("jwt-test");
  }

  @Test
  void headerEncodesExactlyLikeTheReference() {
    String header = Base64.getUrlEncoder().encodeToString(MetadataJwt.HEADER_JSON.getBytes(StandardCharsets.UTF_8));
    assertThat(header).isEqualTo("eyJhbGciOiAiRVMyNTYifQ==");
    assertThat(MetadataJwt.sign(SAMPLE, ca.signingKey())).startsWith("eyJhbGciOiAiRVMyNTYifQ==.");
  }

  @Test
  void payloadIsWrittenWithPythonSeparatorsInGeneratorOrder() {
    assertThat(MetadataJwt.payloadJson(SAMPLE)).isEqualTo("[{\"version\": 1}, "
        + "{\"directory\": \"dirs.txt\", \"hash\": \"" + H1 + "\"}, "
        + "{\"symboliclink\": \"symlinks.txt\", \"hash\": \"" + H2 + "\"}, "
        + "{\"regular\": \"regulars.txt\", \"hash\": \"" + H3 + "\"}, "
        + "{\"persistent\": \"persistents.txt\", \"hash\": \"" + H4 + "\"}, "
        + "{\"rootfs_directory\": \"data\"}, "
        + "{\"certificate\": \"sign.pem\", \"hash\": \"" + H5 + "\"}, "
        + "{\"total_regular_size\": \"108708870\"}, "
        + "{\"compressed_rootfs_directory\": \"data.zst\"}]");
  }

  @Test
  void nonAsciiNamesAreEscapedLikePythonJsonDumps() {
    ImageMetadata m = new ImageMetadata(1, new FileRef("dïrs \"x\".txt", H1), SAMPLE.symlinks(), SAMPLE.regulars(),
        SAMPLE.persistents(), SAMPLE.certificate(), "data", OptionalLong.empty(), Optional.empty());
    assertThat(MetadataJwt.payloadJson(m)).contains("{\"directory\": \"d\\u00efrs \\\"x\\\".txt\", \"hash\"")
        .doesNotContain("total_regular_size").doesNotContain("compressed_rootfs_directory");
    assertThat(MetadataJwt.parse(MetadataJwt.sign(m, ca.signingKey())).metadata()).isEqualTo(m);
  }

  @Test
  void signThenParseRoundTripsAndTheSignatureIsDerEcdsa() throws Exception {
    String text = MetadataJwt.sign(SAMPLE, ca.signingKey());
    String[] parts = text.split("\\.");
    assertThat(parts).hasSize(3);
    assertThat(parts[2]).startsWith("ME"); // DER SEQUENCE, not the 64-byte r||s of RFC 7518
    assertThat(parts[1]).endsWith("="); // the generator keeps padding when it is needed

    MetadataJwt jwt = MetadataJwt.parse(text);
    assertThat(jwt.metadata()).isEqualTo(SAMPLE);
    assertThat(new String(jwt.signingInput(), StandardCharsets.US_ASCII)).isEqualTo(parts[0] + "." + parts[1]);
    assertThat(jwt.signature()[0]).isEqualTo((byte) 0x30);
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initVerify(ca.signingCert().getPublicKey());
    s.update(jwt.signingInput());
    assertThat(s.verify(jwt.signature())).isTrue();
  }

  @Test
  void paddedAndUnpaddedWithSurroundingWhitespaceBothParse() {
    String padded = MetadataJwt.sign(SAMPLE, ca.signingKey());
    String unpadded = padded.replace("=", "");
    assertThat(unpadded).isNotEqualTo(padded);

    MetadataJwt a = MetadataJwt.parse("  \n" + padded + "\n");
    MetadataJwt b = MetadataJwt.parse(unpadded + "\r\n");
    assertThat(a.metadata()).isEqualTo(SAMPLE);
    assertThat(b.metadata()).isEqualTo(SAMPLE);
    assertThat(b.signature()).isEqualTo(a.signature());
    // the signed bytes are exactly what the file holds, padding or not
    String[] p = unpadded.split("\\.");
    assertThat(new String(b.signingInput(), StandardCharsets.US_ASCII)).isEqualTo(p[0] + "." + p[1]);
  }

  @Test
  void totalRegularSizeAcceptedAsStringOrInt() {
    assertThat(parsePayload(payload("{\"total_regular_size\": \"42\"}")).totalRegularSize()).hasValue(42);
    assertThat(parsePayload(payload("{\"total_regular_size\": 4200000000}")).totalRegularSize()).hasValue(4200000000L);
    assertThat(parsePayload(payload()).totalRegularSize()).isEmpty();
    expectFailure(unsigned(payload("{\"total_regular_size\": \"-1\"}")))
        .hasMessageContaining("\"total_regular_size\" must be a non-negative integer");
  }

  @Test
  void unknownKeysAreIgnoredAndHashesLowerCased() {
    String json = payload("{\"comment\": \"built by hand\"}", "{\"version_note\": [1, 2]}")
        .replace("{\"version\": 1}", "{\"version\": 1, \"extra\": true}")
        .replace(H1, H1.replace('1', 'A').toUpperCase());
    ImageMetadata m = parsePayload(json);
    assertThat(m.version()).isEqualTo(1);
    assertThat(m.directories().sha256()).isEqualTo("a".repeat(64));
    assertThat(m.rootfsDirectory()).isEqualTo("data");
    assertThat(m.compressedRootfsDirectory()).isEmpty();
  }

  @Test
  void orderOfTheArrayDoesNotMatter() {
    String json = "[{\"certificate\": \"sign.pem\", \"hash\": \"" + H5 + "\"}, {\"rootfs_directory\": \"data\"}, "
        + "{\"persistent\": \"persistents.txt\", \"hash\": \"" + H4 + "\"}, "
        + "{\"regular\": \"regulars.txt\", \"hash\": \"" + H3 + "\"}, "
        + "{\"symboliclink\": \"symlinks.txt\", \"hash\": \"" + H2 + "\"}, "
        + "{\"directory\": \"dirs.txt\", \"hash\": \"" + H1 + "\"}, {\"version\": 1}]";
    ImageMetadata m = parsePayload(json);
    assertThat(m.list(ListKind.REGULARS)).isEqualTo(new FileRef("regulars.txt", H3));
    assertThat(m.list(ListKind.PERSISTENTS)).isEqualTo(new FileRef("persistents.txt", H4));
  }

  @Test
  void tamperedPayloadIsRefusedByTheSignatureCheck() {
    String text = MetadataJwt.sign(SAMPLE, ca.signingKey());
    String[] p = text.split("\\.");
    ImageMetadata evil = new ImageMetadata(1, SAMPLE.directories(), SAMPLE.symlinks(), SAMPLE.regulars(),
        SAMPLE.persistents(), SAMPLE.certificate(), "evil", SAMPLE.totalRegularSize(),
        SAMPLE.compressedRootfsDirectory());
    String evilPayload = Base64.getUrlEncoder().encodeToString(
        MetadataJwt.payloadJson(evil).getBytes(StandardCharsets.UTF_8));
    MetadataJwt tampered = MetadataJwt.parse(p[0] + "." + evilPayload + "." + p[2]);
    assertThat(tampered.metadata().rootfsDirectory()).isEqualTo("evil"); // parsing alone trusts nothing

    byte[] pem = TestCa.certificatePem(ca.signingCert()).getBytes(StandardCharsets.US_ASCII);
    MetadataJwt withRightCertHash = MetadataJwt.parse(resign(evil, pem));
    assertThat(withRightCertHash.metadata().rootfsDirectory()).isEqualTo("evil");
    String forged = new String(withRightCertHash.signingInput(), StandardCharsets.US_ASCII) + "." + p[2];
    MetadataVerifier verifier = new MetadataVerifier(CaStore.empty(),
        TrustPolicy.INSECURE_SKIP_CHAIN_CHECK_NO_CA_INSTALLED, java.time.Clock.systemUTC());
    assertThatThrownBy(() -> verifier.verify(MetadataJwt.parse(forged), pem))
        .isInstanceOf(OtaException.class)
        .hasMessageContaining("signature of metadata.jwt does not verify");
  }

  /** The same claims with the certificate hash of {@code pem}, signed, so only the signature is off later. */
  private static String resign(ImageMetadata m, byte[] pem) {
    ImageMetadata withCert = new ImageMetadata(1, m.directories(), m.symlinks(), m.regulars(), m.persistents(),
        new FileRef("sign.pem", MetadataVerifier.sha256Hex(pem)), m.rootfsDirectory(), m.totalRegularSize(),
        m.compressedRootfsDirectory());
    return MetadataJwt.sign(withCert, ca.signingKey());
  }

  @Test
  void malformedBase64IsRefused() {
    expectFailure("eyJhbGciOiAiRVMyNTYifQ==.W3s$$$.MEUC").hasMessageContaining("payload segment is not valid base64url");
    expectFailure("ey+/.W3s.MEUC").hasMessageContaining("header segment is not valid base64url");
  }

  @Test
  void wrongSegmentCountIsRefused() {
    expectFailure("eyJhbGciOiAiRVMyNTYifQ==.W3t9XQ==").hasMessageContaining("expected 3 dot-separated");
    expectFailure("   \n").hasMessageContaining("file is empty");
  }

  @Test
  void payloadNotJsonIsRefused() {
    expectFailure(unsigned("this is not json")).hasMessageContaining("payload is not JSON");
    expectFailure(unsigned("{\"version\": 1}")).hasMessageContaining("payload is a JSON OBJECT, expected an array");
    expectFailure(unsigned("[1, 2]")).hasMessageContaining("payload element 1 is a NUMBER, expected an object");
  }

  @Test
  void versionOtherThanOneIsRefused() {
    expectFailure(unsigned(payload().replace("{\"version\": 1}", "{\"version\": 2}")))
        .hasMessageContaining("unsupported version 2");
    expectFailure(unsigned(payload().replace("{\"version\": 1}", "{\"version\": \"1\"}")))
        .hasMessageContaining("\"version\" must be an integer");
  }

  @Test
  void missingClaimIsRefused() {
    String json = payload().replace("{\"persistent\": \"persistents.txt\", \"hash\": \"" + H4 + "\"}, ", "");
    expectFailure(unsigned(json)).hasMessageContaining("required claim \"persistent\" is missing");
    expectFailure(unsigned(payload().replace("{\"version\": 1}, ", "")))
        .hasMessageContaining("required claim \"version\" is missing");
    expectFailure(unsigned(payload().replace(", \"hash\": \"" + H2 + "\"", "")))
        .hasMessageContaining("claim \"symboliclink\" has no \"hash\"");
  }

  @Test
  void badHashFormatIsRefused() {
    expectFailure(unsigned(payload().replace(H3, "abc123")))
        .hasMessageContaining("claim \"regular\" has hash \"abc123\", expected 64 hex digits");
    expectFailure(unsigned(payload().replace(H3, "z".repeat(64)))).hasMessageContaining("expected 64 hex digits");
  }

  @Test
  void namesLeavingTheImageRootAreRefused() {
    expectFailure(unsigned(payload().replace("\"regulars.txt\"", "\"../regulars.txt\"")))
        .hasMessageContaining("claim \"regular\" names \"../regulars.txt\", which leaves the image root");
    expectFailure(unsigned(payload().replace("\"sign.pem\"", "\"/etc/ssl/sign.pem\"")))
        .hasMessageContaining("claim \"certificate\" names \"/etc/ssl/sign.pem\", which is absolute");
    expectFailure(unsigned(payload().replace("{\"rootfs_directory\": \"data\"}", "{\"rootfs_directory\": \"a/../..\"}")))
        .hasMessageContaining("leaves the image root");
  }

  @Test
  void repeatedClaimIsRefused() {
    expectFailure(unsigned(payload("{\"rootfs_directory\": \"other\"}")))
        .hasMessageContaining("claim \"rootfs_directory\" appears more than once");
  }

  // ---- helpers ----

  /** The SAMPLE payload without the optional claims, plus {@code extra} objects. */
  static String payload(String... extra) {
    StringBuilder sb = new StringBuilder("[{\"version\": 1}, ")
        .append("{\"directory\": \"dirs.txt\", \"hash\": \"").append(H1).append("\"}, ")
        .append("{\"symboliclink\": \"symlinks.txt\", \"hash\": \"").append(H2).append("\"}, ")
        .append("{\"regular\": \"regulars.txt\", \"hash\": \"").append(H3).append("\"}, ")
        .append("{\"persistent\": \"persistents.txt\", \"hash\": \"").append(H4).append("\"}, ")
        .append("{\"rootfs_directory\": \"data\"}, ")
        .append("{\"certificate\": \"sign.pem\", \"hash\": \"").append(H5).append("\"}");
    for (String e : extra) {
      sb.append(", ").append(e);
    }
    return sb.append(']').toString();
  }

  /** A structurally valid file with a dummy signature: parse() must not care, only verification does. */
  static String unsigned(String payloadJson) {
    Base64.Encoder b64 = Base64.getUrlEncoder();
    return b64.encodeToString(MetadataJwt.HEADER_JSON.getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString(payloadJson.getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString(new byte[] {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01});
  }

  private static ImageMetadata parsePayload(String json) {
    return MetadataJwt.parse(unsigned(json)).metadata();
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> expectFailure(String text) {
    return assertThatThrownBy(() -> MetadataJwt.parse(text))
        .isInstanceOfSatisfying(OtaException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.BASE_METADATA_VERIFICATION);
          assertThat(e.module()).isEqualTo(ErrorModule.API);
        });
  }
}
