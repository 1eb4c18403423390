package dev.otaclient.internal.update;

import dev.otaclient.internal.fetch.HttpSettings;
import dev.otaclient.internal.fetch.RetryPolicy;
import dev.otaclient.internal.image.CaStore;
import dev.otaclient.internal.image.TrustPolicy;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Engine settings.
 *
 * @param caStore CA chains the image's signing certificate must chain to
 * @param trustPolicy what to do with no CA installed (refuse unless explicitly insecure)
 * @param http proxy and timeouts
 * @param retry download retry policy and no-success budget
 * @param workers threads for copying, hashing and writing files
 * @param downloadConcurrency concurrent HTTP transfers
 * @param workDir a private directory (on this ECU, outside both slots) where the lists are fetched,
 *     verified and planned before anything touches the standby; empty for a fresh temporary directory
 * @param clientUpdate where ClientUpdate installs a client release and how it restarts the client
 * @param releaseKey which payload of an OTA image v1 this ECU installs besides its id: {@code dev}
 *     (TIER IV's default) or {@code prd}
 */
public record UpdateSettings(CaStore caStore, TrustPolicy trustPolicy, HttpSettings http, RetryPolicy retry,
    int workers, int downloadConcurrency, Optional<Path> workDir, ClientUpdateSettings clientUpdate,
    String releaseKey) {
  public UpdateSettings {
    Objects.requireNonNull(caStore);
    Objects.requireNonNull(trustPolicy);
    Objects.requireNonNull(http);
    Objects.requireNonNull(retry);
    Objects.requireNonNull(workDir);
    Objects.requireNonNull(clientUpdate);
    Objects.requireNonNull(releaseKey);
    if (workers < 1 || downloadConcurrency < 1) {
      throw new IllegalArgumentException("workers and downloadConcurrency must be >= 1");
    }
  }

  /**
   * Defaults sized from the core count: I/O-bound work wants more threads than cores, and a download
   * occupies a worker while it runs, so there are at least as many workers as concurrent downloads
   * (with fewer, the benchmark saw only 4 of 8 download permits ever used).
   */
  public static UpdateSettings defaults(CaStore caStore) {
    int cores = Runtime.getRuntime().availableProcessors();
    int downloads = Math.max(4, Math.min(16, cores * 4));
    return new UpdateSettings(caStore, TrustPolicy.REQUIRE_CA, HttpSettings.defaults(), RetryPolicy.defaults(),
        Math.max(downloads, cores * 2), downloads, Optional.empty(), ClientUpdateSettings.defaults(), "dev");
  }

  public UpdateSettings withTrustPolicy(TrustPolicy p) {
    return new UpdateSettings(caStore, p, http, retry, workers, downloadConcurrency, workDir, clientUpdate, releaseKey);
  }

  public UpdateSettings withHttp(HttpSettings h) {
    return new UpdateSettings(caStore, trustPolicy, h, retry, workers, downloadConcurrency, workDir, clientUpdate, releaseKey);
  }

  public UpdateSettings withRetry(RetryPolicy r) {
    return new UpdateSettings(caStore, trustPolicy, http, r, workers, downloadConcurrency, workDir, clientUpdate, releaseKey);
  }

  public UpdateSettings withWorkDir(Path dir) {
    return new UpdateSettings(caStore, trustPolicy, http, retry, workers, downloadConcurrency, Optional.of(dir), clientUpdate, releaseKey);
  }

  public UpdateSettings withClientUpdate(ClientUpdateSettings c) {
    return new UpdateSettings(caStore, trustPolicy, http, retry, workers, downloadConcurrency, workDir, c, releaseKey);
  }

  public UpdateSettings withThreads(int newWorkers, int newDownloadConcurrency) {
    return new UpdateSettings(caStore, trustPolicy, http, retry, newWorkers, newDownloadConcurrency, workDir, clientUpdate, releaseKey);
  }

  public UpdateSettings withReleaseKey(String key) {
    return new UpdateSettings(caStore, trustPolicy, http, retry, workers, downloadConcurrency, workDir, clientUpdate, key);
  }
}
