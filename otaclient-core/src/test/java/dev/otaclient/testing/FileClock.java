package dev.otaclient.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

/**
 * The clock that stamps files. File systems take their times from a coarse kernel clock (one tick is
 * 1 to 10 ms), so two changes a few milliseconds apart can carry the same time; a test that needs a
 * later time waits for the clock to tick instead of sleeping "long enough".
 */
public final class FileClock {
  private FileClock() {}

  /**
   * Returns once a file changed from now on gets a modification and change time later than those
   * {@code file} has now, and {@link System#currentTimeMillis()} has moved past its value at the call.
   * Probes with a temporary file next to {@code file} (the same file system).
   */
  public static void tickPast(Path file) {
    long calledAt = System.currentTimeMillis();
    FileTime ref = newest(file);
    Path probe;
    try {
      probe = Files.createTempFile(file.toAbsolutePath().getParent(), ".clock-", ".probe");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      Await.until("the file clock to pass " + ref + " (" + file + ")", () -> {
        try {
          Files.write(probe, new byte[] {1});
          return newest(probe).compareTo(ref) > 0 && System.currentTimeMillis() > calledAt;
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } finally {
      try {
        Files.deleteIfExists(probe);
      } catch (IOException ignored) {
        // a stray probe in a temp directory is harmless
      }
    }
  }

  private static FileTime newest(Path p) {
    try {
      FileTime m = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
      FileTime c = (FileTime) Files.getAttribute(p, "unix:ctime", LinkOption.NOFOLLOW_LINKS);
      return m.compareTo(c) >= 0 ? m : c;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
