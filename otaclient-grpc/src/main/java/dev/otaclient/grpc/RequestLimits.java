package dev.otaclient.grpc;

/**
 * Size limits the server applies before anything reaches the ECU tree. The tree re-validates
 * content (ids, URL scheme, cookies JSON); these bounds only keep a hostile or broken caller from
 * making us allocate, log or forward absurd amounts.
 *
 * @param maxInboundMessageBytes largest request message gRPC accepts (larger: RESOURCE_EXHAUSTED)
 * @param maxEntries most {@code ecu} entries in one Update/Rollback request (more: INVALID_ARGUMENT)
 * @param maxEcuIdLength longest ecu_id; longer cannot even be echoed back, so INVALID_ARGUMENT
 * @param maxVersionLength longest version string (longer: every entry RECOVERABLE)
 * @param maxUrlLength longest URL (longer: every entry RECOVERABLE)
 * @param maxCookiesLength longest cookies JSON text (longer: every entry RECOVERABLE)
 */
public record RequestLimits(
    int maxInboundMessageBytes,
    int maxEntries,
    int maxEcuIdLength,
    int maxVersionLength,
    int maxUrlLength,
    int maxCookiesLength) {

  public static final RequestLimits DEFAULT = new RequestLimits(1 << 20, 64, 256, 256, 8 * 1024, 64 * 1024);

  public RequestLimits {
    if (maxInboundMessageBytes <= 0 || maxEntries <= 0 || maxEcuIdLength <= 0 || maxVersionLength <= 0
        || maxUrlLength <= 0 || maxCookiesLength <= 0) {
      throw new IllegalArgumentException("request limits must be positive");
    }
  }
}
