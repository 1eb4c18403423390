package dev.otaclient.internal.image;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fetch.Cookies;
import dev.otaclient.internal.fetch.HttpSettings;
import dev.otaclient.internal.fetch.RetryPolicy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/** Opens the {@link ImageSource} for a parsed {@link ImageLocation}. */
public final class ImageSources {
  private ImageSources() {}

  /**
   * Opens a source. Cookies, HTTP settings, the retry policy and the connection count only matter
   * for an http(s) image; {@code scratch} only for a {@code .tar.zst}, which is decompressed there
   * (null: {@code java.io.tmpdir}). The copy is deleted when the source is closed.
   *
   * @throws OtaException INVALID_UPDATE_REQUEST when a local location does not exist or is not readable
   */
  public static ImageSource open(ImageLocation location, Cookies cookies, HttpSettings http, RetryPolicy retry,
                                 int maxConnections, Path scratch) {
    Objects.requireNonNull(location, "location");
    try {
      if (location instanceof ImageLocation.Http h) {
        return new HttpImageSource(h, cookies == null ? Cookies.none() : cookies, http, retry, maxConnections);
      }
      if (location instanceof ImageLocation.Zip z) {
        return ZipImageSource.open(z);
      }
      if (location instanceof ImageLocation.Tar t) {
        return TarImageSource.open(t, scratch);
      }
      return new DirectoryImageSource((ImageLocation.Directory) location);
    } catch (IOException e) {
      throw new OtaException(ErrorCode.INVALID_UPDATE_REQUEST, ErrorModule.API,
          "cannot open image " + location.text() + ": " + describe(location, e), e);
    }
  }

  /** With default HTTP settings, retry policy and four connections: for tools that read an image once. */
  public static ImageSource open(ImageLocation location, Cookies cookies) {
    return open(location, cookies, HttpSettings.defaults(), RetryPolicy.defaults(), 4, null);
  }

  private static String describe(ImageLocation location, IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException n && location.text().equals(n.getFile())) {
      return "no such file or directory";
    }
    if (e instanceof java.nio.file.NotDirectoryException) {
      return "not a directory, .tar, .tar.zst or .zip";
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }
}
