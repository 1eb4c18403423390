package dev.otaclient.internal.image.v1;

import com.fasterxml.jackson.databind.JsonNode;
import dev.otaclient.internal.ecu.ConfigYaml;
import dev.otaclient.internal.image.ImagePath;
import dev.otaclient.error.OtaException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * The documents of one payload, each read from bytes already checked against its descriptor: the
 * image manifest (which names the config), the image config (which names the file table and the
 * sys_config), and the sys_config (of which the update uses {@code persist_files}).
 */
final class PayloadDocuments {
  private PayloadDocuments() {}

  /** The config descriptor of an image manifest. */
  static Descriptor manifestConfig(byte[] json) {
    try {
      JsonNode m = Json.object(json, "image manifest");
      if (Json.integer(m, "schemaVersion", "image manifest") != 2) {
        throw new IllegalArgumentException("image manifest schemaVersion is not 2");
      }
      Json.expect(m, "mediaType", MediaTypes.MANIFEST, "image manifest");
      Descriptor config = Descriptor.parse(m.get("config"), "image manifest.config");
      if (!MediaTypes.CONFIG.equals(config.mediaType())) {
        throw new IllegalArgumentException("image manifest.config has media type " + Json.quote(config.mediaType()));
      }
      return config;
    } catch (IllegalArgumentException e) {
      throw BadImage.metadata(e.getMessage(), e);
    }
  }

  /** What the update takes from the image config. */
  record Config(Descriptor fileTable, Optional<Descriptor> sysConfig, String architecture) {}

  static Config config(byte[] json) {
    try {
      JsonNode c = Json.object(json, "image config");
      if (Json.integer(c, "schemaVersion", "image config") != 1) {
        throw new IllegalArgumentException("image config schemaVersion is not 1");
      }
      if (c.has("resource_digest_alg")) {
        Json.expect(c, "resource_digest_alg", "sha256", "image config");
      }
      Descriptor table = Descriptor.parse(c.get("file_table"), "image config.file_table");
      if (!MediaTypes.FILE_TABLE.equals(table.mediaType()) && !MediaTypes.FILE_TABLE_ZSTD.equals(table.mediaType())) {
        throw new IllegalArgumentException("image config.file_table has media type " + Json.quote(table.mediaType()));
      }
      Descriptor sys = null;
      if (c.hasNonNull("sys_config")) {
        sys = Descriptor.parse(c.get("sys_config"), "image config.sys_config");
      }
      String arch = c.hasNonNull("architecture") ? Json.text(c, "architecture", "image config") : "";
      return new Config(table, Optional.ofNullable(sys), arch);
    } catch (IllegalArgumentException e) {
      throw BadImage.metadata(e.getMessage(), e);
    }
  }

  /**
   * {@code persist_files} of a sys_config: absolute paths, each checked like a list path.
   *
   * @throws OtaException METADATA_VERIFICATION naming the entry
   */
  static List<String> persistFiles(byte[] yaml) {
    ConfigYaml.Fields f;
    try {
      f = ConfigYaml.parseMapping(new String(yaml, StandardCharsets.UTF_8), "sys_config");
    } catch (OtaException e) {
      throw BadImage.metadata(e.getMessage(), e);
    }
    List<String> out = new ArrayList<>();
    if (!f.has("persist_files")) {
      return out;
    }
    Node n = f.valueNode("persist_files");
    if (n instanceof ScalarNode && Tag.NULL.equals(n.getTag())) {
      return out;
    }
    if (!(n instanceof SequenceNode seq)) {
      throw BadImage.metadata("sys_config: persist_files is not a list");
    }
    for (int i = 0; i < seq.getValue().size(); i++) {
      Node item = seq.getValue().get(i);
      if (!(item instanceof ScalarNode s)) {
        throw BadImage.metadata("sys_config: persist_files[" + i + "] is not a path");
      }
      try {
        out.add(ImagePath.check(s.getValue()));
      } catch (IllegalArgumentException e) {
        throw BadImage.metadata("sys_config: persist_files[" + i + "]: " + e.getMessage());
      }
    }
    return out;
  }
}
