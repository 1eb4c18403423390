package dev.otaclient.fetch;

import java.util.Locale;
import java.util.Objects;

/**
 * One file content to fetch from an image.
 *
 * @param relativePath unquoted path relative to the image base, e.g. {@code data/usr/bin/x} or
 *     {@code data.zst/<sha>.zst}; the HTTP fetcher percent-encodes it
 * @param sha256 lower- or upper-case hex SHA-256 of the decoded content, or null when unknown
 * @param size decoded size in bytes, or -1 when unknown
 * @param compressAlg {@code zst}/{@code zstd} for a compressed blob, null for plain content
 */
public record BlobRequest(String relativePath, String sha256, long size, String compressAlg) {
  public BlobRequest {
    Objects.requireNonNull(relativePath, "relativePath");
    if (size < -1) {
      throw new IllegalArgumentException("size must be -1 (unknown) or >= 0: " + size);
    }
    if (compressAlg != null && compressAlg.isEmpty()) {
      compressAlg = null;
    }
  }

  /** A plain (uncompressed) request. */
  public static BlobRequest plain(String relativePath, String sha256, long size) {
    return new BlobRequest(relativePath, sha256, size, null);
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
