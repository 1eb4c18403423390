package dev.otaclient.image;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.fetch.Cookies;
import dev.otaclient.fetch.HttpSettings;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Picks the {@link ImageSource} for an image location given by a user or an update request. */
public final class ImageSources {
  private ImageSources() {}

  /**
   * {@code http(s)://…} gives an {@link HttpImageSource}; {@code file://…} or a plain path to a directory
   * gives a {@link DirectoryImageSource}; a path ending {@code .tar} or {@code .tar.zst} gives a
   * {@link TarImageSource}. Cookies and HTTP settings only matter for HTTP (null means none/defaults).
   *
   * @throws OtaException INVALID_UPDATE_REQUEST when the location is malformed or cannot be opened
   */
  public static ImageSource open(String urlOrPath, Cookies cookies, HttpSettings http) {
    if (urlOrPath == null || urlOrPath.isBlank()) {
      throw invalid("image location is empty", null);
    }
    String lower = urlOrPath.toLowerCase(Locale.ROOT);
    if (lower.startsWith("http://") || lower.startsWith("https://")) {
      try {
        return new HttpImageSource(URI.create(urlOrPath), cookies == null ? Cookies.none() : cookies,
            http == null ? HttpSettings.defaults() : http);
      } catch (IllegalArgumentException e) {
        throw invalid("image URL " + urlOrPath + " is malformed: " + e.getMessage(), e);
      }
    }
    Path path;
    try {
      path = lower.startsWith("file:") ? Path.of(URI.create(urlOrPath)) : Path.of(urlOrPath);
    } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
      throw invalid("image location " + urlOrPath + " is neither an http(s) URL nor a local path", e);
    }
    String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
    try {
      if (name.endsWith(".tar") || name.endsWith(".tar.zst")) {
        return TarImageSource.open(path);
      }
      if (Files.isDirectory(path)) {
        return new DirectoryImageSource(path);
      }
    } catch (IOException e) {
      throw invalid("cannot open image " + path + ": " + e.getMessage(), e);
    }
    throw invalid("image location " + urlOrPath + " is not an http(s) URL, a directory, or a .tar/.tar.zst file", null);
  }

  private static OtaException invalid(String detail, Throwable cause) {
    return new OtaException(ErrorCode.INVALID_UPDATE_REQUEST, ErrorModule.API, detail, cause);
  }
}
