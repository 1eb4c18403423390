package dev.otaclient.grpc;

import dev.otaclient.internal.ecu.ConfigYaml;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.security.cert.CertificateFactory;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * TLS for the ECU-to-ECU gRPC channel, read from {@code tls.yaml}. Off unless configured, because
 * existing Python ECUs speak plaintext. The two sides are independent: an ECU in the middle of a
 * tree serves its parent ({@code server_*}) and calls its children ({@code ca}, {@code client_*}).
 *
 * <p>Keys are PEM, PKCS#8 ({@code BEGIN PRIVATE KEY}); certificates are PEM chains. A server's
 * certificate must name the address its callers dial (its {@code ip_addr}) in subjectAltName.
 * Relative paths are resolved against the directory holding {@code tls.yaml}.
 */
public record TlsConfig(Optional<ServerSide> server, Optional<ClientSide> client) {

  /** Serving: our certificate and key; with {@code clientCa}, the CA that signs callers' certificates. */
  public record ServerSide(Path cert, Path key, Optional<Path> clientCa, boolean requireClientAuth) {
    public ServerSide {
      Objects.requireNonNull(cert);
      Objects.requireNonNull(key);
      Objects.requireNonNull(clientCa);
      if (requireClientAuth && clientCa.isEmpty()) {
        throw new IllegalArgumentException("requireClientAuth needs a clientCa");
      }
    }
  }

  /** Calling: the CA that signs servers' certificates and, optionally, our client certificate. */
  public record ClientSide(Path ca, Optional<Path> cert, Optional<Path> key) {
    public ClientSide {
      Objects.requireNonNull(ca);
      if (cert.isPresent() != key.isPresent()) {
        throw new IllegalArgumentException("client cert and key go together");
      }
    }
  }

  public static final TlsConfig DISABLED = new TlsConfig(Optional.empty(), Optional.empty());

  private static final Set<String> KEYS = Set.of(
      "server_cert", "server_key", "client_ca", "require_client_auth", "ca", "client_cert", "client_key");

  public TlsConfig {
    Objects.requireNonNull(server);
    Objects.requireNonNull(client);
  }

  /**
   * Reads {@code file} through {@link ConfigYaml} (size cap, strict UTF-8, alias limits, as every
   * config file); a missing file means TLS off on both sides.
   */
  public static TlsConfig load(Path file) {
    Optional<String> text = ConfigYaml.read(file);
    if (text.isEmpty()) {
      return DISABLED;
    }
    return parse(text.get(), file.toString(), file.toAbsolutePath().getParent());
  }

  /**
   * Parses the YAML text. Every key is optional; an empty document means TLS off. Unknown keys,
   * wrong types, half-configured sides and missing files are errors naming the file, line and key.
   */
  public static TlsConfig parse(String yaml, String fileName, Path baseDir) {
    Optional<ConfigYaml.Fields> document = ConfigYaml.parseOptionalMapping(yaml, fileName);
    if (document.isEmpty()) {
      return DISABLED;
    }
    ConfigYaml.Fields f = document.get();
    for (String key : f.keys()) {
      if (!KEYS.contains(key)) {
        // unlike ecu_info.yaml, not tolerated: a misspelt key would quietly leave TLS off
        throw f.fail(key, "unknown key (known: " + String.join(", ", KEYS.stream().sorted().toList()) + ")");
      }
    }
    Optional<Path> serverCert = path(f, "server_cert", baseDir);
    Optional<Path> serverKey = path(f, "server_key", baseDir);
    Optional<Path> clientCa = path(f, "client_ca", baseDir);
    Optional<Boolean> requireClientAuth = f.bool("require_client_auth");
    requireBoth(f, "server_cert", "server_key");
    Optional<ServerSide> server = Optional.empty();
    if (serverCert.isPresent()) {
      boolean require = requireClientAuth.orElse(clientCa.isPresent());
      if (require && clientCa.isEmpty()) {
        throw f.fail("require_client_auth", "needs client_ca");
      }
      server = Optional.of(new ServerSide(serverCert.get(), serverKey.get(), clientCa, require));
    } else if (clientCa.isPresent() || requireClientAuth.isPresent()) {
      throw f.fail(clientCa.isPresent() ? "client_ca" : "require_client_auth",
          "only meaningful with server_cert and server_key");
    }

    Optional<Path> ca = path(f, "ca", baseDir);
    Optional<Path> clientCert = path(f, "client_cert", baseDir);
    Optional<Path> clientKey = path(f, "client_key", baseDir);
    requireBoth(f, "client_cert", "client_key");
    Optional<ClientSide> client = Optional.empty();
    if (ca.isPresent()) {
      client = Optional.of(new ClientSide(ca.get(), clientCert, clientKey));
    } else if (clientCert.isPresent()) {
      throw f.fail("client_cert", "needs ca (the CA of the servers we call)");
    }
    return new TlsConfig(server, client);
  }

  /** A certificate and its key go together: one given without the other is an error at the one given. */
  private static void requireBoth(ConfigYaml.Fields f, String first, String second) {
    if (f.has(first) != f.has(second)) {
      String given = f.has(first) ? first : second;
      String missing = f.has(first) ? second : first;
      throw ConfigYaml.error(f.fileName(), f.valueNode(given), missing, "required when " + given + " is set");
    }
  }

