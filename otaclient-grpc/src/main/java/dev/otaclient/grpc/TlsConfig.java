package dev.otaclient.grpc;

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
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

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

  /** Reads {@code file}; a missing file means TLS off on both sides. */
  public static TlsConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return DISABLED;
    } catch (IOException e) {
      throw error(file.toString(), 0, "cannot read: " + e.getMessage());
    }
    Path base = file.toAbsolutePath().getParent();
    return parse(text, file.toString(), base);
  }

  /**
   * Parses the YAML text. Every key is optional; an empty document means TLS off. Unknown keys,
   * wrong types, half-configured sides and missing files are errors naming the file, line and key.
   */
  public static TlsConfig parse(String yaml, String fileName, Path baseDir) {
    Node root;
    try {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new StringReader(yaml));
    } catch (MarkedYAMLException e) {
      int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
      throw error(fileName, line, "not valid YAML: " + e.getProblem());
    } catch (RuntimeException e) {
      throw error(fileName, 0, "not valid YAML: " + e.getMessage());
    }
    if (root == null) {
      return DISABLED;
    }
    if (!(root instanceof MappingNode mapping)) {
      throw error(fileName, line(root), "expected a mapping of TLS settings");
    }
    Map<String, ScalarNode> values = new HashMap<>();
    for (NodeTuple t : mapping.getValue()) {
      if (!(t.getKeyNode() instanceof ScalarNode key)) {
        throw error(fileName, line(t.getKeyNode()), "keys must be plain names");
      }
      String name = key.getValue();
      if (!KEYS.contains(name)) {
        throw error(fileName, line(key), name + ": unknown key (known: " + String.join(", ", KEYS.stream().sorted().toList()) + ")");
      }
      if (!(t.getValueNode() instanceof ScalarNode value)) {
        throw error(fileName, line(t.getValueNode()), name + ": expected a single value");
      }
      if (values.put(name, value) != null) {
        throw error(fileName, line(key), name + ": given twice");
      }
    }
    Fields f = new Fields(values, fileName, baseDir);
    Optional<Path> serverCert = f.path("server_cert");
    Optional<Path> serverKey = f.path("server_key");
    Optional<Path> clientCa = f.path("client_ca");
    Optional<Boolean> requireClientAuth = f.bool("require_client_auth");
    Optional<ServerSide> server = Optional.empty();
    if (serverCert.isPresent() != serverKey.isPresent()) {
      String missing = serverCert.isPresent() ? "server_key" : "server_cert";
      String given = serverCert.isPresent() ? "server_cert" : "server_key";
      throw error(fileName, f.line(given), missing + ": required when " + given + " is set");
    }
    if (serverCert.isPresent()) {
      boolean require = requireClientAuth.orElse(clientCa.isPresent());
      if (require && clientCa.isEmpty()) {
        throw error(fileName, f.line("require_client_auth"), "require_client_auth: needs client_ca");
      }
      server = Optional.of(new ServerSide(serverCert.get(), serverKey.get(), clientCa, require));
    } else if (clientCa.isPresent() || requireClientAuth.isPresent()) {
      String given = clientCa.isPresent() ? "client_ca" : "require_client_auth";
      throw error(fileName, f.line(given), given + ": only meaningful with server_cert and server_key");
    }

    Optional<Path> ca = f.path("ca");
    Optional<Path> clientCert = f.path("client_cert");
    Optional<Path> clientKey = f.path("client_key");
    Optional<ClientSide> client = Optional.empty();
    if (clientCert.isPresent() != clientKey.isPresent()) {
      String missing = clientCert.isPresent() ? "client_key" : "client_cert";
      String given = clientCert.isPresent() ? "client_cert" : "client_key";
      throw error(fileName, f.line(given), missing + ": required when " + given + " is set");
    }
    if (ca.isPresent()) {
      client = Optional.of(new ClientSide(ca.get(), clientCert, clientKey));
    } else if (clientCert.isPresent()) {
      throw error(fileName, f.line("client_cert"), "client_cert: needs ca (the CA of the servers we call)");
    }
    return new TlsConfig(server, client);
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

  private static int line(Node node) {
    return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
  }

  private static OtaException error(String fileName, int line, String reason) {
    String where = line > 0 ? fileName + ":" + line : fileName;
    return new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.SERVICE, where + ": " + reason);
  }

  /** Typed access to the scalar values, with line numbers for messages. */
  private record Fields(Map<String, ScalarNode> values, String fileName, Path baseDir) {
    int line(String key) {
      ScalarNode n = values.get(key);
      return n == null ? 0 : TlsConfig.line(n);
    }

    Optional<Path> path(String key) {
      ScalarNode n = values.get(key);
      if (n == null) {
        return Optional.empty();
      }
      String v = n.getValue().trim();
      if (v.isEmpty() || v.equals("~") || v.equals("null")) {
        throw error(fileName, line(key), key + ": expected a file path");
      }
      Path p = baseDir == null ? Path.of(v) : baseDir.resolve(v);
      if (!Files.isRegularFile(p)) {
        throw error(fileName, line(key), key + ": no such file " + p);
      }
      return Optional.of(p);
    }

    Optional<Boolean> bool(String key) {
      ScalarNode n = values.get(key);
      if (n == null) {
        return Optional.empty();
      }
      return switch (n.getValue().trim().toLowerCase(java.util.Locale.ROOT)) {
        case "true" -> Optional.of(true);
        case "false" -> Optional.of(false);
        default -> throw error(fileName, line(key), key + ": expected true or false, got '" + n.getValue() + "'");
      };
    }
  }
}
