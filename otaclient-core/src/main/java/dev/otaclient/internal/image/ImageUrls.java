package dev.otaclient.internal.image;

/**
 * Where each part of an image lives relative to its base, derived exactly as the Python client does
 * (reference §1.9) so existing image servers, CDNs and signed-cookie policies keep working. The names
 * are unquoted; {@link ImageLocation.Http#resolve} quotes them for HTTP.
 */
public final class ImageUrls {
  private ImageUrls() {}

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
}
