package dev.otaclient.internal.update;

import dev.otaclient.internal.fetch.Cookies;
import dev.otaclient.internal.fetch.HttpSettings;
import dev.otaclient.internal.image.ImageLocation;
import dev.otaclient.status.VersionDetail;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * One local update: the version to record and where the image is. {@code image} is any location
 * {@link ImageLocation#parse} accepts: an {@code http(s)://} base URL, a {@code file:} URL, a
 * directory, or a {@code .tar}/{@code .tar.zst}. Checked by {@link RequestRules}.
 *
 * @param detail the request and release ids, recorded beside the version
 * @param maxDownloadRate this update's download cap in bytes per second, replacing the engine's
 *     ({@code 0}: none); empty keeps {@link UpdateSettings#http()}'s
 */
public record UpdateRequest(String version, String image, Cookies cookies, VersionDetail detail,
    OptionalLong maxDownloadRate) {
  public UpdateRequest {
    Objects.requireNonNull(cookies);
    Objects.requireNonNull(detail);
    Objects.requireNonNull(maxDownloadRate);
    RequestRules.require(RequestRules.version(version));
    RequestRules.require(RequestRules.image(image));
    RequestRules.require(RequestRules.detail(detail));
  }

  public UpdateRequest(String version, String image, Cookies cookies, VersionDetail detail) {
    this(version, image, cookies, detail, OptionalLong.empty());
  }

  public UpdateRequest(String version, String image, Cookies cookies) {
    this(version, image, cookies, VersionDetail.NONE);
  }

  /** From the wire form: cookies as a JSON object string. */
  public static UpdateRequest of(String version, String image, String cookiesJson) {
    RequestRules.require(RequestRules.localEntry(version, image, cookiesJson));
    return new UpdateRequest(version, image, Cookies.parse(cookiesJson));
  }

  public UpdateRequest withDetail(VersionDetail d) {
    return new UpdateRequest(version, image, cookies, d, maxDownloadRate);
  }

  public UpdateRequest withMaxDownloadRate(OptionalLong bytesPerSecond) {
    return new UpdateRequest(version, image, cookies, detail, bytesPerSecond);
  }

  /** The transport settings of this update: the engine's, with this request's cap when it has one. */
  public HttpSettings http(HttpSettings engine) {
    return maxDownloadRate.isPresent() ? engine.withBandwidthLimit(maxDownloadRate.getAsLong()) : engine;
  }

  /** Where the image is; {@link ImageLocation#parse} is the one place that decides. */
  public ImageLocation location() {
    return ImageLocation.parse(image);
  }
}
