package dev.otaclient.proxy;

import dev.otaclient.internal.fetch.CacheControl;
import dev.otaclient.internal.fs.ContentHash;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The parsed {@code ota-file-cache-control} request header.
 *
 * <p>Unknown directives are ignored (the reference proxy does the same), so newer clients can add
 * directives without breaking older proxies. Malformed values of known key-value directives are
 * ignored too: the request then falls back to a URL-keyed entry rather than failing.
 *
 * @param noCache bypass the cache entirely; wins over {@code retryCaching}
 * @param retryCaching drop the cached copy and fetch it again (the client found it corrupt)
 * @param fileSha256 lower-case hex sha256 of the uncompressed file, when valid
 * @param compressionAlg compression of the transferred bytes ({@code zst}), when valid
 */
record CacheDirectives(boolean noCache, boolean retryCaching, Optional<String> fileSha256,
    Optional<String> compressionAlg) {

  static final CacheDirectives NONE = new CacheDirectives(false, false, Optional.empty(), Optional.empty());

  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  // The algorithm ends up in a file name: keep it to a short token that cannot traverse directories.
  private static final Pattern ALG = Pattern.compile("[a-z0-9]{1,16}");

  static CacheDirectives parse(String header) {
    if (header == null || header.isBlank()) {
      return NONE;
    }
    boolean noCache = false;
    boolean retry = false;
    String sha = null;
    String alg = null;
    for (String raw : header.split(",")) {
      String item = raw.trim();
      int eq = item.indexOf('=');
      String name = (eq < 0 ? item : item.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
      String value = eq < 0 ? "" : item.substring(eq + 1).trim().toLowerCase(Locale.ROOT);
      switch (name) {
        case CacheControl.NO_CACHE -> noCache = true;
        case CacheControl.RETRY_CACHING -> retry = true;
        case CacheControl.FILE_SHA256 -> sha = SHA256_HEX.matcher(value).matches() ? value : null;
        case CacheControl.FILE_COMPRESSION_ALG -> alg = ALG.matcher(value).matches() ? value : null;
        default -> { } // use_cache and anything newer
      }
    }
    return new CacheDirectives(noCache, retry && !noCache, Optional.ofNullable(sha), Optional.ofNullable(alg));
  }

  /**
   * The cache entry name: {@code <sha256>} or {@code <sha256>.<alg>} when the client named the content
   * (so identical files under different URLs share one entry, and the compressed and plain variants of
   * one file stay apart), else {@code URL_<sha256 of the URL>}.
   */
  String cacheKey(String url) {
    if (fileSha256.isPresent()) {
      return compressionAlg.map(a -> fileSha256.get() + "." + a).orElse(fileSha256.get());
    }
    return "URL_" + ContentHash.of(url.getBytes(StandardCharsets.UTF_8));
  }

  /** The body can be checked against {@code file_sha256} only when it is sent uncompressed. */
  Optional<String> verifiableSha256() {
    return compressionAlg.isPresent() ? Optional.empty() : fileSha256;
  }

  /** The directives echoed to the client so it knows which variant it was served. */
  Optional<String> echo() {
    return fileSha256.map(sha -> CacheControl.forFile(sha, compressionAlg.orElse(null), false));
  }
}
