package dev.otaclient.proxy;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads how full the cache filesystem is. Each call is one {@code statvfs}, cheap enough to ask at
 * every megabyte written, so decisions use fresh numbers rather than a sample seconds old.
 */
final class SpaceGuard {
  enum Level { NORMAL, SOFT, HARD }

  private static final Logger LOG = LoggerFactory.getLogger(SpaceGuard.class);

  private final FileStore store;
  private final double soft;
  private final double hard;

  SpaceGuard(Path dir, double soft, double hard) throws IOException {
    this.store = Files.getFileStore(dir);
    this.soft = soft;
    this.hard = hard;
  }

  /**
   * Share of the filesystem in use, counting blocks reserved for root as used: the cache must not
   * eat the reserve that keeps the rest of the system alive.
   */
  double usage() throws IOException {
    long total = store.getTotalSpace();
    if (total <= 0) {
      return 1.0;
    }
    return (double) (total - store.getUsableSpace()) / total;
  }

  Level level() {
    try {
      double used = usage();
      return used >= hard ? Level.HARD : used >= soft ? Level.SOFT : Level.NORMAL;
    } catch (IOException e) {
      // Unknown space is treated as no space: never risk filling the disk.
      LOG.warn("cannot read cache filesystem usage: {}", e.toString());
      return Level.HARD;
    }
  }

  boolean belowSoft() {
    return level() == Level.NORMAL;
  }
}
