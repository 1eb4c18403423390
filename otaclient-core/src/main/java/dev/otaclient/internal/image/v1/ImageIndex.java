package dev.otaclient.internal.image.v1;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code index.json}, the OCI image index of a v1 image, reduced to what an update needs: the
 * payloads (one per ECU id and release key) and the image's one resource table. Other entries
 * (otaclient packages, partition payloads, future kinds) are kept out of the way, not refused.
 */
public record ImageIndex(List<Payload> payloads, Optional<Descriptor> resourceTable) {
  public ImageIndex {
    payloads = List.copyOf(payloads);
  }

  /** An image payload: the manifest of one ECU's rootfs. */
  public record Payload(String ecuId, String releaseKey, Descriptor manifest) {}

  /**
   * Parses and checks {@code index.json}.
   *
   * @throws dev.otaclient.error.OtaException METADATA_VERIFICATION naming the defect
   */
  public static ImageIndex parse(byte[] json) {
    try {
      JsonNode root = Json.object(json, "index.json");
      if (Json.integer(root, "schemaVersion", "index.json") != 2) {
        throw new IllegalArgumentException("index.json.schemaVersion is not 2");
      }
      Json.expect(root, "mediaType", MediaTypes.INDEX, "index.json");
      JsonNode manifests = root.get("manifests");
      if (manifests == null || !manifests.isArray()) {
        throw new IllegalArgumentException("index.json.manifests is missing or not an array");
      }
      List<Payload> payloads = new ArrayList<>();
      Descriptor table = null;
      for (int i = 0; i < manifests.size(); i++) {
        String where = "index.json.manifests[" + i + "]";
        Descriptor d = Descriptor.parse(manifests.get(i), where);
        if (MediaTypes.PAYLOAD_ARTIFACT.equals(d.artifactType()) && MediaTypes.MANIFEST.equals(d.mediaType())) {
          String ecu = d.annotations().get(MediaTypes.ECU_ANNOTATION);
          if (ecu == null || ecu.isEmpty()) {
            throw new IllegalArgumentException(where + " is a payload without the " + MediaTypes.ECU_ANNOTATION
                + " annotation");
          }
          String key = d.annotations().getOrDefault(MediaTypes.RELEASE_KEY_ANNOTATION, "dev");
          for (Payload p : payloads) {
            if (p.ecuId().equals(ecu) && p.releaseKey().equals(key)) {
              throw new IllegalArgumentException(where + " is a second payload for ECU " + Json.quote(ecu)
                  + " with release key " + Json.quote(key));
            }
          }
          payloads.add(new Payload(ecu, key, d));
        } else if (MediaTypes.RESOURCE_TABLE.equals(d.mediaType()) || MediaTypes.RESOURCE_TABLE_ZSTD.equals(d.mediaType())) {
          if (table != null) {
            throw new IllegalArgumentException(where + " is a second resource table");
          }
          table = d;
        }
      }
      return new ImageIndex(payloads, Optional.ofNullable(table));
    } catch (IllegalArgumentException e) {
      throw BadImage.metadata(e.getMessage(), e);
    }
  }

  /**
   * The payload for this ECU and release key.
   *
   * @throws dev.otaclient.error.OtaException METADATA_VERIFICATION listing what the image has
   */
  public Payload select(String ecuId, String releaseKey) {
    for (Payload p : payloads) {
      if (p.ecuId().equals(ecuId) && p.releaseKey().equals(releaseKey)) {
        return p;
      }
    }
    List<String> have = new ArrayList<>();
    payloads.forEach(p -> have.add(p.ecuId() + "/" + p.releaseKey()));
    throw BadImage.metadata("the image has no payload for ECU " + Json.quote(ecuId) + " with release key "
        + Json.quote(releaseKey) + " (payloads: " + (have.isEmpty() ? "none" : String.join(", ", have)) + ")");
  }
}
