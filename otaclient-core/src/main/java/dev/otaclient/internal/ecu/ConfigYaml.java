package dev.otaclient.internal.ecu;

import dev.otaclient.error.ErrorApi;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Typed, strict access to a small YAML config file. The document is only <em>composed</em> (turned
 * into a node tree), never constructed into objects, so no type from the file is ever instantiated;
 * the nodes keep their line numbers, which every error message names. Every config file of the
 * client is read through here ({@code ecu_info.yaml}, {@code proxy_info.yaml}, {@code tls.yaml}), so
 * each has the same size cap, strict UTF-8 and alias limits.
 */
public final class ConfigYaml {
  /** Config files are a few hundred bytes; anything this large is not one. */
  public static final int MAX_FILE_BYTES = 1024 * 1024;

  private ConfigYaml() {}

  /** Reads a config file as strict UTF-8; empty when it does not exist. */
  public static Optional<String> read(Path file) {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    String name = file.toString();
    try {
      if (!Files.isRegularFile(file)) {
        throw error(name, null, "", "is not a regular file");
      }
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw error(name, null, "", "is larger than " + MAX_FILE_BYTES + " bytes");
      }
      byte[] bytes = Files.readAllBytes(file);
      return Optional.of(StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString());
    } catch (CharacterCodingException e) {
      throw error(name, null, "", "is not valid UTF-8");
    } catch (IOException e) {
      throw new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.GENERAL, ErrorApi.UNSPECIFIC,
          name + ": cannot be read: " + e, e);
    }
  }

  /** Parses {@code text}, which must hold exactly one document whose top level is a mapping. */
  public static Fields parseMapping(String text, String fileName) {
    return parseOptionalMapping(text, fileName).orElseThrow(
        () -> error(fileName, null, "", "is empty; it must be a YAML mapping (key: value lines)"));
  }

  /** As {@link #parseMapping}, but an empty document (nothing, or only comments) gives empty. */
  public static Optional<Fields> parseOptionalMapping(String text, String fileName) {
    LoaderOptions options = new LoaderOptions();
    options.setMaxAliasesForCollections(20);
    options.setAllowRecursiveKeys(false);
    options.setCodePointLimit(MAX_FILE_BYTES);
    Yaml yaml = new Yaml(new SafeConstructor(options));
    Node root;
    try {
      root = yaml.compose(new StringReader(text));
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      String line = mark == null ? "" : ":" + (mark.getLine() + 1);
      String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
      throw new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.GENERAL, ErrorApi.UNSPECIFIC,
          fileName + line + ": not valid YAML: " + oneLine(problem), e);
    } catch (YAMLException e) {
      throw new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.GENERAL, ErrorApi.UNSPECIFIC,
          fileName + ": not valid YAML: " + oneLine(e.getMessage()), e);
    } catch (IllegalArgumentException e) {
      // SnakeYAML's own checks outside its parser, e.g. a malformed tag such as `!--%-0` (found by
      // the CI fuzzing of ecu_info.yaml), throw this instead of a YAMLException
      throw new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.GENERAL, ErrorApi.UNSPECIFIC,
          fileName + ": not valid YAML: " + oneLine(e.getMessage()), e);
    }
    if (root == null) {
      return Optional.empty();
    }
    if (!(root instanceof MappingNode)) {
      throw error(fileName, root, "", "top level must be a mapping (key: value lines), got " + describe(root));
    }
    return Optional.of(new Fields(fileName, "", (MappingNode) root));
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s+", " ").trim();
  }

  /** An error naming the file, the node's line (when known), the dotted path and the reason. */
  public static OtaException error(String fileName, Node node, String path, String reason) {
    StringBuilder sb = new StringBuilder(fileName);
    if (node != null && node.getStartMark() != null) {
      sb.append(':').append(node.getStartMark().getLine() + 1);
    }
    sb.append(": ");
    if (!path.isEmpty()) {
      sb.append(path).append(": ");
    }
    sb.append(reason);
    return new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.GENERAL, ErrorApi.UNSPECIFIC,
        sb.toString(), null);
  }

  static String describe(Node node) {
    if (node instanceof MappingNode) {
      return "a mapping";
    }
    if (node instanceof SequenceNode) {
      return "a list";
    }
    ScalarNode s = (ScalarNode) node;
    Tag tag = s.getTag();
    String kind;
    if (Tag.NULL.equals(tag)) {
      return "nothing (null)";
    } else if (Tag.BOOL.equals(tag)) {
      kind = "a boolean";
    } else if (Tag.INT.equals(tag)) {
      kind = "an integer";
    } else if (Tag.FLOAT.equals(tag)) {
      kind = "a number";
    } else if (Tag.STR.equals(tag)) {
      kind = "a string";
    } else {
      kind = "a " + tag.getValue();
    }
    return kind + " '" + s.getValue() + "'";
  }

  /** One mapping of the document, with the dotted path leading to it for messages. */
  public static final class Fields {
    private final String fileName;
    private final String path;
    private final MappingNode node;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();

    Fields(String fileName, String path, MappingNode node) {
      this.fileName = fileName;
      this.path = path;
      this.node = node;
      for (NodeTuple t : node.getValue()) {
        Node key = t.getKeyNode();
        if (!(key instanceof ScalarNode) || !Tag.STR.equals(key.getTag())) {
          throw error(fileName, key, path, "keys must be plain names, got " + describe(key));
        }
        // Composing does not apply the loader's duplicate-key check (construction does), so do it here.
        String name = ((ScalarNode) key).getValue();
        if (entries.put(name, t) != null) {
          throw error(fileName, key, pathOf(name), "key given twice");
        }
      }
    }

    public String fileName() {
      return fileName;
    }

    public Set<String> keys() {
      return entries.keySet();
    }

    public boolean has(String key) {
      return entries.containsKey(key);
    }

    String pathOf(String key) {
      return path.isEmpty() ? key : path + "." + key;
    }

    public Node valueNode(String key) {
      return entries.get(key).getValueNode();
    }

    public OtaException fail(String key, String reason) {
      Node at = has(key) ? valueNode(key) : node;
      return error(fileName, at, pathOf(key), reason);
    }

    /** The key's string value, or empty when the key is absent. Null and non-string values are errors. */
    public Optional<String> string(String key) {
      if (!has(key)) {
        return Optional.empty();
      }
      Node v = valueNode(key);
      if (!(v instanceof ScalarNode) || !Tag.STR.equals(v.getTag())) {
        throw error(fileName, v, pathOf(key), "must be a string, got " + describe(v)
            + (v instanceof ScalarNode && !Tag.NULL.equals(v.getTag()) ? " (quote it)" : ""));
      }
      return Optional.of(((ScalarNode) v).getValue());
    }

    /** Like {@link #string} but an explicit null counts as absent (for "unset" URL fields). */
    Optional<String> nullableString(String key) {
      if (has(key) && Tag.NULL.equals(valueNode(key).getTag()) && valueNode(key) instanceof ScalarNode) {
        return Optional.empty();
      }
      return string(key);
    }

    public Optional<Boolean> bool(String key) {
      if (!has(key)) {
        return Optional.empty();
      }
      Node v = valueNode(key);
      if (!(v instanceof ScalarNode) || !Tag.BOOL.equals(v.getTag())) {
        throw error(fileName, v, pathOf(key), "must be true or false, got " + describe(v));
      }
      String text = ((ScalarNode) v).getValue().toLowerCase(Locale.ROOT);
      // YAML 1.1 booleans, as PyYAML reads them
      return Optional.of(text.equals("true") || text.equals("yes") || text.equals("on") || text.equals("y"));
    }

    Optional<Long> integer(String key) {
      if (!has(key)) {
        return Optional.empty();
      }
      Node v = valueNode(key);
      if (!(v instanceof ScalarNode) || !Tag.INT.equals(v.getTag())) {
        throw error(fileName, v, pathOf(key), "must be an integer, got " + describe(v));
      }
      String text = ((ScalarNode) v).getValue().replace("_", "");
      try {
        if (text.startsWith("0x") || text.startsWith("-0x") || text.startsWith("+0x")) {
          return Optional.of(Long.decode(text));
        }
        return Optional.of(Long.parseLong(text.startsWith("+") ? text.substring(1) : text));
      } catch (NumberFormatException e) {
        throw error(fileName, v, pathOf(key), "integer '" + ((ScalarNode) v).getValue()
            + "' is not a plain decimal or 0x number");
      }
    }

    /** The key's value as a nested mapping, or empty when the key is absent. */
    public Optional<Fields> mapping(String key) {
      if (!has(key)) {
        return Optional.empty();
      }
      Node v = valueNode(key);
      if (!(v instanceof MappingNode)) {
        throw error(fileName, v, pathOf(key), "must be a mapping, got " + describe(v));
      }
      return Optional.of(new Fields(fileName, pathOf(key), (MappingNode) v));
    }

    /** The key's list items, or empty when the key is absent. */
    public Optional<List<Node>> list(String key) {
      if (!has(key)) {
        return Optional.empty();
      }
      Node v = valueNode(key);
      if (!(v instanceof SequenceNode)) {
        throw error(fileName, v, pathOf(key), "must be a list, got " + describe(v));
      }
      return Optional.of(new ArrayList<>(((SequenceNode) v).getValue()));
    }

    /** The string items of a list. */
    public Optional<List<String>> stringList(String key) {
      return list(key).map(items -> {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
          Node item = items.get(i);
          if (!(item instanceof ScalarNode) || !Tag.STR.equals(item.getTag())) {
            throw error(fileName, item, pathOf(key) + "[" + i + "]", "must be a string, got " + describe(item));
          }
          out.add(((ScalarNode) item).getValue());
        }
        return out;
      });
    }

    /** A list item that must itself be a mapping. */
    public Fields mappingItem(String key, int index, Node item) {
      String itemPath = pathOf(key) + "[" + index + "]";
      if (!(item instanceof MappingNode)) {
        throw error(fileName, item, itemPath, "must be a mapping, got " + describe(item));
      }
      return new Fields(fileName, itemPath, (MappingNode) item);
    }
  }
}
