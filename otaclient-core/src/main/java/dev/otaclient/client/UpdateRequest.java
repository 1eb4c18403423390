package dev.otaclient.client;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What to install: the image and the version to record. Checked when the update starts (by the same
 * rules the gRPC service applies), so a bad request fails {@link OtaClient#startUpdate} with a reason.
 *
 * @param image an {@code http(s)://} base URL, a directory, a {@code file:} URL, or a {@code .tar} /
 *     {@code .tar.zst} archive of the image
 * @param version the version to record; empty means the image location's name
 *     ({@code 2.0} for {@code https://h/images/2.0/}, {@code image-2.0} for {@code image-2.0.tar.zst})
 * @param cookies sent as one {@code Cookie} header with every HTTP request of the update
 * @param maxDownloadRate a download cap in bytes per second for this update only, replacing the
 *     client's ({@link OtaClient.Builder#maxDownloadRate}); {@code 0} lifts the client's cap; empty
 *     keeps the client's setting
 */
public record UpdateRequest(String image, Optional<String> version, Map<String, String> cookies,
    OptionalLong maxDownloadRate) {
  public UpdateRequest {
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(version, "version");
    cookies = Map.copyOf(Objects.requireNonNull(cookies, "cookies"));
    Objects.requireNonNull(maxDownloadRate, "maxDownloadRate");
    if (maxDownloadRate.isPresent() && maxDownloadRate.getAsLong() < 0) {
      throw new IllegalArgumentException("maxDownloadRate must not be negative: " + maxDownloadRate.getAsLong());
    }
  }

  public UpdateRequest(String image, Optional<String> version, Map<String, String> cookies) {
    this(image, version, cookies, OptionalLong.empty());
  }

  /** Install {@code image}, recording its name as the version. */
  public static UpdateRequest of(String image) {
    return new UpdateRequest(image, Optional.empty(), Map.of());
  }

  public UpdateRequest withVersion(String v) {
    return new UpdateRequest(image, Optional.of(v), cookies, maxDownloadRate);
  }

  public UpdateRequest withCookie(String name, String value) {
    Map<String, String> c = new LinkedHashMap<>(cookies);
    c.put(name, value);
    return new UpdateRequest(image, version, c, maxDownloadRate);
  }

  /**
   * Caps this update's downloads at {@code bytesPerSecond} over all connections, whatever the client
   * was built with; {@code 0} downloads this update without a cap.
   */
  public UpdateRequest withMaxDownloadRate(long bytesPerSecond) {
    return new UpdateRequest(image, version, cookies, OptionalLong.of(bytesPerSecond));
  }
}
