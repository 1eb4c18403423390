package dev.otaclient.internal.image.v1;

import java.util.ArrayList;
import java.util.List;

/**
 * How a resource of the resource table is stored in the blob storage ({@code rs_manifest.filter_applied}):
 * one code byte, a colon, and a MessagePack array of options. A resource without a filter is a blob
 * of its own, named by its digest.
 */
public sealed interface ResourceFilter {
  /** Ids of the resources this one is made from, in order. */
  List<Long> parts();

  /** The serialized column value. */
  byte[] encode();

  /** Held in a larger blob, the bundle, at {@code offset} for {@code length} bytes. */
  record Bundle(long bundleId, long offset, long length) implements ResourceFilter {
    @Override
    public List<Long> parts() {
      return List.of(bundleId);
    }

    @Override
    public byte[] encode() {
      return withCode('b', new MsgPack.Writer().arrayHeader(3).integer(bundleId).integer(offset).integer(length));
    }
  }

  /** Stored compressed as resource {@code compressedId}. */
  record Compressed(long compressedId, String algorithm) implements ResourceFilter {
    @Override
    public List<Long> parts() {
      return List.of(compressedId);
    }

    @Override
    public byte[] encode() {
      return withCode('c', new MsgPack.Writer().arrayHeader(2).integer(compressedId).string(algorithm));
    }
  }

  /** The concatenation of the slices, in order. */
  record Sliced(List<Long> slices) implements ResourceFilter {
    public Sliced {
      slices = List.copyOf(slices);
    }

    @Override
    public List<Long> parts() {
      return slices;
    }

    @Override
    public byte[] encode() {
      MsgPack.Writer w = new MsgPack.Writer().arrayHeader(slices.size());
      slices.forEach(w::integer);
      return withCode('s', w);
    }
  }

  private static byte[] withCode(char code, MsgPack.Writer w) {
    byte[] body = w.toByteArray();
    byte[] out = new byte[body.length + 2];
    out[0] = (byte) code;
    out[1] = ':';
    System.arraycopy(body, 0, out, 2, body.length);
    return out;
  }

  /**
   * Parses a {@code filter_applied} value.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static ResourceFilter parse(byte[] raw) {
    if (raw.length < 3 || raw[1] != ':') {
      throw new IllegalArgumentException("filter is not '<code>:<options>'");
    }
    byte[] packed = new byte[raw.length - 2];
    System.arraycopy(raw, 2, packed, 0, packed.length);
    Object v;
    try {
      v = MsgPack.decode(packed);
    } catch (MsgPack.MalformedException e) {
      throw new IllegalArgumentException("filter options are not MessagePack: " + e.getMessage());
    }
    if (!(v instanceof List<?> options)) {
      throw new IllegalArgumentException("filter options are not a list");
    }
    switch (raw[0]) {
      case 'b':
        expect(options, 3, "bundle");
        return new Bundle(id(options.get(0), "bundle id"), nonNegative(options.get(1), "offset"),
            nonNegative(options.get(2), "length"));
      case 'c':
        expect(options, 2, "compression");
        if (!(options.get(1) instanceof String alg)) {
          throw new IllegalArgumentException("compression algorithm is not a string");
        }
        return new Compressed(id(options.get(0), "compressed resource id"), alg);
      case 's':
        if (options.isEmpty()) {
          throw new IllegalArgumentException("slice filter lists no slices");
        }
        List<Long> ids = new ArrayList<>(options.size());
        for (Object o : options) {
          ids.add(id(o, "slice id"));
        }
        return new Sliced(ids);
      default:
        throw new IllegalArgumentException(String.format("unknown filter code 0x%02x", raw[0] & 0xff));
    }
  }

  private static void expect(List<?> options, int n, String what) {
    if (options.size() != n) {
      throw new IllegalArgumentException(what + " filter has " + options.size() + " options, not " + n);
    }
  }

  private static long id(Object o, String what) {
    return nonNegative(o, what);
  }

  private static long nonNegative(Object o, String what) {
    if (!(o instanceof Long v) || v < 0) {
      throw new IllegalArgumentException(what + " is not a non-negative integer: " + o);
    }
    return v;
  }
}
