package dev.otaclient.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A {@code --cookies} value: JSON text, or {@code @file} to read it from a file. */
final class CookieArg {
  private CookieArg() {}

  static String read(String arg) {
    if (arg != null && arg.startsWith("@")) {
      try {
        return Files.readString(Path.of(arg.substring(1)), StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new CliFailure("cannot read cookies from " + arg.substring(1) + ": " + e.getMessage(), 2);
      }
    }
    return arg;
  }
}
