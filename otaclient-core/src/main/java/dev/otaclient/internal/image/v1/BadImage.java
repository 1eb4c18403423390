package dev.otaclient.internal.image.v1;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;

/**
 * The errors of a v1 image whose signed content is wrong: one place decides their codes. A signature
 * or chain that does not verify is BASE_METADATA_VERIFICATION (208); anything the signature vouches
 * for that turns out malformed or inconsistent is METADATA_VERIFICATION (205).
 */
final class BadImage {
  private BadImage() {}

  static OtaException untrusted(String detail) {
    return new OtaException(ErrorCode.BASE_METADATA_VERIFICATION, ErrorModule.API, detail);
  }

  static OtaException untrusted(String detail, Throwable cause) {
    return new OtaException(ErrorCode.BASE_METADATA_VERIFICATION, ErrorModule.API, detail, cause);
  }

  static OtaException metadata(String detail) {
    return new OtaException(ErrorCode.METADATA_VERIFICATION, ErrorModule.DOWNLOADER, detail);
  }

  static OtaException metadata(String detail, Throwable cause) {
    return new OtaException(ErrorCode.METADATA_VERIFICATION, ErrorModule.DOWNLOADER, detail, cause);
  }

  /** Rootfs content that the tables describe but the image cannot deliver as described. */
  static OtaException content(String detail) {
    return new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.DOWNLOADER, detail);
  }

  static OtaException content(String detail, Throwable cause) {
    return new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.DOWNLOADER, detail, cause);
  }
}
