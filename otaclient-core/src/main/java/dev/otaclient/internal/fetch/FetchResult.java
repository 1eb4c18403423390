package dev.otaclient.internal.fetch;

/**
 * Outcome of one successful fetch.
 *
 * @param wireBytes bytes received from the transport for the successful attempt (the compressed size
 *     for a zstd blob); this is what the {@code download_bytes} progress counter adds
 * @param writtenBytes decoded bytes written to the destination
 * @param failedAttempts attempts that failed and were retried before the successful one
 */
public record FetchResult(long wireBytes, long writtenBytes, int failedAttempts) {}
