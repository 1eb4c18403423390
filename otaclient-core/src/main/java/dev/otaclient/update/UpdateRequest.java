package dev.otaclient.update;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.fetch.Cookies;
import dev.otaclient.image.ImageLocation;
import java.util.Objects;

/**
 * One local update: the version to record and where the image is. {@code image} is an
 * {@code http(s)://} base URL, a {@code file://} URL, a directory, or a {@code .tar}/{@code .tar.zst}.
 */
public record UpdateRequest(String version, String image, Cookies cookies) {
  public static final int MAX_VERSION_LENGTH = 256;
  public static final int MAX_URL_LENGTH = 8192;

  public UpdateRequest {
    Objects.requireNonNull(cookies);
    if (version == null || version.length() > MAX_VERSION_LENGTH || version.chars().anyMatch(c -> c < 0x20)) {
      throw invalid("version must be at most " + MAX_VERSION_LENGTH + " printable characters");
    }
    if (image == null || image.isBlank() || image.length() > MAX_URL_LENGTH) {
      throw invalid("image URL or path must be 1.." + MAX_URL_LENGTH + " characters");
    }
  }

  /** From the wire form: cookies as a JSON object string. */
  public static UpdateRequest of(String version, String image, String cookiesJson) {
    return new UpdateRequest(version, image, Cookies.parse(cookiesJson));
  }

  /** Where the image is; {@link ImageLocation#parse} is the one place that decides. */
  public ImageLocation location() {
    return ImageLocation.parse(image);
  }

  private static OtaException invalid(String detail) {
    return new OtaException(ErrorCode.INVALID_UPDATE_REQUEST, ErrorModule.API, detail);
  }
}
