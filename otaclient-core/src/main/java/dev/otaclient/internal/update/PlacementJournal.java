package dev.otaclient.internal.update;

import dev.otaclient.internal.fs.Fsync;
import dev.otaclient.internal.fs.Sha256;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Placement records: which standby files hold which content, so neither a resumed update nor the next
 * update of any image hashes them again.
 *
 * <p>One record per file: path, sha256, and the file's size, mtime, ctime, device and inode as
 * {@code lstat} showed them after the file was final (content, links and attributes). A record is
 * trusted only while {@code lstat} still shows exactly those values and the new image wants that same
 * sha256; any write, chmod, chown, link or rename changes ctime, which user space cannot set back.
 *
 * <p>During a build the records go to the journal ({@code /.ota-work/journal}). Crash safety: records
 * are buffered, and a batch is appended only after the standby filesystem was synced
 * ({@code sync -f}), so the journal never claims a file whose data could still be lost; a batch made
 * only of records that an earlier record already vouched for, unchanged (a kept file of an in-place
 * update), needs no sync, because that earlier record was itself written after one. Each line
 * carries a CRC32; a torn or corrupt line is ignored (that file is hashed instead). When the build
 * completes, the journal becomes the slot manifest ({@link #promoteTo}), renamed into the slot so it
 * survives the removal of the work area; the next in-place update loads both.
 */
final class PlacementJournal implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PlacementJournal.class);
  /** First line of a journal or manifest; files of another format are ignored. */
  static final String HEADER = "otaclient-placements 1";
  private static final int BATCH = 2048;
  private static final long BATCH_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final Path file;
  private final Path syncTarget;
  private final PlacementRecords trusted;
  private final FilesystemSync sync;
  private final List<byte[]> pending = new ArrayList<>();
  /** Whether a pending record is of a file written since the last sync (guarded by pending). */
  private boolean pendingUnsynced;
  private final Object flushLock = new Object();
  private long lastFlush = System.nanoTime();
  private FileChannel out;

  /** Makes everything written to a filesystem durable ({@link Fsync#filesystem} outside tests). */
  interface FilesystemSync {
    void sync(Path anyPathOnFs) throws IOException;
  }

  private PlacementJournal(Path file, Path syncTarget, PlacementRecords trusted, FilesystemSync sync) {
    this.file = file;
    this.syncTarget = syncTarget;
    this.trusted = trusted;
    this.sync = sync;
  }

  /**
   * Loads the records of the slot manifest (when given and present) and of an existing journal, and
   * opens the journal to append. Records need no image identity: a record only vouches for a sha256,
   * which must equal the new image's.
   *
   * @param manifest the slot's manifest of its last completed build, or null (fresh standby)
   */
  static PlacementJournal open(Path file, Path manifest, Path syncTarget) throws IOException {
    return open(file, manifest, syncTarget, Fsync::filesystem);
  }

  static PlacementJournal open(Path file, Path manifest, Path syncTarget, FilesystemSync sync) throws IOException {
    PlacementRecords recs = new PlacementRecords();
    int fromManifest = manifest == null ? 0 : load(manifest, recs);
    int fromJournal = load(file, recs);
    recs.seal();
    PlacementJournal j = new PlacementJournal(file, syncTarget, recs, sync);
    if (fromJournal < 0) {
      Files.deleteIfExists(file);
      j.openOut();
      j.write(HEADER + "\n");
      j.out.force(true);
    } else {
      j.openOut();
      // a torn last line must not swallow the first record appended now
      if (j.out.size() > 0 && !endsWithNewline(file)) {
        j.write("\n");
      }
      log.info("resuming: {} files were already placed in the standby slot", fromJournal);
    }
    if (fromManifest > 0) {
      log.info("slot manifest: {} records of the standby's last completed build", fromManifest);
    }
    return j;
  }

  /** Adds the records of {@code f}; returns their number, or -1 when there is no usable file. */
  private static int load(Path f, PlacementRecords recs) {
    if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
      return -1;
    }
    int n = 0;
    try (InputStream in = Files.newInputStream(f, LinkOption.NOFOLLOW_LINKS);
         BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
      if (!HEADER.equals(r.readLine())) {
        log.info("ignoring {}: not a placement record file of this version", f);
        return -1;
      }
      String line;
      while ((line = r.readLine()) != null) {
        if (parse(line, recs)) {
          n++;
        }
      }
    } catch (IOException | UncheckedIOException e) {
      // the records read so far are individually checked and stay usable
      log.warn("placement records {} unreadable after {} records: {}", f, n, e.toString());
    }
    return n;
  }

  private static boolean endsWithNewline(Path f) throws IOException {
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, ch.size() - 1);
      return b.get(0) == '\n';
    }
  }

  private void openOut() throws IOException {
    out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND,
        LinkOption.NOFOLLOW_LINKS);
  }

  /** {@code crc \t sha256 \t size \t mtimeNs \t ctimeNs \t dev \t ino \t path}; false for a bad line. */
  static boolean parse(String line, PlacementRecords recs) {
    String[] f = line.split("\t", 8);
    if (f.length != 8 || f[1].length() != 64) {
      return false;
    }
    CRC32 crc = new CRC32();
    crc.update(line.substring(f[0].length() + 1).getBytes(StandardCharsets.UTF_8));
    try {
      if (Long.parseLong(f[0], 16) != crc.getValue()) {
        return false;
      }
      recs.add(f[7], Sha256.ofHex(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4]),
          Long.parseLong(f[5]), Long.parseLong(f[6]));
      return true;
    } catch (IllegalArgumentException e) {
      // torn or foreign line (NumberFormatException is one)
      return false;
    }
  }

  static String format(String imagePath, Sha256 sha, FileStat st) {
    byte[] l = line(imagePath, sha, st);
    return new String(l, 0, l.length - 1, StandardCharsets.UTF_8);
  }

  /** The record as it is appended, newline included: its bytes are made once. */
  static byte[] line(String imagePath, Sha256 sha, FileStat st) {
    byte[] body = (sha.hex() + "\t" + st.size() + "\t" + st.mtimeNanos() + "\t" + st.ctimeNanos() + "\t" + st.dev()
        + "\t" + st.ino() + "\t" + imagePath).getBytes(StandardCharsets.UTF_8);
    CRC32 crc = new CRC32();
    crc.update(body);
    String c = Long.toHexString(crc.getValue());
    byte[] out = new byte[c.length() + 1 + body.length + 1];
    for (int i = 0; i < c.length(); i++) {
      out[i] = (byte) c.charAt(i);
    }
    out[c.length()] = '\t';
    System.arraycopy(body, 0, out, c.length() + 1, body.length);
    out[out.length - 1] = '\n';
    return out;
  }

  int trustedCount() {
    return trusted.size();
  }

  /** The records loaded at {@link #open}, sealed. */
  PlacementRecords records() {
    return trusted;
  }

  /** True when a record says {@code st} is this path's file holding {@code sha}, unchanged since. */
  boolean isTrusted(String imagePath, Sha256 sha, FileStat st) {
    return trusted.matches(imagePath, sha, st);
  }

  /**
   * Records a file whose content is verified and whose links and attributes are final; {@code st} is
   * its {@code lstat} taken after the last change.
   */
  void placed(String imagePath, Sha256 sha, FileStat st) {
    placed(imagePath, sha, st, false);
  }

  /**
   * @param alreadyDurable whether the file is unchanged since a record written after a sync vouched
   *     for it ({@link #isTrusted} with this very stat): its record needs no new sync. A no-op update
   *     of 60 000 files ran {@code sync -f} 30 times for nothing.
   */
  void placed(String imagePath, Sha256 sha, FileStat st, boolean alreadyDurable) {
    if (imagePath.indexOf('\n') >= 0 || imagePath.indexOf('\r') >= 0) {
      return; // one record per line: such a path is simply hashed next time
    }
    byte[] line = line(imagePath, sha, st);
    boolean due;
    synchronized (pending) {
      pending.add(line);
      pendingUnsynced |= !alreadyDurable;
      due = pending.size() >= BATCH || System.nanoTime() - lastFlush > BATCH_NANOS;
    }
    if (due) {
      flush();
    }
  }

  /**
   * Syncs the standby filesystem (unless every record of the batch was already durable), then appends
   * and fsyncs the records collected before the sync.
   * Workers keep placing files meanwhile: only the batch taken here is written, and one flush runs at
   * a time.
   */
  void flush() {
    synchronized (flushLock) {
      List<byte[]> batch;
      boolean needsSync;
      synchronized (pending) {
        lastFlush = System.nanoTime();
        if (pending.isEmpty()) {
          return;
        }
        batch = new ArrayList<>(pending);
        pending.clear();
        needsSync = pendingUnsynced;
        pendingUnsynced = false;
      }
      try {
        if (needsSync) {
          sync.sync(syncTarget);
        }
        int size = 0;
        for (byte[] l : batch) {
          size += l.length;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        for (byte[] l : batch) {
          b.put(l);
        }
        write(b.flip());
        out.force(true);
      } catch (IOException e) {
        // the records are dropped: those files are re-verified by hashing on a resume
        log.debug("journal: flush failed: {}", e.toString());
      }
    }
  }

  private void write(String s) throws IOException {
    write(ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8)));
  }

  private void write(ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      out.write(b);
    }
  }

  @Override
  public void close() {
    flush();
    try {
      if (out.isOpen()) {
        out.close();
      }
    } catch (IOException e) {
      log.debug("journal close: {}", e.toString());
    }
  }

  /**
   * Ends the build's journal as the slot manifest at {@code manifest}: every record is flushed (after
   * a sync of the standby) and fsynced, then the journal is renamed over the previous manifest and the
   * directory is fsynced. The rename is atomic, so a reader sees the old manifest or the whole new
   * one. Never fails the update: without a manifest the next update hashes instead.
   */
  void promoteTo(Path manifest) {
    close();
    try {
      Files.setAttribute(file, "unix:mode", 0644, LinkOption.NOFOLLOW_LINKS);
      Files.move(file, manifest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      Fsync.directory(manifest.getParent());
    } catch (IOException | UnsupportedOperationException e) {
      log.warn("could not save the slot manifest {}: {}", manifest, e.toString());
    }
  }
}
