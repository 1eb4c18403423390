package dev.otaclient.proxy;

import dev.otaclient.internal.fs.Fsync;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes complete downloads cache entries in batches: one {@code syncfs} of the cache filesystem for
 * every batch, then the renames. An update fetches thousands of small files; one {@code fsync} each
 * made the disk, not the network, the limit of a cold cache (docs/benchmarks.md, scenario 6).
 * Crash safety is unchanged: a body and its sidecar are on the disk before their names appear.
 * Until its batch is committed, a transfer stays in the single-flight table, so requests for the
 * same key keep reading the complete temporary file.
 */
final class GroupCommit implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);
  /** How long the first entry of a batch waits for company; short against the client's wait. */
  private static final long LINGER_MILLIS = 20;

  private record Pending(Transfer transfer, CacheStore.Prepared prepared) {}

  /** Queued by {@link #close()}: commit what came before, then stop. */
  private static final Pending STOP = new Pending(null, null);

  private final CacheStore cache;
  private final Path fs;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final Object idle = new Object();
  /** Submitted and not yet committed or dropped; guarded by {@link #idle}. */
  private int outstanding;
  private volatile boolean closed;

  GroupCommit(CacheStore cache, Path anyPathOnCacheFs) {
    this.cache = cache;
    this.fs = anyPathOnCacheFs;
    this.thread = new Thread(this::run, "ota-proxy-commit");
    thread.setDaemon(true);
    thread.start();
  }

  /** Queues a prepared entry; the transfer is released from the single-flight table once committed. */
  void submit(Transfer transfer, CacheStore.Prepared prepared) {
    if (closed || !thread.isAlive()) {
      cache.abandon(transfer, prepared);
      cache.release(transfer);
      return;
    }
    synchronized (idle) {
      outstanding++;
    }
    queue.add(new Pending(transfer, prepared));
  }

  /** Blocks until everything submitted so far is committed (or dropped). */
  void awaitIdle() throws InterruptedException {
    synchronized (idle) {
      while (outstanding > 0) {
        idle.wait();
      }
    }
  }

  private void done(int n) {
    synchronized (idle) {
      outstanding -= n;
      idle.notifyAll();
    }
  }

  private void run() {
    List<Pending> batch = new ArrayList<>();
    boolean stopping = false;
    while (!stopping) {
      Pending first;
      try {
        first = queue.take();
        if (first != STOP) {
          Thread.sleep(LINGER_MILLIS);
        }
      } catch (InterruptedException e) {
        return; // only close() could interrupt, and it does not
      }
      batch.add(first);
      queue.drainTo(batch);
      stopping = batch.remove(STOP);
      if (!batch.isEmpty()) {
        commit(batch);
        done(batch.size());
        batch.clear();
      }
    }
  }

  private void commit(List<Pending> batch) {
    boolean durable;
    try {
      Fsync.filesystem(fs);
      durable = true;
    } catch (IOException e) {
      LOG.warn("cannot flush the cache filesystem, {} downloads stay uncached: {}", batch.size(), e.getMessage());
      durable = false;
    }
    for (Pending p : batch) {
      if (durable && !p.transfer().doomed()) {
        cache.finishCommit(p.transfer(), p.prepared());
      } else {
        cache.abandon(p.transfer(), p.prepared());
      }
      // out of the single-flight table at once: later requests see the entry (or a fresh download)
      cache.release(p.transfer());
    }
  }

  /** Commits what is queued, then stops; later submissions are dropped. */
  @Override
  public void close() {
    closed = true;
    queue.add(STOP);
    try {
      thread.join(TimeUnit.SECONDS.toMillis(60));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
