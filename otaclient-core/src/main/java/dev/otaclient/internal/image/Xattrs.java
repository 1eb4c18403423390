package dev.otaclient.internal.image;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The extended attributes an entry must have, exactly: names (any namespace, e.g.
 * {@code security.capability}) to values. Immutable; {@link #NONE} when the entry has none.
 */
public final class Xattrs {
  /** Linux limits: names of at most 255 bytes, values of at most 64 KiB. */
  public static final int MAX_NAME_BYTES = 255;
  public static final int MAX_VALUE_BYTES = 64 * 1024;
  public static final Xattrs NONE = new Xattrs(new TreeMap<>());

  private final TreeMap<String, byte[]> values;

  private Xattrs(TreeMap<String, byte[]> values) {
    this.values = values;
  }

  /**
   * @throws IllegalArgumentException for a name that is empty, too long, contains NUL or has no
   *     namespace, or a value that is too long
   */
  public static Xattrs of(Map<String, byte[]> map) {
    if (map.isEmpty()) {
      return NONE;
    }
    TreeMap<String, byte[]> copy = new TreeMap<>();
    for (Map.Entry<String, byte[]> e : map.entrySet()) {
      String name = Objects.requireNonNull(e.getKey(), "name");
      int bytes = name.getBytes(StandardCharsets.UTF_8).length;
      if (bytes == 0 || bytes > MAX_NAME_BYTES || name.indexOf('\0') >= 0 || name.indexOf('.') <= 0) {
        throw new IllegalArgumentException("invalid extended attribute name " + ImagePath.describe(name));
      }
      if (e.getValue().length > MAX_VALUE_BYTES) {
        throw new IllegalArgumentException("extended attribute " + name + " has " + e.getValue().length
            + " bytes, more than " + MAX_VALUE_BYTES);
      }
      copy.put(name, e.getValue().clone());
    }
    return new Xattrs(copy);
  }

  public boolean isEmpty() {
    return values.isEmpty();
  }

  /** Names in sorted order, values copied out. */
  public Map<String, byte[]> asMap() {
    TreeMap<String, byte[]> copy = new TreeMap<>();
    values.forEach((k, v) -> copy.put(k, v.clone()));
    return Collections.unmodifiableMap(copy);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Xattrs x) || !x.values.keySet().equals(values.keySet())) {
      return false;
    }
    for (Map.Entry<String, byte[]> e : values.entrySet()) {
      if (!Arrays.equals(e.getValue(), x.values.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = values.keySet().hashCode();
    for (byte[] v : values.values()) {
      h = 31 * h + Arrays.hashCode(v);
    }
    return h;
  }

  @Override
  public String toString() {
    return "Xattrs" + values.keySet();
  }
}
