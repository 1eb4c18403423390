package dev.otaclient.proxy;

import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.internal.fs.TempNames;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The on-disk cache. The file system is the index, so it survives restarts and crashes without a
 * database or a start-up scrub:
 *
 * <pre>
 * cacheDir/data/&lt;key&gt;   committed bodies; present only once complete (renamed from tmp/)
 * cacheDir/meta/&lt;key&gt;   content type, encoding and size; written before the body is renamed
 * cacheDir/tmp/.&lt;key&gt;.tmp&lt;n&gt;  bodies and sidecars on their way in; emptied at start
 * </pre>
 *
 * A body whose size disagrees with its sidecar (a rename that reached the disk before the data
 * did) is deleted on first sight. Recency and size for LRU eviction are kept in memory, seeded from
 * the files' modification times and sizes and written back to the times on every hit, so the order
 * survives a restart.
 */
final class CacheStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CacheStore.class);

  /** A committed entry opened for reading. */
  record Hit(FileChannel channel, EntryMeta meta) {}

  /** A request's share in a {@link Transfer}: the leader downloads, the others follow. */
  record Claim(Transfer transfer, boolean leader) {}

  /** What eviction knows of a committed entry; a new instance for every access. */
  private record Use(long accessMillis, long bytes) {}

  private final Path dataDir;
  private final Path metaDir;
  private final Path tmpDir;
  private final SpaceGuard guard;
  private final ConcurrentHashMap<String, Use> uses = new ConcurrentHashMap<>();
  /** Sum of the committed entries' sizes, kept with {@link #uses}. */
  private final AtomicLong cachedBytes = new AtomicLong();
  /**
   * Entries oldest first as they were when eviction last sorted them; guarded by {@link #evictionLock}.
   * An entry used since then is skipped when it comes up (it is newer than everything left), so one
   * sort serves many evictions instead of one sort per commit.
   */
  private ArrayDeque<Map.Entry<String, Use>> evictionOrder = new ArrayDeque<>();
  private final Map<String, Transfer> inflight = new ConcurrentHashMap<>();
  private final Object evictionLock = new Object();
  private final GroupCommit committer;

  private CacheStore(Path root, SpaceGuard guard) {
    this.dataDir = root.resolve("data");
    this.metaDir = root.resolve("meta");
    this.tmpDir = root.resolve("tmp");
    this.guard = guard;
    this.committer = new GroupCommit(this, dataDir);
  }

  static CacheStore open(Path root, SpaceGuard guard) throws IOException {
    CacheStore store = new CacheStore(root, guard);
    Files.createDirectories(store.dataDir);
    Files.createDirectories(store.metaDir);
    Files.createDirectories(store.tmpDir);
    int leftovers = deleteChildren(store.tmpDir);
    if (leftovers > 0) {
      LOG.info("removed {} unfinished download(s) from {}", leftovers, store.tmpDir);
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(store.dataDir)) {
      for (Path p : entries) {
        BasicFileAttributes attrs = Files.readAttributes(p, BasicFileAttributes.class);
        if (attrs.isRegularFile()) {
          store.used(p.getFileName().toString(), attrs.lastModifiedTime().toMillis(), attrs.size());
        }
      }
    }
    LOG.info("cache {} opened with {} entries", root, store.uses.size());
    return store;
  }

  Path dataDir() {
    return dataDir;
  }

  int entryCount() {
    return uses.size();
  }

  /** Records a use of a committed entry of {@code bytes}; the first one makes it known to eviction. */
  private void used(String key, long atMillis, long bytes) {
    uses.compute(key, (k, old) -> {
      cachedBytes.addAndGet(bytes - (old == null ? 0 : old.bytes()));
      return new Use(atMillis, bytes);
    });
  }

  private void forget(String key) {
    uses.computeIfPresent(key, (k, old) -> gone(old));
  }

  /** Takes a forgotten entry's bytes off the sum; null, to remove it from {@link #uses}. */
  private Use gone(Use old) {
    cachedBytes.addAndGet(-old.bytes());
    return null;
  }

  /** Opens a committed entry and marks it recently used; null when there is none (or it was broken). */
  Hit open(String key) throws IOException {
    Path body = dataDir.resolve(key);
    FileChannel channel;
    try {
      channel = FileChannel.open(body, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      // Gone behind our back, unless it was committed since the open failed: the commit renames the
      // body before it records the entry, so a body there now means the record is current.
      uses.computeIfPresent(key, (k, old) -> Files.exists(body) ? old : gone(old));
      return null;
    }
    EntryMeta meta = EntryMeta.readSidecar(metaDir.resolve(key));
    long size = channel.size();
    if (meta.size() >= 0 && meta.size() != size) {
      channel.close();
      LOG.warn("cache entry {} has {} bytes but its sidecar says {}; dropping it", key, size, meta.size());
      drop(key);
      return null;
    }
    long now = System.currentTimeMillis();
    used(key, now, size);
    try {
      Files.setLastModifiedTime(body, FileTime.fromMillis(now));
    } catch (IOException e) {
      LOG.debug("cannot touch {}: {}", body, e.toString());
    }
    return new Hit(channel, meta.withSize(size));
  }

  /** Deletes a committed entry (retry_caching, a broken entry, eviction). */
  void drop(String key) {
    forget(key);
    try {
      Files.deleteIfExists(dataDir.resolve(key));
      Files.deleteIfExists(metaDir.resolve(key));
    } catch (IOException e) {
      LOG.warn("cannot delete cache entry {}: {}", key, e.toString());
    }
  }

  /** Whether a download for this key is running right now. */
  boolean downloading(String key) {
    return inflight.containsKey(key);
  }

  /** Joins the running download of {@code key}, or starts one with the caller as leader. */
  Claim claim(String key) {
    Transfer mine = new Transfer(key);
    Transfer running = inflight.putIfAbsent(key, mine);
    return running == null ? new Claim(mine, true) : new Claim(running, false);
  }

  /** Called by the leader when its transfer ended, whatever the outcome. */
  void release(Transfer transfer) {
    inflight.remove(transfer.key(), transfer);
  }

  /** A fresh name in tmp/ for a body or sidecar of {@code key} on its way into data/ or meta/. */
  Path newTempFile(String key) {
    return TempNames.beside(tmpDir.resolve(key));
  }

  /**
   * Makes a complete, verified download an entry with the next batch of commits (durable before it
   * is visible) and then releases the transfer from the single-flight table.
   */
  void commitLater(Transfer transfer, EntryMeta meta) {
    Prepared prepared = prepareCommit(transfer, meta);
    if (prepared == null) {
      release(transfer);
      return;
    }
    transfer.awaitingCommit();
    committer.submit(transfer, prepared);
  }

  /**
   * A client reported {@code key} as bad (retry_caching) while its download is complete but not yet
   * committed: that copy is never committed, and the caller may lead a fresh download at once.
   */
  void dropPending(String key) {
    Transfer t = inflight.get(key);
    if (t != null && t.doomIfAwaitingCommit()) {
      inflight.remove(key, t);
    }
  }

  /** Blocks until every finished download is committed. */
  void awaitCommits() throws InterruptedException {
    committer.awaitIdle();
  }

  /** Commits what is queued, then stops committing. */
  @Override
  public void close() {
    committer.close();
  }

  /** A complete download whose sidecar is written under a temporary name, ready to be renamed. */
  record Prepared(EntryMeta meta, Path sidecarTmp) {}

  /**
   * First half of making a complete download an entry: evicts older entries when above the soft
   * limit and writes the sidecar under a temporary name. Returns null (the transfer detached) when
   * the filesystem is still above the hard limit or the sidecar cannot be written.
   */
  Prepared prepareCommit(Transfer transfer, EntryMeta meta) {
    evictAboveSoftLimit(meta.size());
    if (guard.level() == SpaceGuard.Level.HARD) {
      LOG.info("not caching {}: cache filesystem above the hard limit", transfer.key());
      transfer.detached();
      return null;
    }
    Path sidecarTmp = newTempFile(transfer.key());
    try {
      Files.writeString(sidecarTmp, meta.toSidecar(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      LOG.warn("cannot write the sidecar of cache entry {}: {}", transfer.key(), e.toString());
      AtomicFiles.discard(sidecarTmp);
      transfer.detached();
      return null;
    }
    return new Prepared(meta, sidecarTmp);
  }

  /**
   * Second half, once body and sidecar are on the disk: renames both into place. Sidecar first: a
   * body without a sidecar would be served with default headers, but a sidecar without a body is
   * only a stray small file.
   */
  boolean finishCommit(Transfer transfer, Prepared prepared) {
    String key = transfer.key();
    try {
      Files.move(prepared.sidecarTmp(), metaDir.resolve(key), StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      transfer.commitTo(dataDir.resolve(key));
    } catch (IOException e) {
      LOG.warn("cannot commit cache entry {}: {}", key, e.toString());
      abandon(transfer, prepared);
      return false;
    }
    used(key, System.currentTimeMillis(), prepared.meta().size());
    return true;
  }

  /** Drops a prepared entry that will not be committed. */
  void abandon(Transfer transfer, Prepared prepared) {
    AtomicFiles.discard(prepared.sidecarTmp());
    transfer.detached();
  }

  /**
   * Above the soft limit, deletes least recently used entries: until usage is below the soft limit
   * when the cache holds enough to get it there; otherwise only {@code incoming} bytes' worth, so that
   * the entry about to be committed takes the place of old ones and the cache does not grow. When
   * something else filled the disk, emptying the cache would not bring it below the limit, and the
   * ECUs of an update in progress would fetch again from the origin what the cache was about to
   * serve them. The hard limit still stops caching altogether.
   *
   * @param incoming size of the entry about to be committed; 0 for the background check
   */
  void evictAboveSoftLimit(long incoming) {
    if (guard.belowSoft()) {
      return;
    }
    synchronized (evictionLock) {
      boolean reachable = cachedBytes.get() >= guard.bytesAboveSoft();
      long freed = 0;
      int evicted = 0;
      while ((reachable || freed < incoming) && !guard.belowSoft()) {
        Map.Entry<String, Use> oldest = pollOldest();
        if (oldest == null) {
          break;
        }
        drop(oldest.getKey());
        freed += oldest.getValue().bytes();
        evicted++;
      }
      if (evicted > 0) {
        LOG.info("evicted {} least recently used cache entries ({} bytes) above the soft limit{}", evicted, freed,
            reachable ? "" : ", to make room for a new one");
      }
    }
  }

  /** The least recently used entry, taken out of the eviction order; null when there is none. */
  private Map.Entry<String, Use> pollOldest() {
    boolean sorted = false;
    while (true) {
      Map.Entry<String, Use> e = evictionOrder.pollFirst();
      if (e == null) {
        if (sorted) {
          return null;
        }
        List<Map.Entry<String, Use>> byAge = new ArrayList<>(uses.size());
        uses.forEach((k, u) -> byAge.add(Map.entry(k, u)));
        byAge.sort(Comparator.comparingLong(x -> x.getValue().accessMillis()));
        evictionOrder = new ArrayDeque<>(byAge);
        sorted = true;
        continue;
      }
      if (uses.get(e.getKey()) == e.getValue()) {
        return e; // not used since the sort
      }
    }
  }

  /** Deletes every committed entry; downloads in progress finish normally. */
  void clear() {
    synchronized (evictionLock) {
      for (String key : new ArrayList<>(uses.keySet())) {
        drop(key);
      }
      evictionOrder = new ArrayDeque<>();
      try {
        deleteChildren(dataDir);
        deleteChildren(metaDir);
      } catch (IOException e) {
        LOG.warn("cannot clear cache: {}", e.toString());
      }
    }
  }

  private static int deleteChildren(Path dir) throws IOException {
    int n = 0;
    try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
      for (Path p : children) {
        if (Files.deleteIfExists(p)) {
          n++;
        }
      }
    }
    return n;
  }
}
