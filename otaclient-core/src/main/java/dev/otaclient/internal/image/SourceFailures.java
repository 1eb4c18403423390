package dev.otaclient.internal.image;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fetch.FetchFailure;

/**
 * What a failed fetch means for an update, decided in one place for every kind of source: the same
 * transport failure is a network problem for a blob on a server, a broken image for a file on a USB
 * stick, and an unreadable image for its lists.
 */
final class SourceFailures {
  private SourceFailures() {}

  /** The role of the file that could not be had. */
  enum Role { METADATA, LIST, BLOB }

  static OtaException of(FetchFailure f, Role role, String name, ImageLocation where) {
    boolean remote = where.isRemote();
    FetchFailure.Kind kind = f.kind();
    if (kind == FetchFailure.Kind.INTERRUPTED) {
      return new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.DOWNLOADER, f.getMessage(), f);
    }
    switch (role) {
      case METADATA:
        if (kind == FetchFailure.Kind.CONTENT) {
          return new OtaException(ErrorCode.BASE_METADATA_VERIFICATION, ErrorModule.API,
              name + " from " + where.text() + " is " + f.reason(), f);
        }
        if (kind == FetchFailure.Kind.NOT_FOUND) {
          if (!remote) {
            // a local path that is not an OTA image: asking again will not help, the request is wrong
            return new OtaException(ErrorCode.INVALID_UPDATE_REQUEST, ErrorModule.API,
                name + " not found in image " + where.text() + ": not an OTA image", f);
          }
          // the server answered, and there is no image (or not this file of it) at that URL: retrying the
          // network will not help, so this is the metadata-download failure (101), not a network one (100)
          return new OtaException(ErrorCode.METADATA_DOWNLOAD, ErrorModule.DOWNLOADER,
              "no OTA image at " + where.text() + ": " + name + " not found (" + f.where() + ": " + f.reason() + ")", f);
        }
        // a refusal (401/403/...) is the server's final word too; only an unavailable server is the network
        boolean network = remote && kind == FetchFailure.Kind.UNAVAILABLE;
        return new OtaException(network ? ErrorCode.NETWORK : ErrorCode.METADATA_DOWNLOAD, ErrorModule.DOWNLOADER,
            "cannot fetch " + name + " from " + where.text() + ": " + f.reason(), f);
      case LIST:
        if (kind == FetchFailure.Kind.CONTENT) {
          return new OtaException(ErrorCode.METADATA_VERIFICATION, ErrorModule.DOWNLOADER,
              "list " + name + " from " + where.text() + " is not the one metadata.jwt signed: " + f.reason(), f);
        }
        // reference §2.10: a list that cannot be fetched is "OTA meta download failed" (101)
        return new OtaException(ErrorCode.METADATA_DOWNLOAD, ErrorModule.DOWNLOADER,
            "cannot fetch list " + name + " from " + where.text() + ": " + f.reason(), f);
      default:
        if (kind == FetchFailure.Kind.UNAVAILABLE && remote) {
          return new OtaException(ErrorCode.NETWORK, ErrorModule.DOWNLOADER, f.getMessage(), f);
        }
        return new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.DOWNLOADER, f.getMessage(), f);
    }
  }
}
