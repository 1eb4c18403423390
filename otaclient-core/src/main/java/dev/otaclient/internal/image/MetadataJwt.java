package dev.otaclient.internal.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Base64;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The image's signed entry point (reference §1.2): three base64url segments, header, payload and a DER
 * ECDSA signature. Not a standard JWS (DER signature, payload is a JSON array), so it is handled by hand
 * rather than with a JOSE library. Parsing does not establish trust; see {@link MetadataVerifier}.
 */
public final class MetadataJwt {
  private static final Logger LOG = LoggerFactory.getLogger(MetadataJwt.class);

  /** The header every known generator writes, with Python's default {@code ": "} separator. */
  static final String HEADER_JSON = "{\"alg\": \"ES256\"}";

  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");
  private static final Pattern DIGITS = Pattern.compile("[0-9]{1,18}");

  /** Claim keys that name a file and carry its hash in the same object's {@code "hash"}. */
  private enum FileClaim {
    DIRECTORY("directory"),
    SYMBOLIC_LINK("symboliclink"),
    REGULAR("regular"),
    PERSISTENT("persistent"),
    CERTIFICATE("certificate");

    final String key;

    FileClaim(String key) {
      this.key = key;
    }
  }

  private final byte[] signingInput;
  private final byte[] signature;
  private final ImageMetadata metadata;

  private MetadataJwt(byte[] signingInput, byte[] signature, ImageMetadata metadata) {
    this.signingInput = signingInput;
    this.signature = signature;
    this.metadata = metadata;
  }

  /**
   * Parses the content of a {@code metadata.jwt} file. Surrounding whitespace is ignored and base64
   * padding is optional, as the Python client tolerated both.
   *
   * @throws OtaException BASE_METADATA_VERIFICATION naming the specific defect
   */
  public static MetadataJwt parse(String fileText) {
    if (fileText == null) {
      throw bad("file is empty");
    }
    String text = fileText.trim();
    if (text.isEmpty()) {
      throw bad("file is empty");
    }
    String[] parts = text.split("\\.", -1);
    if (parts.length != 3) {
      throw bad("expected 3 dot-separated base64url segments, found " + parts.length);
    }
    byte[] header = decode("header", parts[0]);
    byte[] payload = decode("payload", parts[1]);
    byte[] signature = decode("signature", parts[2]);
    checkHeader(header);
    ImageMetadata metadata = parsePayload(payload);
    byte[] signingInput = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
    return new MetadataJwt(signingInput, signature, metadata);
  }

  /** ASCII bytes of {@code <b64header>.<b64payload>} exactly as they appear in the file. */
  public byte[] signingInput() {
    return signingInput.clone();
  }

  /** The DER-encoded ECDSA signature. */
  public byte[] signature() {
    return signature.clone();
  }

  /** The claims as parsed from the payload; not trustworthy until verified. */
  public ImageMetadata metadata() {
    return metadata;
  }

