package dev.otaclient.update;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remembers which standby files are already complete, so a resumed update (same image after a crash,
 * power cut or failure) trusts them without hashing them again.
 *
 * <p>Crash safety: records are buffered, and a batch is appended only after the standby filesystem
 * was synced ({@code sync -f}), so the journal never claims a file whose data could still be lost.
 * Each line carries a CRC32; a torn last line is ignored. A record is trusted only while the file's
 * size, mtime and inode still match, so any later change to the file invalidates it.
 */
final class PlacementJournal implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PlacementJournal.class);
  private static final int BATCH = 2048;
  private static final long BATCH_NANOS = TimeUnit.SECONDS.toNanos(5);

  private record Rec(String sha256, long size, long mtimeNanos, Object fileKey) {}

  private final Path file;
  private final Path syncTarget;
  private final Map<String, Rec> trusted;
  private final List<String> pending = new ArrayList<>();
  private final Object flushLock = new Object();
  private long lastFlush = System.nanoTime();
  private FileChannel out;

  private PlacementJournal(Path file, Path syncTarget, Map<String, Rec> trusted) {
    this.file = file;
    this.syncTarget = syncTarget;
    this.trusted = trusted;
  }

  /**
   * Opens the journal for {@code imageId}; records of another image are discarded because the same
   * path may need different content.
   */
  static PlacementJournal open(Path file, String imageId, Path syncTarget) throws IOException {
    Map<String, Rec> recs = new HashMap<>();
    boolean sameImage = false;
    if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        String header = r.readLine();
        sameImage = header != null && header.equals("image " + imageId);
        String line;
        while (sameImage && (line = r.readLine()) != null) {
          parse(line, recs);
        }
      } catch (IOException | UncheckedIOException e) {
        log.warn("ignoring unreadable placement journal {}: {}", file, e.toString());
        recs.clear();
        sameImage = false;
      }
    }
    PlacementJournal j = new PlacementJournal(file, syncTarget, recs);
    if (!sameImage) {
      Files.deleteIfExists(file);
      j.openOut();
      j.writeLine("image " + imageId);
      j.out.force(true);
    } else {
      j.openOut();
      log.info("resuming: {} files of this image were already placed in the standby slot", recs.size());
    }
    return j;
  }

  private void openOut() throws IOException {
    out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
  }

  private static void parse(String line, Map<String, Rec> recs) {
    // crc \t sha \t size \t mtimeNanos \t dev:ino \t path
    String[] f = line.split("\t", 6);
    if (f.length != 6) {
      return;
    }
    CRC32 crc = new CRC32();
    crc.update(line.substring(f[0].length() + 1).getBytes(StandardCharsets.UTF_8));
    try {
      if (Long.parseLong(f[0], 16) != crc.getValue()) {
        return;
      }
      recs.put(f[5], new Rec(f[1], Long.parseLong(f[2]), Long.parseLong(f[3]), f[4]));
    } catch (NumberFormatException e) {
      // torn or foreign line
    }
  }

  int trustedCount() {
    return trusted.size();
  }

  /** True when {@code target} is recorded complete with {@code sha256} and unchanged since. */
  boolean isTrusted(String imagePath, String sha256, Path target, BasicFileAttributes attrs) {
    Rec r;
    synchronized (trusted) {
      r = trusted.get(imagePath);
    }
    return r != null && r.sha256.equals(sha256) && r.size == attrs.size()
        && r.mtimeNanos == mtimeNanos(attrs) && r.fileKey.equals(String.valueOf(attrs.fileKey()));
  }

  /** Records a file that was renamed into place with verified content. */
  void placed(String imagePath, String sha256, Path target) {
    try {
      BasicFileAttributes a = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      String body = sha256 + "\t" + a.size() + "\t" + mtimeNanos(a) + "\t" + a.fileKey() + "\t" + imagePath;
      CRC32 crc = new CRC32();
      crc.update(body.getBytes(StandardCharsets.UTF_8));
      boolean due;
      synchronized (pending) {
        pending.add(Long.toHexString(crc.getValue()) + "\t" + body);
        due = pending.size() >= BATCH || System.nanoTime() - lastFlush > BATCH_NANOS;
      }
      if (due) {
        flush();
      }
    } catch (IOException e) {
      // the journal only saves work on a resume; never fail the update because of it
      log.debug("journal: cannot record {}: {}", imagePath, e.toString());
    }
  }

  /**
   * Syncs the standby filesystem, then appends and fsyncs the records collected before the sync.
   * Workers keep placing files meanwhile: only the batch taken here is written, and one flush runs at
   * a time.
   */
  void flush() {
    synchronized (flushLock) {
      List<String> batch;
      synchronized (pending) {
        lastFlush = System.nanoTime();
        if (pending.isEmpty()) {
          return;
        }
        batch = new ArrayList<>(pending);
        pending.clear();
      }
      try {
        FilesystemSync.sync(syncTarget);
        StringBuilder sb = new StringBuilder();
        for (String l : batch) {
          sb.append(l).append('\n');
        }
        ByteBuffer b = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
          out.write(b);
        }
        out.force(true);
      } catch (IOException e) {
        // the records are dropped: those files are re-verified by hashing on a resume
        log.debug("journal: flush failed: {}", e.toString());
      }
    }
  }

  private void writeLine(String s) throws IOException {
    ByteBuffer b = ByteBuffer.wrap((s + "\n").getBytes(StandardCharsets.UTF_8));
    while (b.hasRemaining()) {
      out.write(b);
    }
  }

  private static long mtimeNanos(BasicFileAttributes a) {
    return a.lastModifiedTime().to(TimeUnit.NANOSECONDS);
  }

  @Override
  public void close() {
    flush();
    try {
      out.close();
    } catch (IOException e) {
      log.debug("journal close: {}", e.toString());
    }
  }

  /** Removes the journal, e.g. after the update completed. */
  void delete() {
    close();
    try {
      Files.deleteIfExists(file);
    } catch (NoSuchFileException e) {
      // fine
    } catch (IOException e) {
      log.debug("journal delete: {}", e.toString());
    }
  }
}
