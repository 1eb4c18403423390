package dev.otaclient.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class CacheDirectivesTest {
  private static final String SHA = "ead8f1c27f3c0b0e4b1a3b4d7b55b2f3a7d1e6c0a9b8c7d6e5f4a3b2c1d0e9f8";

  @Test
  void parsesTheDirectivesTheClientSends() {
    CacheDirectives d = CacheDirectives.parse("file_sha256=" + SHA + ",file_compression_alg=zst,retry_caching");
    assertThat(d.fileSha256()).contains(SHA);
    assertThat(d.compressionAlg()).contains("zst");
    assertThat(d.retryCaching()).isTrue();
    assertThat(d.noCache()).isFalse();
    assertThat(d.cacheKey("http://o/x")).isEqualTo(SHA + ".zst");
    assertThat(d.verifiableSha256()).isEmpty();
    assertThat(d.echo()).contains("file_sha256=" + SHA + ",file_compression_alg=zst");
  }

  @Test
  void plainVariantIsKeyedAndVerifiedBySha() {
    CacheDirectives d = CacheDirectives.parse(" FILE_SHA256 = " + SHA.toUpperCase() + " ");
    assertThat(d.cacheKey("http://o/x")).isEqualTo(SHA);
    assertThat(d.verifiableSha256()).contains(SHA);
  }

  @Test
  void noCacheWinsOverRetryCachingAndUnknownDirectivesAreIgnored() {
    CacheDirectives d = CacheDirectives.parse("use_cache,retry_caching,future_thing=1,no_cache");
    assertThat(d.noCache()).isTrue();
    assertThat(d.retryCaching()).isFalse();
  }

  @Test
  void withoutAValidShaTheKeyIsAHashOfTheUrl() {
    String url = "http://origin/data/a%20b";
    String expected = "URL_" + Fixtures.sha256(url.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(CacheDirectives.parse(null).cacheKey(url)).isEqualTo(expected);
    // hostile values must never become file names
    CacheDirectives bad = CacheDirectives.parse("file_sha256=../../etc/passwd,file_compression_alg=../x");
    assertThat(bad.fileSha256()).isEqualTo(Optional.empty());
    assertThat(bad.compressionAlg()).isEqualTo(Optional.empty());
    assertThat(bad.cacheKey(url)).isEqualTo(expected);
    assertThat(CacheDirectives.parse("file_sha256=" + SHA.substring(1)).cacheKey(url)).isEqualTo(expected);
  }
}