  /**
   * Writes a {@code metadata.jwt} exactly as the Python signer does: header {@code {"alg": "ES256"}},
   * payload a JSON array of one-purpose objects in the generator's order with Python separators,
   * padded base64url, DER SHA256withECDSA signature.
   */
  public static String sign(ImageMetadata metadata, PrivateKey key) {
    Base64.Encoder b64 = Base64.getUrlEncoder();
    String header = b64.encodeToString(HEADER_JSON.getBytes(StandardCharsets.UTF_8));
    String payload = b64.encodeToString(payloadJson(metadata).getBytes(StandardCharsets.UTF_8));
    String signed = header + "." + payload;
    try {
      Signature s = Signature.getInstance("SHA256withECDSA");
      s.initSign(key);
      s.update(signed.getBytes(StandardCharsets.US_ASCII));
      return signed + "." + b64.encodeToString(s.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot sign metadata with a " + key.getAlgorithm() + " key", e);
    }
  }

  /** The payload text the Python generator writes for these claims (one line, {@code ", "}/{@code ": "}). */
  static String payloadJson(ImageMetadata m) {
    StringBuilder sb = new StringBuilder("[");
    sb.append("{\"version\": ").append(m.version()).append('}');
    appendFile(sb, "directory", m.directories());
    appendFile(sb, "symboliclink", m.symlinks());
    appendFile(sb, "regular", m.regulars());
    appendFile(sb, "persistent", m.persistents());
    sb.append(", {\"rootfs_directory\": ").append(pyString(m.rootfsDirectory())).append('}');
    appendFile(sb, "certificate", m.certificate());
    // the generator writes the size as a string
    m.totalRegularSize().ifPresent(size ->
        sb.append(", {\"total_regular_size\": ").append(pyString(Long.toString(size))).append('}'));
    m.compressedRootfsDirectory().ifPresent(dir ->
        sb.append(", {\"compressed_rootfs_directory\": ").append(pyString(dir)).append('}'));
    return sb.append(']').toString();
  }

  private static void appendFile(StringBuilder sb, String key, FileRef ref) {
    sb.append(", {\"").append(key).append("\": ").append(pyString(ref.name()))
        .append(", \"hash\": ").append(pyString(ref.sha256())).append('}');
  }

  /** A JSON string literal as Python's {@code json.dumps} writes it (ensure_ascii, lower-case hex). */
  private static String pyString(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"': sb.append("\\\""); break;
        case '\\': sb.append("\\\\"); break;
        case '\n': sb.append("\\n"); break;
        case '\r': sb.append("\\r"); break;
        case '\t': sb.append("\\t"); break;
        case '\b': sb.append("\\b"); break;
        case '\f': sb.append("\\f"); break;
        default:
          if (c < 0x20 || c > 0x7e) {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
      }
    }
    return sb.append('"').toString();
  }

  private static byte[] decode(String segment, String text) {
    if (text.isEmpty()) {
      throw bad(segment + " segment is empty");
    }
    try {
      // The URL decoder accepts the padded form the generator writes and the unpadded form of RFC 7515.
      return Base64.getUrlDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw bad(segment + " segment is not valid base64url: " + e.getMessage());
    }
  }

  private static void checkHeader(byte[] header) {
    JsonNode node = readJson("header", header);
    if (!node.isObject()) {
      throw bad("header is a JSON " + node.getNodeType() + ", expected an object");
    }
    // The Python client never checked alg; the signature is always verified as ES256 regardless.
    JsonNode alg = node.get("alg");
    if (alg == null || !"ES256".equals(alg.asText())) {
      LOG.warn("metadata.jwt header has alg {}, verifying as ES256 anyway", alg);
    }
  }

  private static JsonNode readJson(String segment, byte[] bytes) {
    try {
      JsonNode node = StrictJson.read(bytes);
      if (node == null) {
        throw bad(segment + " is empty");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw bad(segment + " is not JSON: " + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      throw bad(segment + " cannot be read: " + e.getMessage());
    }
  }

  private static ImageMetadata parsePayload(byte[] payload) {
    JsonNode root = readJson("payload", payload);
    if (!root.isArray()) {
      throw bad("payload is a JSON " + root.getNodeType() + ", expected an array of objects");
    }
    Integer version = null;
    Map<FileClaim, FileRef> files = new EnumMap<>(FileClaim.class);
    String rootfs = null;
    Long totalSize = null;
    String compressed = null;
    int index = 0;
    for (JsonNode element : root) {
      index++;
      if (!element.isObject()) {
        throw bad("payload element " + index + " is a " + element.getNodeType() + ", expected an object");
      }
      for (Map.Entry<String, JsonNode> field : element.properties()) {
        String key = field.getKey();
        JsonNode value = field.getValue();
        switch (key) {
          case "version":
            checkUnset(version, key);
            version = parseVersion(value);
            break;
          case "rootfs_directory":
            checkUnset(rootfs, key);
            rootfs = relativeName(key, value);
            break;
          case "compressed_rootfs_directory":
            checkUnset(compressed, key);
            // an empty value means "no compressed blobs", as the Python client's truthiness test did
            compressed = value.isTextual() && value.asText().isEmpty() ? "" : relativeName(key, value);
            break;
          case "total_regular_size":
            checkUnset(totalSize, key);
            totalSize = parseSize(value);
            break;
          default:
            FileClaim claim = fileClaim(key);
            if (claim != null) {
              checkUnset(files.get(claim), key);
              files.put(claim, new FileRef(relativeName(key, value), parseHash(key, element.get("hash"))));
            }
            // other keys (including "hash" itself) are ignored, as by the Python client
        }
      }
    }
    if (version == null) {
      throw missing("version");
    }
    for (FileClaim claim : FileClaim.values()) {
      if (!files.containsKey(claim)) {
        throw missing(claim.key);
      }
    }
    if (rootfs == null) {
      throw missing("rootfs_directory");
    }
    return new ImageMetadata(version,
        files.get(FileClaim.DIRECTORY), files.get(FileClaim.SYMBOLIC_LINK), files.get(FileClaim.REGULAR),
        files.get(FileClaim.PERSISTENT), files.get(FileClaim.CERTIFICATE), rootfs,
        totalSize == null ? OptionalLong.empty() : OptionalLong.of(totalSize),
        compressed == null || compressed.isEmpty() ? Optional.empty() : Optional.of(compressed));
  }

  private static FileClaim fileClaim(String key) {
    for (FileClaim c : FileClaim.values()) {
      if (c.key.equals(key)) {
        return c;
      }
    }
    return null;
  }

  private static void checkUnset(Object current, String key) {
    // A repeated claim in signed data is ambiguous (which one did the signer mean?); refuse it.
    if (current != null) {
      throw bad("claim \"" + key + "\" appears more than once");
    }
  }

  private static int parseVersion(JsonNode value) {
    if (!value.isIntegralNumber() || !value.canConvertToInt()) {
      throw bad("claim \"version\" must be an integer, got " + value);
    }
    int v = value.intValue();
    if (v != 1) {
      throw bad("unsupported version " + v + " (only version 1 is known)");
    }
    return v;
  }

  private static long parseSize(JsonNode value) {
    if (value.isTextual() && DIGITS.matcher(value.asText()).matches()) {
      return Long.parseLong(value.asText());
    }
    if (value.isIntegralNumber() && value.canConvertToLong() && value.longValue() >= 0) {
      return value.longValue();
    }
    throw bad("claim \"total_regular_size\" must be a non-negative integer or a string of digits, got " + value);
  }

  private static String parseHash(String key, JsonNode hash) {
    if (hash == null) {
      throw bad("claim \"" + key + "\" has no \"hash\"");
    }
    if (!hash.isTextual() || !SHA256_HEX.matcher(hash.asText()).matches()) {
      throw bad("claim \"" + key + "\" has hash " + hash + ", expected 64 hex digits");
    }
    return hash.asText().toLowerCase(Locale.ROOT);
  }

  /** A name inside the image: relative, no {@code ..}, no control characters. */
  private static String relativeName(String key, JsonNode value) {
    if (!value.isTextual()) {
      throw bad("claim \"" + key + "\" must be a string, got " + value);
    }
    String name = value.asText();
    String reason = relativeNameDefect(name);
    if (reason != null) {
      throw bad("claim \"" + key + "\" names " + value + ", which " + reason);
    }
    return name;
  }

  /** Why a name may not be used as a path inside the image, or null when it is fine. */
  static String relativeNameDefect(String name) {
    if (name.isEmpty()) {
      return "is empty";
    }
    if (name.startsWith("/")) {
      return "is absolute";
    }
    for (int i = 0; i < name.length(); i++) {
      if (name.charAt(i) < 0x20 || name.charAt(i) == 0x7f) {
        return "contains a control character";
      }
    }
    for (String segment : name.split("/", -1)) {
      if (segment.equals("..")) {
        return "leaves the image root";
      }
    }
    return null;
  }

  private static OtaException missing(String key) {
    return bad("required claim \"" + key + "\" is missing");
  }

  private static OtaException bad(String detail) {
    return new OtaException(ErrorCode.BASE_METADATA_VERIFICATION, ErrorModule.API, "metadata.jwt: " + detail);
  }
}
