package dev.otaclient.internal.fetch;

/**
 * Directives of the {@code ota-file-cache-control} request header understood by ota_proxy.
 * Metadata is fetched with {@code no_cache}; a retried file with {@code retry_caching} so the proxy
 * drops a possibly corrupt cached copy; every file carries {@code file_sha256=<hex>} so the proxy can
 * key its cache by content.
 */
public final class CacheControl {
  public static final String HEADER = "ota-file-cache-control";
  public static final String NO_CACHE = "no_cache";
  public static final String RETRY_CACHING = "retry_caching";
  public static final String FILE_SHA256 = "file_sha256";
  public static final String FILE_COMPRESSION_ALG = "file_compression_alg";

  private CacheControl() {}

  /** Header value for one regular-file request. */
  public static String forFile(String sha256Hex, String compressionAlg, boolean retry) {
    StringBuilder sb = new StringBuilder();
    if (sha256Hex != null) {
      sb.append(FILE_SHA256).append('=').append(sha256Hex);
    }
    if (compressionAlg != null && !compressionAlg.isEmpty()) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(FILE_COMPRESSION_ALG).append('=').append(compressionAlg);
    }
    if (retry) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(RETRY_CACHING);
    }
    return sb.toString();
  }
}
