package dev.otaclient.cli;

import dev.otaclient.internal.image.ListLines;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code --persistents} file of {@code image build}: one absolute path per line, either quoted as
 * in an image's own {@code persistents.txt} ({@code '/etc/hosts'}, the form TIER IV's generator takes)
 * or plain ({@code /etc/hosts}). Blank lines and lines starting with {@code #} are skipped.
 */
final class PersistentsFile {
  private PersistentsFile() {}

  static List<String> read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (CharacterCodingException e) {
      throw CliFailure.usage("--persistents " + file + ": not UTF-8 text");
    } catch (IOException e) {
      throw CliFailure.usage("--persistents " + file + ": cannot read: " + ErrorLine.of(e).reason());
    }
    List<String> paths = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      try {
        // quoted lines follow the image's own list syntax (with its '\'' escape); the parser checks the path
        paths.add(line.startsWith("'") ? ListLines.parsePersistent(line).path() : plain(line));
      } catch (RuntimeException e) {
        throw CliFailure.usage("--persistents " + file + ":" + (i + 1) + ": " + e.getMessage());
      }
    }
    return paths;
  }

  private static String plain(String line) {
    if (!line.startsWith("/")) {
      throw new IllegalArgumentException("'" + line + "' is not an absolute path");
    }
    return line;
  }
}
