package dev.otaclient.internal.image;

import dev.otaclient.internal.fs.ContentHash;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Establishes trust in {@code metadata.jwt} in the reference order (§1.3): the downloaded certificate's
 * hash against the claim, the certificate against the installed CA chains, then the signature with the
 * certificate's key. Every failure is BASE_METADATA_VERIFICATION, including a certificate hash mismatch
 * (the Python client reported that one as a network error, quirk Q6).
 */
final class MetadataVerifier {
  private static final Logger LOG = LoggerFactory.getLogger(MetadataVerifier.class);

  private final CaStore store;
  private final TrustPolicy policy;
  private final Clock clock;

  public MetadataVerifier(CaStore store, TrustPolicy policy, Clock clock) {
    this.store = Objects.requireNonNull(store, "store");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * @param certificatePemBytes the content of the file named by the {@code certificate} claim
   * @return the claims, now trusted
   */
  public ImageMetadata verify(MetadataJwt jwt, byte[] certificatePemBytes) {
    ImageMetadata claimed = jwt.metadata();
    FileRef certRef = claimed.certificate();
    String actual = sha256Hex(certificatePemBytes);
    if (!actual.equals(certRef.sha256())) {
      throw fail("certificate " + certRef.name() + " has sha256 " + actual + " but metadata.jwt claims "
          + certRef.sha256());
    }
    X509Certificate cert = parseCertificate(certRef.name(), certificatePemBytes);
    if (store.isEmpty()) {
      if (policy != TrustPolicy.INSECURE_SKIP_CHAIN_CHECK_NO_CA_INSTALLED) {
        throw fail("no CA chain installed in " + store.location() + "; refusing to trust signing certificate "
            + cert.getSubjectX500Principal().getName() + " (install <prefix>.root.pem and <prefix>.<intermediate>.pem)");
      }
      LOG.warn("no CA chain installed: trusting signing certificate {} WITHOUT a chain check (insecure policy)",
          cert.getSubjectX500Principal().getName());
    } else {
      store.verify(cert, clock.instant());
    }
    checkSignature(jwt, cert, certRef.name());
    return claimed;
  }

  private static void checkSignature(MetadataJwt jwt, X509Certificate cert, String certName) {
    PublicKey key = cert.getPublicKey();
    if (!"EC".equals(key.getAlgorithm())) {
      throw fail("certificate " + certName + " has a " + key.getAlgorithm() + " key; ES256 needs an EC key");
    }
    boolean ok;
    try {
      Signature s = Signature.getInstance("SHA256withECDSA");
      s.initVerify(key);
      s.update(jwt.signingInput());
      ok = s.verify(jwt.signature());
    } catch (GeneralSecurityException e) {
      // a malformed DER signature lands here
      throw fail("signature of metadata.jwt is invalid: " + e.getMessage());
    }
    if (!ok) {
      throw fail("signature of metadata.jwt does not verify with the key of " + certName);
    }
  }

  private static X509Certificate parseCertificate(String name, byte[] pem) {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(pem));
    } catch (CertificateException | ClassCastException e) {
      throw fail("certificate " + name + " is not a PEM X.509 certificate: " + e.getMessage());
    }
  }

  static String sha256Hex(byte[] bytes) {
    return ContentHash.of(bytes);
  }

  private static OtaException fail(String detail) {
    return new OtaException(ErrorCode.BASE_METADATA_VERIFICATION, ErrorModule.API, detail);
  }
}
