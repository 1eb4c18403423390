package dev.otaclient.internal.image;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where an OTA image is, as a user or an update request gave it. {@link #parse} is the only place
 * that turns a string into a location, so "is this remote?", "is this scheme allowed?" and "what is
 * the base URL?" are answered once for the CLI, the gRPC service and the engine alike.
 *
 * <p>Accepted: {@code http://} and {@code https://} base URLs; {@code file:} URLs and plain paths,
 * which name a directory laid out like the server, a {@code .tar} / {@code .tar.zst} archive of it, or
 * the single-file ZIP artifact of an OTA image v1 ({@code .zip}). Any other {@code scheme://} is
 * refused rather than taken for a relative path.
 */
public sealed interface ImageLocation permits ImageLocation.Http, ImageLocation.Directory, ImageLocation.Tar,
    ImageLocation.Zip {
  /** Image locations are short; 8 KiB is the common HTTP request-line limit anyway. */
  int MAX_LENGTH = 8 * 1024;

  /** The text this location was parsed from, for messages and for the version default. */
  String text();

  /** True when files come over the network (a missing file may then be a transient failure). */
  default boolean isRemote() {
    return false;
  }

  /**
   * The last meaningful element of the location, archive extensions removed: {@code 2.0} for
   * {@code https://h/images/2.0/}, {@code image-2.0} for {@code /media/usb/image-2.0.tar.zst}.
   * Empty when there is none (a bare host).
   */
  String name();

  /**
   * Parses a location.
   *
   * @throws OtaException {@link ErrorCode#INVALID_UPDATE_REQUEST} naming what is wrong
   */
  static ImageLocation parse(String text) {
    if (text == null || text.isBlank()) {
      throw invalid("image location is empty");
    }
    if (text.length() > MAX_LENGTH) {
      throw invalid("image location is " + text.length() + " characters, more than " + MAX_LENGTH);
    }
    for (int i = 0; i < text.length(); i++) {
      if (Character.isISOControl(text.charAt(i))) {
        throw invalid("image location contains a control character at position " + i);
      }
    }
    String lower = text.toLowerCase(Locale.ROOT);
    if (lower.startsWith("http://") || lower.startsWith("https://")) {
      return Http.parse(text);
    }
    if (lower.startsWith("file:")) {
      Path path;
      try {
        path = Path.of(new URI(text));
      } catch (URISyntaxException | IllegalArgumentException | FileSystemNotFoundException e) {
        throw invalid("image location " + text + " is not a valid file: URL: " + e.getMessage());
      }
      return local(path, text);
    }
    if (Schemes.LOOKS_LIKE_URL.matcher(text).lookingAt()) {
      String scheme = text.substring(0, text.indexOf(':'));
      throw invalid("image location " + text + " has unsupported scheme '" + scheme
          + "' (use http, https, file, or a local path)");
    }
    try {
      return local(Path.of(text), text);
    } catch (InvalidPathException e) {
      throw invalid("image location " + text + " is not a valid path: " + e.getReason());
    }
  }

  /** As {@link #parse}, and the location must be an http(s) URL (what the Update RPC accepts). */
  static Http parseRemote(String text) {
    ImageLocation l = parse(text);
    if (l instanceof Http h) {
      return h;
    }
    throw invalid("image location " + text + " must be an http or https URL");
  }

  private static ImageLocation local(Path path, String text) {
    String file = path.getFileName() == null ? "" : path.getFileName().toString();
    String lowerFile = file.toLowerCase(Locale.ROOT);
    if (lowerFile.endsWith(Zip.SUFFIX) && lowerFile.length() > Zip.SUFFIX.length()) {
      return new Zip(path, text);
    }
    for (TarCompression c : TarCompression.values()) {
      if (lowerFile.endsWith(c.suffix) && lowerFile.length() > c.suffix.length()) {
        return new Tar(path, c, text);
      }
    }
    return new Directory(path, text);
  }

  private static OtaException invalid(String detail) {
    return new OtaException(ErrorCode.INVALID_UPDATE_REQUEST, ErrorModule.API, detail);
  }

  /**
   * An image on a plain HTTP(S) server.
   *
   * @param base the URL with exactly one trailing {@code /} on its path and no query or fragment, so
   *     relative names are appended below it
   */
  record Http(URI base, String text) implements ImageLocation {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    public Http {
      Objects.requireNonNull(base, "base");
      Objects.requireNonNull(text, "text");
    }

    static Http parse(String text) {
      URI uri;
      try {
        uri = new URI(text);
      } catch (URISyntaxException e) {
        throw invalid("image URL " + text + " is malformed: " + e.getReason());
      }
      if (uri.getRawAuthority() == null || uri.getHost() == null || uri.getHost().isEmpty()) {
        throw invalid("image URL " + text + " has no host");
      }
      if (uri.getRawUserInfo() != null) {
        // not echoed: it may hold a password
        throw invalid("image URL for host " + uri.getHost() + " must not carry credentials before the host"
            + " (user@ or user:password@): they are never sent; servers that need access take cookies");
      }
      if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
        throw invalid("image URL " + text + " must not have a query or fragment (names are appended to it)");
      }
      String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
      String path = uri.getRawPath() == null ? "" : uri.getRawPath();
      int end = path.length();
      while (end > 0 && path.charAt(end - 1) == '/') {
        end--;
      }
      return new Http(URI.create(scheme + "://" + uri.getRawAuthority() + path.substring(0, end) + "/"), text);
    }

    @Override
    public boolean isRemote() {
      return true;
    }

    @Override
    public String name() {
      String p = base.getPath();
      String trimmed = p.substring(0, p.length() - 1);
      return trimmed.substring(trimmed.lastIndexOf('/') + 1);
    }

    /**
     * The base requests are made against. Through a forward proxy the client always speaks plain
     * HTTP and the proxy decides how to reach the origin (this is what ota_proxy expects: it
     * upgrades to HTTPS itself when configured to).
     */
    public URI requestBase(Optional<InetSocketAddress> proxy) {
      if (proxy.isPresent() && base.getScheme().equals("https")) {
        return URI.create("http" + base.toString().substring("https".length()));
      }
      return base;
    }

    /** {@code base + quote(relativePath)}, the name quoted as the Python client does (reference §1.9). */
    public static URI resolve(URI requestBase, String relativePath) {
      return URI.create(requestBase.toString() + quote(relativePath));
    }

    /**
     * Percent-encodes like Python's {@code urllib.parse.quote(s, safe='/')}: ASCII letters, digits,
     * {@code _ . - ~} and {@code /} stay; every other UTF-8 byte becomes {@code %XX} (upper-case hex);
     * space is {@code %20}, never {@code +}.
     */
    public static String quote(String s) {
      byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
      StringBuilder sb = new StringBuilder(bytes.length + 16);
      for (byte b : bytes) {
        int c = b & 0xff;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || c == '_' || c == '.' || c == '-' || c == '~' || c == '/') {
          sb.append((char) c);
        } else {
          sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
        }
      }
      return sb.toString();
    }
  }

  /** An image laid out in a local directory exactly as on the server (e.g. a USB stick). */
  record Directory(Path path, String text) implements ImageLocation {
    public Directory {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(text, "text");
    }

    @Override
    public String name() {
      Path abs = path.toAbsolutePath().normalize();
      return abs.getFileName() == null ? "" : abs.getFileName().toString();
    }
  }

  /** How a tar archive of an image is compressed; named by the file's suffix. */
  enum TarCompression {
    ZSTD(".tar.zst"),
    NONE(".tar");

    final String suffix;

    TarCompression(String suffix) {
      this.suffix = suffix;
    }
  }

  /** An image packed in one tar archive, read in place. */
  record Tar(Path path, TarCompression compression, String text) implements ImageLocation {
    public Tar {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(compression, "compression");
      Objects.requireNonNull(text, "text");
    }

    @Override
    public String name() {
      String file = path.getFileName().toString();
      return file.substring(0, file.length() - compression.suffix.length());
    }
  }

  /** The single-file artifact of an OTA image v1: a ZIP whose entries are stored, read in place. */
  record Zip(Path path, String text) implements ImageLocation {
    static final String SUFFIX = ".zip";

    public Zip {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(text, "text");
    }

    @Override
    public String name() {
      String file = path.getFileName().toString();
      return file.substring(0, file.length() - SUFFIX.length());
    }
  }
}


/** Holder of the pattern (interfaces cannot have private static fields). */
final class Schemes {
  /** {@code scheme://}: RFC 3986 scheme characters followed by a double slash. */
  static final Pattern LOOKS_LIKE_URL = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://");

  private Schemes() {}
}
