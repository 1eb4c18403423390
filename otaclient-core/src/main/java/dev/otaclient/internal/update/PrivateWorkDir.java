package dev.otaclient.internal.update;

import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where an update keeps what it fetched before the image is trusted: a fresh directory per update,
 * readable by this user only, outside both slots. A configured parent is never removed itself; only
 * the {@code update-*} directories this class made there (including those an interrupted update
 * left behind) are.
 */
final class PrivateWorkDir {
  private static final Logger log = LoggerFactory.getLogger(PrivateWorkDir.class);
  private static final String PREFIX = "update-";

  private PrivateWorkDir() {}

  static Path create(Optional<Path> parent) {
    try {
      if (parent.isEmpty()) {
        return Files.createTempDirectory("otaclient-" + PREFIX);
      }
      Path dir = parent.get();
      Files.createDirectories(dir);
      removeLeftovers(dir);
      return Files.createTempDirectory(dir, PREFIX);
    } catch (IOException e) {
      throw new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.GENERAL,
          "cannot create a private work directory" + parent.map(p -> " in " + p).orElse("") + ": " + e, e);
    }
  }

  private static void removeLeftovers(Path dir) throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, PREFIX + "*")) {
      for (Path p : entries) {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          log.info("removing {} left by an interrupted update", p);
          AtomicFiles.deleteTree(p);
        }
      }
    }
  }

  static void delete(Path dir) {
    try {
      AtomicFiles.deleteTree(dir);
    } catch (IOException | RuntimeException e) {
      log.warn("cannot remove the work directory {}: {}", dir, e.toString());
    }
  }
}
