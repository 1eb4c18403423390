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

  /** Bytes in use and the capacity they are a share of, as {@code df} counts them. */
  private record Space(long used, long capacity) {}

  /**
   * Blocks reserved for root (or otherwise unavailable) are outside the capacity, so 100 % means
   * nothing is left for ordinary writers and the limits keep the cache well away from the reserve.
   * Dividing by the raw total instead would call a disk full whose capacity is partly unavailable.
   */
  private Space space() throws IOException {
    long total = store.getTotalSpace();
    long used = total - store.getUnallocatedSpace();
    return new Space(used, used + store.getUsableSpace());
  }

  /** Share of the filesystem in use as {@code df} reports it: used / (used + available to users). */
  double usage() throws IOException {
    Space s = space();
    if (s.capacity() <= 0) {
      return 1.0;
    }
    return (double) s.used() / s.capacity();
  }

  /**
   * How many bytes must be freed for usage to fall below the soft limit (0 or less when it is below);
   * {@link Long#MAX_VALUE} when usage cannot be read.
   */
  long bytesAboveSoft() {
    try {
      Space s = space();
      return s.used() - (long) Math.floor(soft * s.capacity());
    } catch (IOException e) {
      LOG.warn("cannot read cache filesystem usage: {}", e.toString());
      return Long.MAX_VALUE;
    }
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
