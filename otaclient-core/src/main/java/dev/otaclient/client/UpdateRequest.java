package dev.otaclient.client;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What to install: the image and the version to record. Checked when the update starts (by the same
 * rules the gRPC service applies), so a bad request fails {@link OtaClient#startUpdate} with a reason.
 *
 * @param image an {@code http(s)://} base URL, a directory, a {@code file:} URL, or a {@code .tar} /
 *     {@code .tar.zst} archive of the image
 * @param version the version to record; empty means the image location's name
 *     ({@code 2.0} for {@code https://h/images/2.0/}, {@code image-2.0} for {@code image-2.0.tar.zst})
 * @param cookies sent as one {@code Cookie} header with every HTTP request of the update
 */
public record UpdateRequest(String image, Optional<String> version, Map<String, String> cookies) {
  public UpdateRequest {
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(version, "version");
    cookies = Map.copyOf(Objects.requireNonNull(cookies, "cookies"));
  }

  /** Install {@code image}, recording its name as the version. */
  public static UpdateRequest of(String image) {
    return new UpdateRequest(image, Optional.empty(), Map.of());
  }

  public UpdateRequest withVersion(String v) {
    return new UpdateRequest(image, Optional.of(v), cookies);
  }

  public UpdateRequest withCookie(String name, String value) {
    Map<String, String> c = new LinkedHashMap<>(cookies);
    c.put(name, value);
    return new UpdateRequest(image, version, c);
  }
}
