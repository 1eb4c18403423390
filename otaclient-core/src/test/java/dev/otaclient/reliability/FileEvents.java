package dev.otaclient.reliability;

import dev.otaclient.internal.fs.TempNames;
import java.io.FilePermission;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Permission;
import java.util.Arrays;
import java.util.List;

/**
 * Reports the file writes of a crash probe as events ({@code WRITE <path>}, {@code DELETE <path>},
 * relative to the rig directory), synchronously, in the thread that writes: a security manager that
 * permits everything and only looks at the file-write checks the JDK makes before it creates, opens for
 * writing, renames onto (both ends are checked) or deletes a file. The temp files of atomic writes
 * ({@link TempNames}) are left out: their rename onto the target is the write. Directories that exist
 * already are left out too ({@code Files.createDirectories} checks them again each time).
 *
 * <p>The security manager is deprecated for removal but still works in Java 17; it is used in the child
 * JVM of the crash suites only, where nothing else depends on it.
 */
final class FileEvents extends SecurityManager {
  private static final ThreadLocal<Boolean> REPORTING = ThreadLocal.withInitial(() -> false);
  private final Path base;
  private final List<Path> watched;

  private FileEvents(Path base, List<Path> watched) {
    this.base = base;
    this.watched = watched;
  }

  /** Starts reporting the writes below {@code paths} (space-separated, relative to {@code base}); none: nothing. */
  @SuppressWarnings("removal")
  static void watch(Path base, String paths) {
    List<Path> watched = Arrays.stream(paths.split(" ")).filter(s -> !s.isEmpty()).map(base::resolve).toList();
    if (!watched.isEmpty()) {
      System.setSecurityManager(new FileEvents(base.toAbsolutePath(), watched));
    }
  }

  @Override
  public void checkPermission(Permission perm) {
    if (perm instanceof FilePermission f && (f.getActions().contains("write") || f.getActions().contains("delete"))) {
      report(f.getActions().contains("delete") ? "DELETE" : "WRITE", f.getName());
    }
  }

  @Override
  public void checkPermission(Permission perm, Object context) {
    checkPermission(perm);
  }

  private void report(String kind, String name) {
    if (REPORTING.get() || name.isEmpty() || name.equals("<<ALL FILES>>")) {
      return;
    }
    REPORTING.set(true); // the event's own work (printing, stopping) checks permissions too
    try {
      Path p = Path.of(name).toAbsolutePath().normalize();
      if (p.getFileName() == null || TempNames.isTemp(p.getFileName().toString())) {
        return;
      }
      if (watched.stream().noneMatch(p::startsWith) || (kind.equals("WRITE") && Files.isDirectory(p))) {
        return;
      }
      ProbeDevice.ev(kind, base.relativize(p).toString());
    } finally {
      REPORTING.set(false);
    }
  }
}
