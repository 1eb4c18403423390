package dev.otaclient.cli;

import dev.otaclient.internal.image.sign.TestCa;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;

/**
 * The signing inputs of {@code image build}, checked before anything is written: a readable
 * certificate, an EC private key, and the key being the certificate's (an image signed with another
 * key could never verify).
 */
final class SigningPair {
  private SigningPair() {}

  static X509Certificate certificate(Path cert) {
    requireFile("--cert", cert);
    try {
      return TestCa.readCertificate(cert);
    } catch (RuntimeException e) {
      throw CliFailure.usage("--cert " + cert + ": not a PEM X.509 certificate");
    }
  }

  static PrivateKey matchingKey(Path keyFile, Path certFile, X509Certificate cert) {
    requireFile("--sign-key", keyFile);
    PrivateKey key;
    try {
      key = TestCa.readPrivateKey(keyFile);
    } catch (RuntimeException e) {
      throw CliFailure.usage("--sign-key " + keyFile + ": no unencrypted PEM private key (PKCS#8 or SEC1) found");
    }
    if (!(key instanceof ECPrivateKey)) {
      throw CliFailure.usage("--sign-key " + keyFile + ": a " + key.getAlgorithm() + " key; images are signed with EC P-256");
    }
    if (!belongs(key, cert)) {
      throw CliFailure.usage("--sign-key " + keyFile + " does not belong to --cert " + certFile
          + " (" + cert.getSubjectX500Principal().getName() + ")");
    }
    return key;
  }

  /** Whether a signature made with {@code key} verifies with the certificate's public key. */
  private static boolean belongs(PrivateKey key, X509Certificate cert) {
    byte[] probe = "otaclient key/certificate check".getBytes(StandardCharsets.US_ASCII);
    try {
      Signature s = Signature.getInstance("SHA256withECDSA");
      s.initSign(key);
      s.update(probe);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance("SHA256withECDSA");
      v.initVerify(cert.getPublicKey());
      v.update(probe);
      return v.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static void requireFile(String option, Path p) {
    if (!Files.isRegularFile(p)) {
      throw CliFailure.usage(option + " " + p + ": " + (Files.exists(p) ? "not a file" : "no such file"));
    }
  }
}
