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
import java.nio.file.DirectoryStream;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The installed client releases: {@code <dir>/releases/<version>/otaclient.jar}, and {@code current},
 * a symlink to the release the service runs. Installing writes the jar completely (temp file,
 * fsync, rename) before {@code current} is switched by renaming a new link over it, so a power cut
 * at any moment leaves the service starting either the old release or the new one, whole.
 */
final class ClientInstall {
  private static final Logger log = LoggerFactory.getLogger(ClientInstall.class);
  static final String JAR = "otaclient.jar";
  private final Path dir;

  ClientInstall(Path dir) {
    this.dir = dir;
  }

  /** The version {@code current} points at, if any. */
  Optional<String> currentVersion() {
    return AtomicFiles.readSymlink(dir.resolve("current")).map(p -> p.getFileName().toString());
  }

  /**
   * Installs {@code jar} as release {@code version}, makes it current, then removes every release but
   * the new one, the one current was before (the way back) and {@code running} (the release this
   * process runs, should it differ). Returns the installed jar.
   */
  Path install(String version, Path jar, String running) {
    Optional<String> previous = currentVersion();
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
    Set<String> keep = new HashSet<>(List.of(version, running));
    previous.ifPresent(keep::add);
    prune(keep);
    return target;
  }

  /**
   * Old releases are a full jar each, on a partition that is often small. Removing them only after
   * {@code current} was switched means a power cut never leaves current without its release; a
   * release that cannot be removed is only logged (the new one is installed all the same).
   */
  private void prune(Set<String> keep) {
    Path releases = dir.resolve("releases");
    try (DirectoryStream<Path> all = Files.newDirectoryStream(releases)) {
      for (Path r : all) {
        if (!keep.contains(r.getFileName().toString())) {
          try {
            AtomicFiles.deleteTree(r);
            log.info("client update: removed old release {}", r.getFileName());
          } catch (IOException | UncheckedIOException e) {
            log.warn("client update: cannot remove old release {}: {}", r, e.toString());
          }
        }
      }
    } catch (IOException e) {
      log.warn("client update: cannot list the releases in {}: {}", releases, e.toString());
    }
  }
}
