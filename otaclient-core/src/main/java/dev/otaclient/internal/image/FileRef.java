package dev.otaclient.internal.image;

import java.util.Objects;

/**
 * A file named by the signed metadata together with the SHA-256 its content must have.
 *
 * @param name path relative to the image root, as written in the claim (unquoted)
 * @param sha256 64 lower-case hex digits
 */
public record FileRef(String name, String sha256) {
  public FileRef {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(sha256, "sha256");
  }
}
