package dev.otaclient.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A tmpfs of a given size mounted on a directory for one test: a filesystem whose fill level the test
 * decides, rather than whatever the machine's disk holds that day. Needs root; without it the test
 * is skipped with the reason. {@link #close()} unmounts (lazily, so a file a daemon still holds open
 * does not keep it mounted); close before the directory is deleted.
 */
public final class Tmpfs implements AutoCloseable {
  private final Path dir;
  private boolean mounted;

  private Tmpfs(Path dir) {
    this.dir = dir;
  }

  /**
   * Mounts a tmpfs on {@code dir} (created if absent) with {@code options}, e.g. {@code "size=16m"}.
   * Skips the calling test when not root.
   */
  public static Tmpfs mount(Path dir, String options) {
    assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
    Tmpfs fs = new Tmpfs(dir);
    try {
      Files.createDirectories(dir);
      String out = run("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString());
      if (!"tmpfs".equals(Files.getFileStore(dir).type())) {
        throw new IllegalStateException("mount -t tmpfs -o " + options + " on " + dir + " failed: " + out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    fs.mounted = true;
    return fs;
  }

  public Path dir() {
    return dir;
  }

  @Override
  public void close() {
    if (mounted) {
      mounted = false;
      try {
        run("umount", "-l", dir.toString());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static String run(String... command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not finish in 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + String.join(" ", command), e);
    }
    return out.trim();
  }
}
