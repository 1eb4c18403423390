package dev.otaclient.proxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What is replayed to clients besides the body, stored as a small sidecar text file next to the entry.
 *
 * @param size body length in bytes, or -1 while unknown (upstream sent no Content-Length)
 * @param contentType the upstream Content-Type, {@code application/octet-stream} when absent
 * @param contentEncoding the upstream Content-Encoding, if any (the proxy never decodes bodies)
 */
record EntryMeta(long size, String contentType, Optional<String> contentEncoding) {
  static final String DEFAULT_TYPE = "application/octet-stream";

  EntryMeta withSize(long newSize) {
    return new EntryMeta(newSize, contentType, contentEncoding);
  }

  String toSidecar() {
    StringBuilder sb = new StringBuilder();
    sb.append("size=").append(size).append('\n');
    sb.append("content-type=").append(contentType).append('\n');
    contentEncoding.ifPresent(e -> sb.append("content-encoding=").append(e).append('\n'));
    return sb.toString();
  }

  /** Reads a sidecar; a missing or unreadable one yields the defaults with an unknown size. */
  static EntryMeta readSidecar(Path file) {
    long size = -1;
    String type = DEFAULT_TYPE;
    String encoding = null;
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        int eq = line.indexOf('=');
        if (eq < 0) {
          continue;
        }
        String value = line.substring(eq + 1);
        switch (line.substring(0, eq)) {
          case "size" -> size = parseSize(value);
          case "content-type" -> type = value.isEmpty() ? DEFAULT_TYPE : value;
          case "content-encoding" -> encoding = value.isEmpty() ? null : value;
          default -> { }
        }
      }
    } catch (IOException e) {
      return new EntryMeta(-1, DEFAULT_TYPE, Optional.empty());
    }
    return new EntryMeta(size, type, Optional.ofNullable(encoding));
  }

  private static long parseSize(String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
