package dev.otaclient.internal.image.sign;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away three-level CA shaped like the reference project's test keys (§1.3): a self-signed root,
 * an intermediate ({@code CA:true, pathlen:0}) and a code-signing leaf, all P-256 / SHA256withECDSA.
 * For tests and the demo command; production images are signed by the vendor's own CA.
 */
public final class TestCa {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final KeyPair signingKeys;
  private final X509Certificate root;
  private final X509Certificate intermediate;
  private final X509Certificate signing;

  private TestCa(KeyPair signingKeys, X509Certificate root, X509Certificate intermediate, X509Certificate signing) {
    this.signingKeys = signingKeys;
    this.root = root;
    this.intermediate = intermediate;
    this.signing = signing;
  }

  /**
   * Issues root, intermediate and signing certificate, all valid from {@code notBefore} to
   * {@code notAfter}. {@code name} goes into every subject's CN, so two CAs made with different names
   * are told apart in messages.
   */
  public static TestCa create(String name, Instant notBefore, Instant notAfter) {
    Objects.requireNonNull(name, "name");
    try {
      KeyPair rootKeys = newKeyPair();
      KeyPair intermediateKeys = newKeyPair();
      KeyPair signKeys = newKeyPair();
      X500Name rootName = cn(name + " root");
      X500Name intermediateName = cn(name + " intermediate");
      X500Name signName = cn(name + " sign");
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();

      X509v3CertificateBuilder rb = builder(rootName, rootName, rootKeys.getPublic(), notBefore, notAfter)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(rootKeys.getPublic()));
      X509Certificate root = sign(rb, rootKeys.getPrivate());

      X509v3CertificateBuilder ib = builder(rootName, intermediateName, intermediateKeys.getPublic(), notBefore, notAfter)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false,
              ext.createSubjectKeyIdentifier(intermediateKeys.getPublic()))
          .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(root));
      X509Certificate intermediate = sign(ib, rootKeys.getPrivate());

      X509v3CertificateBuilder sb = builder(intermediateName, signName, signKeys.getPublic(), notBefore, notAfter)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_codeSigning))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(signKeys.getPublic()))
          .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(intermediate));
      X509Certificate signing = sign(sb, intermediateKeys.getPrivate());
      return new TestCa(signKeys, root, intermediate, signing);
    } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot issue test CA certificates", e);
    }
  }

  public PrivateKey signingKey() {
    return signingKeys.getPrivate();
  }

  public X509Certificate signingCert() {
    return signing;
  }

  public X509Certificate intermediateCert() {
    return intermediate;
  }

  public X509Certificate rootCert() {
    return root;
  }

  /** Writes {@code <prefix>.root.pem} and {@code <prefix>.intermediate.pem} into {@code caStoreDir}. */
  public void installInto(Path caStoreDir, String prefix) {
    try {
      Files.createDirectories(caStoreDir);
      Files.writeString(caStoreDir.resolve(prefix + ".root.pem"), certificatePem(root), StandardCharsets.US_ASCII);
      Files.writeString(caStoreDir.resolve(prefix + ".intermediate.pem"), certificatePem(intermediate),
          StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot install test CA into " + caStoreDir, e);
    }
  }

  /** Writes the signing key (PKCS#8 PEM, mode 0600 where supported) and the signing certificate (PEM). */
  public void writeSigningMaterial(Path keyPemFile, Path certPemFile) {
    try {
      Files.writeString(keyPemFile, pem("PRIVATE KEY", signingKeys.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
      try {
        Files.setPosixFilePermissions(keyPemFile, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: nothing more to do
      }
      Files.writeString(certPemFile, certificatePem(signing), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write signing material to " + keyPemFile + ", " + certPemFile, e);
    }
  }

  /** The PEM text of a certificate ({@code -----BEGIN CERTIFICATE-----}, 64-column base64, final newline). */
  public static String certificatePem(X509Certificate cert) {
    try {
      return pem("CERTIFICATE", cert.getEncoded());
    } catch (CertificateException e) {
      throw new IllegalArgumentException("certificate cannot be encoded", e);
    }
  }

  /** Reads an EC private key from PEM: PKCS#8 ({@code PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY}). */
  public static PrivateKey readPrivateKey(Path pem) {
    try (Reader reader = Files.newBufferedReader(pem, StandardCharsets.US_ASCII);
        PEMParser parser = new PEMParser(reader)) {
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      Object o;
      // openssl's SEC1 output may start with an "EC PARAMETERS" block: skip to the key
      while ((o = parser.readObject()) != null) {
        if (o instanceof PrivateKeyInfo) {
          return converter.getPrivateKey((PrivateKeyInfo) o);
        }
        if (o instanceof PEMKeyPair) {
          // SEC1 files may omit the public key, so convert only the private part
          return converter.getPrivateKey(((PEMKeyPair) o).getPrivateKeyInfo());
        }
      }
      throw new IllegalArgumentException(pem + ": no unencrypted PKCS#8 or SEC1 private key found");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read private key " + pem, e);
    }
  }

  /** Reads the first certificate of a PEM (or DER) file. */
  public static X509Certificate readCertificate(Path pem) {
    try (InputStream in = Files.newInputStream(pem)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read certificate " + pem, e);
    } catch (CertificateException e) {
      throw new IllegalArgumentException(pem + ": not an X.509 certificate: " + e.getMessage(), e);
    }
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return g.generateKeyPair();
  }

  private static X500Name cn(String commonName) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, PublicKey key,
      Instant notBefore, Instant notAfter) {
    BigInteger serial = new BigInteger(63, RANDOM).add(BigInteger.ONE);
    return new JcaX509v3CertificateBuilder(issuer, serial, Date.from(notBefore), Date.from(notAfter), subject, key);
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey)
      throws OperatorCreationException, CertificateException {
    return new JcaX509CertificateConverter()
        .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
  }

  private static String pem(String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }
}
