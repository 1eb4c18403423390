package dev.otaclient.internal.image.v1;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.image.CaStore;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * {@code index.jwt}, the signed entry point of a v1 image: a standard compact JWS (unlike the legacy
 * {@code metadata.jwt}) signed with ES256, its raw R‖S signature, the signing certificate and its
 * intermediates in the {@code x5c} header (base64 DER, no root, at most {@value #MAX_CHAIN} in all),
 * and one claim that matters, {@code image_index}: the descriptor of {@code index.json}.
 *
 * <p>Parsing establishes nothing; {@link #verify} checks the chain against the installed roots and then
 * the signature with the signing certificate's key, and only then hands out the descriptor.
 */
public final class IndexJwt {
  /** x5c entries accepted: the signing certificate and up to five intermediates. */
  public static final int MAX_CHAIN = 6;
  /** index.jwt is a few KiB; a larger file is not one. */
  public static final int MAX_BYTES = 256 * 1024;

  private final byte[] signingInput;
  private final byte[] signature;
  private final List<X509Certificate> chain;
  private final Descriptor index;

  private IndexJwt(byte[] signingInput, byte[] signature, List<X509Certificate> chain, Descriptor index) {
    this.signingInput = signingInput;
    this.signature = signature;
    this.chain = chain;
    this.index = index;
  }

  /**
   * Parses the token.
   *
   * @throws OtaException BASE_METADATA_VERIFICATION naming the defect
   */
  public static IndexJwt parse(byte[] file) {
    try {
      if (file.length > MAX_BYTES) {
        throw new IllegalArgumentException(file.length + " bytes, more than " + MAX_BYTES);
      }
      String text = new String(file, StandardCharsets.US_ASCII).trim();
      String[] parts = text.split("\\.", -1);
      if (parts.length != 3) {
        throw new IllegalArgumentException("not three dot-separated segments");
      }
      JsonNode header = Json.object(base64Url(parts[0], "header"), "index.jwt header");
      Json.expect(header, "alg", "ES256", "index.jwt header");
      Json.expect(header, "typ", "JWT", "index.jwt header");
      List<X509Certificate> chain = certificates(header.get("x5c"));
      JsonNode claims = Json.object(base64Url(parts[1], "payload"), "index.jwt payload");
      JsonNode iat = claims.get("iat");
      if (iat != null && !iat.isNull() && !iat.isIntegralNumber()) {
        throw new IllegalArgumentException("index.jwt claim iat is not an integer");
      }
      Descriptor index = Descriptor.parse(claims.get("image_index"), "index.jwt claim image_index");
      if (!MediaTypes.INDEX.equals(index.mediaType())) {
        throw new IllegalArgumentException("index.jwt claim image_index has media type " + Json.quote(index.mediaType()));
      }
      byte[] signature = base64Url(parts[2], "signature");
      if (signature.length != 64) {
        throw new IllegalArgumentException("ES256 signature is " + signature.length + " bytes, not 64 (R||S)");
      }
      return new IndexJwt((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII), signature, chain, index);
    } catch (IllegalArgumentException e) {
      throw BadImage.untrusted("index.jwt: " + e.getMessage(), e);
    }
  }

  private static byte[] base64Url(String segment, String what) {
    try {
      return Base64.getUrlDecoder().decode(segment);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + " is not base64url: " + e.getMessage());
    }
  }

  private static List<X509Certificate> certificates(JsonNode x5c) {
    if (x5c == null || !x5c.isArray() || x5c.isEmpty()) {
      throw new IllegalArgumentException("header x5c is missing, empty or not a list");
    }
    if (x5c.size() > MAX_CHAIN) {
      throw new IllegalArgumentException("header x5c has " + x5c.size() + " certificates, more than " + MAX_CHAIN);
    }
    List<X509Certificate> out = new ArrayList<>();
    for (int i = 0; i < x5c.size(); i++) {
      JsonNode n = x5c.get(i);
      if (!n.isTextual()) {
        throw new IllegalArgumentException("x5c[" + i + "] is not a string");
      }
      X509Certificate c = certificate(n.asText(), i);
      if (c.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
        throw new IllegalArgumentException("x5c[" + i + "] is a self-signed certificate; roots come only from the device");
      }
      out.add(c);
    }
    return List.copyOf(out);
  }

  /** Base64 DER as RFC 7515 says; PEM too, which older image builders wrote. */
  private static X509Certificate certificate(String text, int i) {
    byte[] der;
    if (text.startsWith("-----BEGIN CERTIFICATE-----")) {
      der = text.getBytes(StandardCharsets.US_ASCII);
    } else {
      try {
        der = Base64.getDecoder().decode(text);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("x5c[" + i + "] is not base64: " + e.getMessage());
      }
    }
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException | ClassCastException e) {
      throw new IllegalArgumentException("x5c[" + i + "] is not an X.509 certificate: " + e.getMessage());
    }
  }

  /**
   * Checks the x5c chain against the installed roots at {@code now}, then the signature; returns the
   * descriptor of {@code index.json}, now trusted.
   *
   * @throws OtaException BASE_METADATA_VERIFICATION naming what failed
   */
  public Descriptor verify(CaStore cas, Instant now) {
    X509Certificate signer = chain.get(0);
    cas.verifyPresented(signer, chain.subList(1, chain.size()), now);
    checkSignature(signer.getPublicKey());
    return index;
  }

  /**
   * Checks only the signature with the presented signing certificate: for looking inside an image
   * without a CA store (never enough to install it).
   */
  public Descriptor verifySignatureOnly() {
    checkSignature(chain.get(0).getPublicKey());
    return index;
  }

  /** The signing certificate (x5c[0]). */
  public X509Certificate signer() {
    return chain.get(0);
  }

  private void checkSignature(PublicKey key) {
    if (!(key instanceof ECPublicKey ec) || ec.getParams().getCurve().getField().getFieldSize() != 256) {
      throw BadImage.untrusted("index.jwt: the signing certificate has no P-256 key, which ES256 needs");
    }
    boolean ok;
    try {
      Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
      s.initVerify(key);
      s.update(signingInput);
      ok = s.verify(signature);
    } catch (GeneralSecurityException e) {
      throw BadImage.untrusted("index.jwt: signature cannot be checked: " + e.getMessage(), e);
    }
    if (!ok) {
      throw BadImage.untrusted("index.jwt: signature does not verify with the key of "
          + chain.get(0).getSubjectX500Principal().getName());
    }
  }

  /**
   * Writes a token for {@code index}, signed with {@code key}; {@code chain} is the signing certificate
   * followed by its intermediates.
   */
  public static String sign(Descriptor index, PrivateKey key, List<X509Certificate> chain, Instant issuedAt) {
    ObjectNode header = Json.objectNode();
    header.put("alg", "ES256");
    header.put("typ", "JWT");
    ArrayNode x5c = header.putArray("x5c");
    try {
      for (X509Certificate c : chain) {
        x5c.add(Base64.getEncoder().encodeToString(c.getEncoded()));
      }
    } catch (CertificateEncodingException e) {
      throw new IllegalArgumentException("certificate cannot be encoded", e);
    }
    ObjectNode claims = Json.objectNode();
    claims.put("iat", issuedAt.getEpochSecond());
    ObjectNode d = claims.putObject("image_index");
    d.put("mediaType", index.mediaType());
    d.put("digest", index.ociDigest());
    d.put("size", index.size());
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String input = b64.encodeToString(header.toString().getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8));
    try {
      Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
      s.initSign(key);
      s.update(input.getBytes(StandardCharsets.US_ASCII));
      return input + "." + b64.encodeToString(s.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot sign index.jwt: " + e.getMessage(), e);
    }
  }
}
