package dev.otaclient.image;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Where each part of an image lives relative to its base URL, derived exactly as the Python client
 * does (reference §1.9) so existing image servers, CDNs and signed-cookie policies keep working.
 */
public final class ImageUrls {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private ImageUrls() {}

  /**
   * The base URL with its path forced to end in exactly one {@code /}, so relative names are appended
   * below it rather than replacing its last segment.
   */
  public static URI normaliseBase(URI base) {
    String scheme = base.getScheme() == null ? "" : base.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("image URL must be http or https: " + base);
    }
    if (base.getRawAuthority() == null || base.getRawAuthority().isEmpty()) {
      throw new IllegalArgumentException("image URL has no host: " + base);
    }
    String path = base.getRawPath() == null ? "" : base.getRawPath();
    int end = path.length();
    while (end > 0 && path.charAt(end - 1) == '/') {
      end--;
    }
    String normalised = path.substring(0, end) + "/";
    return URI.create(scheme + "://" + base.getRawAuthority() + normalised);
  }

  /** {@code base + quote(relative)}; {@code base} must come from {@link #normaliseBase}. */
  public static URI resolve(URI normalisedBase, String relativePath) {
    return URI.create(normalisedBase.toString() + quote(relativePath));
  }

  /** URL of an uncompressed rootfs file: {@code <base><rootfs_directory>/<quoted path without leading />}. */
  public static URI regularFile(URI normalisedBase, String rootfsDirectory, String absolutePath) {
    return resolve(normalisedBase, rootfsRelative(rootfsDirectory, absolutePath));
  }

  /** URL of a compressed blob: {@code <base><compressed dir>/<sha256>.<alg>}. */
  public static URI compressedBlob(URI normalisedBase, String compressedDirectory, String sha256, String alg) {
    return resolve(normalisedBase, compressedRelative(compressedDirectory, sha256, alg));
  }

  /** Relative (unquoted) location of a rootfs file inside the image, e.g. {@code data/usr/bin/bash}. */
  public static String rootfsRelative(String rootfsDirectory, String absolutePath) {
    String p = absolutePath.startsWith("/") ? absolutePath.substring(1) : absolutePath;
    return stripSlashes(rootfsDirectory) + "/" + p;
  }

  /** Relative (unquoted) location of a compressed blob inside the image, e.g. {@code data.zst/<hash>.zst}. */
  public static String compressedRelative(String compressedDirectory, String sha256, String alg) {
    return stripSlashes(compressedDirectory) + "/" + sha256 + "." + alg;
  }

  private static String stripSlashes(String dir) {
    int start = 0;
    int end = dir.length();
    while (start < end && dir.charAt(start) == '/') {
      start++;
    }
    while (end > start && dir.charAt(end - 1) == '/') {
      end--;
    }
    return dir.substring(start, end);
  }

  /**
   * Percent-encodes like Python's {@code urllib.parse.quote(s, safe='/')}: ASCII letters, digits,
   * {@code _ . - ~} and {@code /} stay; every other UTF-8 byte becomes {@code %XX} (upper-case hex);
   * space is {@code %20}, never {@code +}.
   */
  public static String quote(String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    StringBuilder sb = new StringBuilder(bytes.length + 16);
    for (byte b : bytes) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == '.' || c == '-' || c == '~' || c == '/') {
        sb.append((char) c);
      } else {
        sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
    return sb.toString();
  }
}