  /** The key's file, resolved against {@code baseDir}; it must exist. */
  private static Optional<Path> path(ConfigYaml.Fields f, String key, Path baseDir) {
    Optional<String> value = f.string(key).map(String::trim);
    if (value.isEmpty()) {
      return Optional.empty();
    }
    if (value.get().isEmpty()) {
      throw f.fail(key, "expected a file path");
    }
    Path p;
    try {
      p = baseDir == null ? Path.of(value.get()) : baseDir.resolve(value.get());
    } catch (InvalidPathException e) {
      throw f.fail(key, "'" + value.get() + "' is not a valid path: " + e.getReason());
    }
    if (!Files.isRegularFile(p)) {
      throw f.fail(key, "no such file " + p);
    }
    return Optional.of(p);
  }

  /** Credentials for our server: TLS if configured, else plaintext. */
  public ServerCredentials serverCredentials() {
    if (server.isEmpty()) {
      return InsecureServerCredentials.create();
    }
    ServerSide s = server.get();
    TlsServerCredentials.Builder b = TlsServerCredentials.newBuilder();
    checkCertificates("server_cert", s.cert());
    checkKey("server_key", s.key(), s.cert());
    load("server_cert/server_key", () -> b.keyManager(s.cert().toFile(), s.key().toFile()));
    if (s.clientCa().isPresent()) {
      checkCertificates("client_ca", s.clientCa().get());
      load("client_ca", () -> b.trustManager(s.clientCa().get().toFile()));
      b.clientAuth(s.requireClientAuth()
          ? TlsServerCredentials.ClientAuth.REQUIRE
          : TlsServerCredentials.ClientAuth.OPTIONAL);
    }
    return b.build();
  }

  /** Credentials for calling other ECUs: TLS if configured, else plaintext. */
  public ChannelCredentials channelCredentials() {
    if (client.isEmpty()) {
      return InsecureChannelCredentials.create();
    }
    ClientSide c = client.get();
    TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
    checkCertificates("ca", c.ca());
    load("ca", () -> b.trustManager(c.ca().toFile()));
    if (c.cert().isPresent()) {
      checkCertificates("client_cert", c.cert().get());
      checkKey("client_key", c.key().get(), c.cert().get());
      load("client_cert/client_key", () -> b.keyManager(c.cert().get().toFile(), c.key().get().toFile()));
    }
    return b.build();
  }

  /**
   * grpc reads the PEM bytes lazily and reports a bad file only when the server or channel starts,
   * without naming the setting; check here so the error says which file is wrong.
   */
  private static void checkCertificates(String key, Path file) {
    try (var in = Files.newInputStream(file)) {
      if (CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
        throw new CertificateException("no certificate found");
      }
    } catch (IOException | CertificateException e) {
      throw new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.SERVICE,
          "tls.yaml: " + key + ": " + file + " is not a PEM certificate chain: " + e.getMessage(), e);
    }
  }

  private static void checkKey(String key, Path file, Path certFile) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.SERVICE,
          "tls.yaml: " + key + ": cannot read " + file + ": " + e.getMessage(), e);
    }
    if (!text.contains("-----BEGIN PRIVATE KEY-----")) {
      throw new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.SERVICE, "tls.yaml: " + key + ": " + file
          + " is not an unencrypted PKCS#8 PEM key (BEGIN PRIVATE KEY); convert it with"
          + " 'openssl pkcs8 -topk8 -nocrypt -in old.key -out new.key'");
    }
    // Netty accepts a key that does not belong to the certificate and then fails every handshake
    // with an obscure error; prove the pair by signing and verifying a challenge.
    try (var in = Files.newInputStream(certFile)) {
      X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      String body = text.substring(text.indexOf("-----BEGIN PRIVATE KEY-----") + 27, text.indexOf("-----END PRIVATE KEY-----"));
      byte[] der = Base64.getMimeDecoder().decode(body);
      String algorithm = cert.getPublicKey().getAlgorithm();
      PrivateKey privateKey = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      String signatureAlgorithm = switch (algorithm) {
        case "RSA" -> "SHA256withRSA";
        case "EC" -> "SHA256withECDSA";
        default -> algorithm; // Ed25519, Ed448 name their own signature
      };
      byte[] challenge = "otaclient tls key check".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(signatureAlgorithm);
      signer.initSign(privateKey);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(signatureAlgorithm);
      verifier.initVerify(cert.getPublicKey());
      verifier.update(challenge);
      if (!verifier.verify(signature)) {
        throw new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.SERVICE,
            "tls.yaml: " + key + ": " + file + " is not the key of certificate " + certFile);
      }
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.SERVICE,
          "tls.yaml: " + key + ": " + file + " cannot be used with certificate " + certFile + ": " + e, e);
    }
  }

  private interface PemLoad {
    void run() throws IOException;
  }

  private static void load(String what, PemLoad action) {
    try {
      action.run();
    } catch (IOException | RuntimeException e) {
      // grpc reports bad PEM as IllegalArgumentException/IOException without naming the setting
      throw new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.SERVICE,
          "tls.yaml: " + what + ": cannot load PEM: " + e.getMessage(), e);
    }
  }
}
