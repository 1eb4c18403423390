package dev.otaclient.grpc;

/**
 * Transport bounds the server applies before a request reaches the ECU tree: they only keep a
 * hostile or broken caller from making us allocate or forward absurd amounts. What an entry may
 * contain (ids, versions, URLs, cookies) is not checked here but by the tree, with
 * {@link dev.otaclient.internal.update.RequestRules}, as for every other caller.
 *
 * @param maxInboundMessageBytes largest request message gRPC accepts (larger: RESOURCE_EXHAUSTED)
 * @param maxEntries most {@code ecu} entries in one Update, ClientUpdate, Rollback or Abort request (more:
 *     INVALID_ARGUMENT)
 */
public record RequestLimits(int maxInboundMessageBytes, int maxEntries) {

  public static final RequestLimits DEFAULT = new RequestLimits(1 << 20, 64);

  public RequestLimits {
    if (maxInboundMessageBytes <= 0 || maxEntries <= 0) {
      throw new IllegalArgumentException("request limits must be positive");
    }
  }
}
