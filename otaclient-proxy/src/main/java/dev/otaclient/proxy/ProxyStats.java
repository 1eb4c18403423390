package dev.otaclient.proxy;

/**
 * Counters since the proxy started.
 *
 * @param hits requests answered from the cache, including those that streamed from a transfer
 *     another request had started
 * @param misses cacheable requests that had to go upstream
 * @param upstreamRequests every request sent upstream (misses, {@code no_cache}, uncached fallbacks)
 * @param bytesFromUpstream body bytes received from upstream
 * @param bytesServed body bytes sent to clients
 */
public record ProxyStats(long hits, long misses, long upstreamRequests, long bytesFromUpstream, long bytesServed) {}
