package dev.otaclient.internal.image.v1;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An OCI descriptor: what a signed document says another one is (media type, sha256, size). Every
 * object of a v1 image is fetched by its descriptor and checked against it before it is used.
 *
 * @param digest 64 lower-case hex digits (the {@code sha256:} prefix removed)
 * @param artifactType null when absent
 */
public record Descriptor(String mediaType, String digest, long size, String artifactType,
    Map<String, String> annotations) {
  private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");

  public Descriptor {
    Objects.requireNonNull(mediaType, "mediaType");
    Objects.requireNonNull(digest, "digest");
    annotations = Map.copyOf(annotations);
  }

  /** Where the object is stored, relative to the image root. */
  public String blobPath() {
    return MediaTypes.BLOBS + digest;
  }

  /** The descriptor as OCI writes it ({@code sha256:} prefix on the digest). */
  public String ociDigest() {
    return "sha256:" + digest;
  }

  /**
   * Reads a descriptor object.
   *
   * @param where the document and field, for messages ({@code index.json manifests[2]})
   * @throws IllegalArgumentException naming the defect
   */
  static Descriptor parse(JsonNode n, String where) {
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException(where + " is not a descriptor object");
    }
    String mediaType = Json.text(n, "mediaType", where);
    String digest = Json.text(n, "digest", where);
    if (!SHA256.matcher(digest).matches()) {
      throw new IllegalArgumentException(where + ".digest is not sha256:<64 lower-case hex digits>: " + Json.quote(digest));
    }
    JsonNode size = n.get("size");
    if (size == null || !size.canConvertToLong() || !size.isIntegralNumber() || size.asLong() < 0) {
      throw new IllegalArgumentException(where + ".size is not a non-negative integer");
    }
    String artifactType = n.hasNonNull("artifactType") ? Json.text(n, "artifactType", where) : null;
    Map<String, String> annotations = new LinkedHashMap<>();
    JsonNode a = n.get("annotations");
    if (a != null && !a.isNull()) {
      if (!a.isObject()) {
        throw new IllegalArgumentException(where + ".annotations is not an object");
      }
      a.fields().forEachRemaining(e -> {
        // image-wide annotations may be numbers; payload selection only reads strings
        if (e.getValue().isValueNode()) {
          annotations.put(e.getKey(), e.getValue().asText());
        }
      });
    }
    return new Descriptor(mediaType, digest.substring("sha256:".length()), size.asLong(), artifactType, annotations);
  }
}
