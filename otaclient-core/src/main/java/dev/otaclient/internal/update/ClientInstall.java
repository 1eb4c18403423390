package dev.otaclient.internal.update;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.internal.fs.Fsync;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The installed client releases: {@code <dir>/releases/<version>/otaclient.jar}, and {@code current},
 * a symlink to the release the service runs. Installing writes the jar completely (temp file,
 * fsync, rename) before {@code current} is switched by renaming a new link over it, so a power cut
 * at any moment leaves the service starting either the old release or the new one, whole.
 */
final class ClientInstall {
  static final String JAR = "otaclient.jar";
  private final Path dir;

  ClientInstall(Path dir) {
    this.dir = dir;
  }

  /** The version {@code current} points at, if any. */
  Optional<String> currentVersion() {
    return AtomicFiles.readSymlink(dir.resolve("current")).map(p -> p.getFileName().toString());
  }

  /** Installs {@code jar} as release {@code version} and makes it current; returns the installed jar. */
  Path install(String version, Path jar) {
    Path release = dir.resolve("releases").resolve(version);
    Path target = release.resolve(JAR);
    try {
      Files.createDirectories(release);
      AtomicFiles.copy(jar, target);
      Fsync.directory(release);
      // relative, so the tree can be moved or mounted elsewhere as a whole
      AtomicFiles.replaceSymlink(dir.resolve("current"), Path.of("releases", version));
    } catch (IOException | UncheckedIOException e) {
      throw new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.GENERAL,
          "installing client release " + version + " into " + dir + ": " + e.getMessage(), e);
    }
    return target;
  }
}
