package dev.otaclient.internal.image;

/**
 * Validation of the absolute paths named by the list files. Image content is untrusted input: a
 * path such as {@code /usr/../../etc/shadow} must never reach the code that joins it onto the standby
 * mount point, so every path is checked here, once, when its line is parsed.
 */
public final class ImagePath {
  /** Linux {@code PATH_MAX}, which counts bytes and includes the terminating NUL's slot. */
  public static final int MAX_PATH_BYTES = 4096;

  private ImagePath() {}

  /** Returns the path unchanged if valid, else IllegalArgumentException with the reason. */
  public static String check(String path) {
    if (path == null || path.isEmpty()) {
      throw new IllegalArgumentException("empty path");
    }
    if (utf8Length(path) > MAX_PATH_BYTES) {
      throw new IllegalArgumentException("path longer than " + MAX_PATH_BYTES + " bytes");
    }
    if (path.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("path contains NUL: " + describe(path));
    }
    if (path.charAt(0) != '/') {
      throw new IllegalArgumentException("path is not absolute: " + describe(path));
    }
    if (path.length() == 1) {
      throw new IllegalArgumentException("path is the root directory itself");
    }
    if (path.charAt(path.length() - 1) == '/') {
      throw new IllegalArgumentException("path ends with '/': " + describe(path));
    }
    int start = 1;
    while (start <= path.length()) {
      int end = path.indexOf('/', start);
      if (end < 0) {
        end = path.length();
      }
      int len = end - start;
      if (len == 0) {
        throw new IllegalArgumentException("path has an empty component ('//'): " + describe(path));
      }
      if (len == 1 && path.charAt(start) == '.') {
        throw new IllegalArgumentException("path has a '.' component: " + describe(path));
      }
      if (len == 2 && path.charAt(start) == '.' && path.charAt(start + 1) == '.') {
        throw new IllegalArgumentException("path has a '..' component: " + describe(path));
      }
      start = end + 1;
    }
    return path;
  }

  /**
   * Why {@code relative}, a path below an image's root as a source is asked for it ({@code data/etc/x}),
   * is not one the image format allows; null when it is. The rules are exactly those of
   * {@link #check}: a source must serve every name a list may hold (tab and other control characters,
   * quotes, {@code %2F}, any Unicode) and nothing that leaves the image.
   */
  public static String relativeDefect(String relative) {
    if (relative.startsWith("/")) {
      return "is absolute";
    }
    for (String segment : relative.split("/", -1)) {
      if (segment.equals("..")) {
        return "leaves the image root";
      }
    }
    try {
      check("/" + relative);
      return null;
    } catch (IllegalArgumentException e) {
      String m = e.getMessage();
      return m.startsWith("path ") ? m.substring(5) : m;
    }
  }

  /** Number of bytes {@code s} takes in UTF-8, without encoding it. */
  static int utf8Length(String s) {
    int bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  /**
   * A value quoted for an error message: control characters escaped so a hostile name cannot forge
   * log lines, and cut short so a 64 KiB field does not flood the log.
   */
  public static String describe(String value) {
    int limit = 200;
    StringBuilder sb = new StringBuilder(Math.min(value.length(), limit) + 8).append('"');
    for (int i = 0; i < value.length() && i < limit; i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        sb.append(String.format("\\x%02x", (int) c));
      } else if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else {
        sb.append(c);
      }
    }
    if (value.length() > limit) {
      sb.append("...");
    }
    return sb.append('"').toString();
  }
}
