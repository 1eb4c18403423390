package dev.otaclient.internal.fetch;

import java.util.Locale;
import java.util.Objects;

/**
 * One file content to fetch from an image.
 *
 * @param relativePath unquoted path relative to the image base, e.g. {@code data/usr/bin/x} or
 *     {@code data.zst/<sha>.zst}; an HTTP source percent-encodes it
 * @param sha256 lower- or upper-case hex SHA-256 of the decoded content, or null when unknown
 * @param size decoded size in bytes, or -1 when unknown
 * @param compressAlg {@code zst}/{@code zstd} for a compressed blob, null for plain content
 * @param metadata true for a file describing the image (a list) rather than rootfs content: caches
 *     are asked for a fresh copy, and a failure means the image cannot be read at all
 */
public record BlobRequest(String relativePath, String sha256, long size, String compressAlg, boolean metadata) {
  public BlobRequest {
    Objects.requireNonNull(relativePath, "relativePath");
    if (size < -1) {
      throw new IllegalArgumentException("size must be -1 (unknown) or >= 0: " + size);
    }
    if (compressAlg != null && compressAlg.isEmpty()) {
      compressAlg = null;
    }
  }

  /** A rootfs content, plain or compressed. */
  public BlobRequest(String relativePath, String sha256, long size, String compressAlg) {
    this(relativePath, sha256, size, compressAlg, false);
  }

  /** A plain (uncompressed) rootfs content. */
  public static BlobRequest plain(String relativePath, String sha256, long size) {
    return new BlobRequest(relativePath, sha256, size, null, false);
  }

  /** A list file of the image, checked against the sha256 that the signed metadata gives. */
  public static BlobRequest list(String relativePath, String sha256) {
    return new BlobRequest(relativePath, sha256, -1, null, true);
  }

  /**
   * True when the file's name is its own sha256 (an OTA image v1's {@code blobs/sha256/<hex>}): no
   * cache can hold a stale copy of it, so even a metadata file of this kind may be served from one.
   */
  public boolean namedByDigest() {
    if (sha256 == null || compressAlg != null) {
      return false;
    }
    int slash = relativePath.lastIndexOf('/');
    return relativePath.substring(slash + 1).equalsIgnoreCase(sha256);
  }

  /** True when the content is a zstd frame that must be decoded. */
  public boolean isZstd() {
    if (compressAlg == null) {
      return false;
    }
    String alg = compressAlg.toLowerCase(Locale.ROOT);
    return alg.equals("zst") || alg.equals("zstd");
  }
}
