package dev.otaclient.internal.fetch;

/**
 * Progress callbacks of a fetch. All methods are called from the fetching thread, possibly from many
 * threads at once, so implementations must be thread-safe and cheap.
 */
public interface FetchListener {
  FetchListener NONE = new FetchListener() {};

  /** A failed attempt that will be retried; {@code attempt} is the 1-based number of the failed attempt. */
  default void onRetry(BlobRequest request, int attempt, Exception cause) {}

  /** Raw bytes just received from the transport (any attempt); called once per chunk. */
  default void onBytes(long wireBytes) {}
}
