package dev.otaclient.internal.fs;

/**
 * A SHA-256 digest as four longs: 48 bytes on the heap where its 64-character hex {@code String} takes
 * about 104. Used as the content key of the plan and in the placement records, where tens of thousands
 * of them are live at once.
 */
public final class Sha256 {
  private final long w0;
  private final long w1;
  private final long w2;
  private final long w3;

  private Sha256(long w0, long w1, long w2, long w3) {
    this.w0 = w0;
    this.w1 = w1;
    this.w2 = w2;
    this.w3 = w3;
  }

  /** From 64 hex digits (either case); the list parsers have already checked the shape. */
  public static Sha256 ofHex(String hex) {
    if (hex.length() != 64) {
      throw new IllegalArgumentException("sha256 must be 64 hex digits, got " + hex.length() + " characters");
    }
    return new Sha256(word(hex, 0), word(hex, 16), word(hex, 32), word(hex, 48));
  }

  /** From a 32-byte digest. */
  public static Sha256 of(byte[] digest) {
    if (digest.length != 32) {
      throw new IllegalArgumentException("sha256 must be 32 bytes, got " + digest.length);
    }
    return new Sha256(word(digest, 0), word(digest, 8), word(digest, 16), word(digest, 24));
  }

  public static Sha256 of(long w0, long w1, long w2, long w3) {
    return new Sha256(w0, w1, w2, w3);
  }

  /** Word {@code i} (0..3) of the digest, big-endian: word 0 holds the first 8 bytes. */
  public long word(int i) {
    return switch (i) {
      case 0 -> w0;
      case 1 -> w1;
      case 2 -> w2;
      case 3 -> w3;
      default -> throw new IndexOutOfBoundsException(i);
    };
  }

  private static long word(String hex, int from) {
    long v = 0;
    for (int i = from; i < from + 16; i++) {
      int d = Character.digit(hex.charAt(i), 16);
      if (d < 0) {
        throw new IllegalArgumentException("sha256 has a non-hex character at " + i);
      }
      v = (v << 4) | d;
    }
    return v;
  }

  private static long word(byte[] b, int from) {
    long v = 0;
    for (int i = from; i < from + 8; i++) {
      v = (v << 8) | (b[i] & 0xff);
    }
    return v;
  }

  /** Lower-case hex, as the lists and the server's blob names spell it. */
  public String hex() {
    StringBuilder sb = new StringBuilder(64);
    for (long w : new long[] {w0, w1, w2, w3}) {
      String s = Long.toHexString(w);
      sb.append("0".repeat(16 - s.length())).append(s);
    }
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Sha256 s && s.w0 == w0 && s.w1 == w1 && s.w2 == w2 && s.w3 == w3;
  }

  @Override
  public int hashCode() {
    // the digest's bits are uniform already
    return (int) (w0 ^ (w0 >>> 32));
  }

  @Override
  public String toString() {
    return hex();
  }
}
