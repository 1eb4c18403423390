package dev.otaclient.internal.image.v1;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The part of MessagePack that OTA image v1 uses (filter options and extended attributes): nil,
 * booleans, integers, floats, str, bin, arrays and maps. No library for it is served here, and the
 * subset is small enough to check completely: every length is checked against the bytes left before
 * anything is allocated, nesting is bounded, and the value must use up the input exactly. Extension
 * types are refused.
 *
 * <p>Decoded values: {@code null}, {@link Boolean}, {@link Long}, {@link Double}, {@link String},
 * {@code byte[]}, {@code List<Object>}, {@code Map<Object, Object>} (insertion order).
 */
public final class MsgPack {
  /** The image library refuses larger packed values; so do we, before decoding anything. */
  public static final int MAX_BYTES = 1024 * 1024;
  private static final int MAX_DEPTH = 16;

  private final byte[] in;
  private int pos;

  private MsgPack(byte[] in) {
    this.in = in;
  }

  /** A value that is not well-formed MessagePack of the supported subset. */
  public static final class MalformedException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedException(String message) {
      super(message, null, false, false);
    }
  }

  /** Decodes exactly one value that spans all of {@code bytes}. */
  public static Object decode(byte[] bytes) throws MalformedException {
    if (bytes.length > MAX_BYTES) {
      throw new MalformedException(bytes.length + " bytes, more than " + MAX_BYTES);
    }
    MsgPack d = new MsgPack(bytes);
    Object v = d.value(0);
    if (d.pos != bytes.length) {
      throw new MalformedException((bytes.length - d.pos) + " bytes after the value at offset " + d.pos);
    }
    return v;
  }

  private Object value(int depth) throws MalformedException {
    if (depth > MAX_DEPTH) {
      throw new MalformedException("nested deeper than " + MAX_DEPTH);
    }
    int at = pos;
    int b = u8();
    if (b <= 0x7f) {
      return (long) b;
    }
    if (b >= 0xe0) {
      return (long) (byte) b;
    }
    if (b >= 0xa0 && b <= 0xbf) {
      return str(b & 0x1f);
    }
    if (b >= 0x90 && b <= 0x9f) {
      return array(b & 0x0f, depth);
    }
    if (b >= 0x80 && b <= 0x8f) {
      return map(b & 0x0f, depth);
    }
    switch (b) {
      case 0xc0: return null;
      case 0xc2: return Boolean.FALSE;
      case 0xc3: return Boolean.TRUE;
      case 0xc4: return bin(u8());
      case 0xc5: return bin(u16());
      case 0xc6: return bin(u32());
      case 0xca: return (double) Float.intBitsToFloat((int) fixed(4));
      case 0xcb: return Double.longBitsToDouble(fixed(8));
      case 0xcc: return (long) u8();
      case 0xcd: return (long) u16();
      case 0xce: return fixed(4);
      case 0xcf: {
        long v = fixed(8);
        if (v < 0) {
          throw new MalformedException("uint64 at offset " + at + " does not fit a signed 64-bit integer");
        }
        return v;
      }
      case 0xd0: return (long) (byte) fixed(1);
      case 0xd1: return (long) (short) fixed(2);
      case 0xd2: return (long) (int) fixed(4);
      case 0xd3: return fixed(8);
      case 0xd9: return str(u8());
      case 0xda: return str(u16());
      case 0xdb: return str(u32());
      case 0xdc: return array(u16(), depth);
      case 0xdd: return array(u32(), depth);
      case 0xde: return map(u16(), depth);
      case 0xdf: return map(u32(), depth);
      default:
        throw new MalformedException(String.format("unsupported type byte 0x%02x at offset %d", b, at));
    }
  }

  private List<Object> array(long n, int depth) throws MalformedException {
    need(n); // every element takes at least one byte
    List<Object> list = new ArrayList<>((int) n);
    for (long i = 0; i < n; i++) {
      list.add(value(depth + 1));
    }
    return list;
  }

  private Map<Object, Object> map(long n, int depth) throws MalformedException {
    need(2 * n);
    Map<Object, Object> map = new LinkedHashMap<>();
    for (long i = 0; i < n; i++) {
      int at = pos;
      Object k = value(depth + 1);
      if (k instanceof byte[] || k instanceof List || k instanceof Map) {
        throw new MalformedException("map key at offset " + at + " is not a scalar");
      }
      if (map.put(k, value(depth + 1)) != null || map.size() != i + 1) {
        throw new MalformedException("map key at offset " + at + " is repeated");
      }
    }
    return map;
  }

  private String str(long n) throws MalformedException {
    int at = pos;
    byte[] b = bin(n);
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      throw new MalformedException("str at offset " + at + " is not valid UTF-8");
    }
  }

  private byte[] bin(long n) throws MalformedException {
    need(n);
    byte[] b = new byte[(int) n];
    System.arraycopy(in, pos, b, 0, (int) n);
    pos += (int) n;
    return b;
  }

  private void need(long n) throws MalformedException {
    if (n < 0 || n > in.length - pos) {
      throw new MalformedException("length " + n + " at offset " + pos + " runs past the end (" + in.length + " bytes)");
    }
  }

  private int u8() throws MalformedException {
    need(1);
    return in[pos++] & 0xff;
  }

  private int u16() throws MalformedException {
    return (int) fixed(2);
  }

  private long u32() throws MalformedException {
    return fixed(4) & 0xffffffffL;
  }

  /** Big-endian unsigned value of {@code n} bytes (n = 8 may come out negative). */
  private long fixed(int n) throws MalformedException {
    need(n);
    long v = 0;
    for (int i = 0; i < n; i++) {
      v = (v << 8) | (in[pos++] & 0xff);
    }
    return v;
  }

  /** Encodes the same subset, in the shortest form for each value (what msgpack's packer writes). */
  public static final class Writer {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public Writer integer(long v) {
      if (v >= 0 && v <= 0x7f) {
        out.write((int) v);
      } else if (v < 0 && v >= -32) {
        out.write((int) v & 0xff);
      } else if (v >= 0) {
        if (v <= 0xff) {
          head(0xcc, v, 1);
        } else if (v <= 0xffff) {
          head(0xcd, v, 2);
        } else if (v <= 0xffffffffL) {
          head(0xce, v, 4);
        } else {
          head(0xcf, v, 8);
        }
      } else if (v >= Byte.MIN_VALUE) {
        head(0xd0, v, 1);
      } else if (v >= Short.MIN_VALUE) {
        head(0xd1, v, 2);
      } else if (v >= Integer.MIN_VALUE) {
        head(0xd2, v, 4);
      } else {
        head(0xd3, v, 8);
      }
      return this;
    }

    public Writer string(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      if (b.length <= 31) {
        out.write(0xa0 | b.length);
      } else if (b.length <= 0xff) {
        head(0xd9, b.length, 1);
      } else if (b.length <= 0xffff) {
        head(0xda, b.length, 2);
      } else {
        head(0xdb, b.length, 4);
      }
      out.writeBytes(b);
      return this;
    }

    public Writer binary(byte[] b) {
      if (b.length <= 0xff) {
        head(0xc4, b.length, 1);
      } else if (b.length <= 0xffff) {
        head(0xc5, b.length, 2);
      } else {
        head(0xc6, b.length, 4);
      }
      out.writeBytes(b);
      return this;
    }

    public Writer arrayHeader(int n) {
      return container(0x90, 0xdc, 0xdd, n);
    }

    public Writer mapHeader(int n) {
      return container(0x80, 0xde, 0xdf, n);
    }

    private Writer container(int fix, int c16, int c32, int n) {
      if (n <= 15) {
        out.write(fix | n);
      } else if (n <= 0xffff) {
        head(c16, n, 2);
      } else {
        head(c32, n, 4);
      }
      return this;
    }

    private void head(int type, long v, int bytes) {
      out.write(type);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write((int) (v >>> (8 * i)) & 0xff);
      }
    }

    public byte[] toByteArray() {
      return out.toByteArray();
    }
  }
}
