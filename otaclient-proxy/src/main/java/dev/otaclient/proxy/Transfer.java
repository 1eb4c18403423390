package dev.otaclient.proxy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * One upstream download being written into the cache, shared by every request for the same key
 * (single flight). The request that created it (the leader) downloads; the others (followers) read
 * the growing temporary file up to {@link #written} and wait for more. All state changes happen
 * under this object's monitor, so a follower never opens a file that is being renamed or deleted.
 */
final class Transfer {
  enum State {
    /** Leader is waiting for the upstream response head. */
    WAITING,
    /** Body is arriving in {@link #file} (a temporary file). */
    STREAMING,
    /** Body complete and renamed into place; {@link #file} is the entry. */
    COMMITTED,
    /** The upstream transfer broke: nobody gets the rest of the body from here. */
    FAILED,
    /**
     * The cache copy was abandoned for a cache-side reason (space limit, write error, hash
     * mismatch) while upstream was fine: followers keep what they read and fetch the rest themselves.
     */
    DETACHED,
    /** The leader decided not to cache (error status, hard limit): followers fetch on their own. */
    UNCACHED
  }

  private final String key;
  private State state = State.WAITING;
  private EntryMeta head;
  private Path file;
  private long written;
  /** Body complete and verified, waiting for its commit batch. */
  private boolean awaitingCommit;
  /** A client reported the content as bad before the commit: the batch must drop it. */
  private boolean doomed;

  Transfer(String key) {
    this.key = key;
  }

  String key() {
    return key;
  }

  synchronized State state() {
    return state;
  }

  synchronized void streaming(Path tmp, EntryMeta responseHead) {
    this.file = tmp;
    this.head = responseHead;
    this.state = State.STREAMING;
    notifyAll();
  }

  synchronized void progress(long total) {
    written = total;
    notifyAll();
  }

  synchronized void uncached() {
    state = State.UNCACHED;
    notifyAll();
  }

  /** Abandons the cache copy because upstream broke; followers reading it get an error. */
  synchronized void failed() {
    end(State.FAILED);
  }

  /**
   * Abandons the cache copy for a cache-side reason. Followers still read what was written (their
   * open channel outlives the deleted file) and then continue on their own.
   */
  synchronized void detached() {
    end(State.DETACHED);
  }

  private void end(State terminal) {
    if (state == State.STREAMING && file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // a leftover temp file is removed at the next start
      }
    }
    state = terminal;
    notifyAll();
  }

  synchronized void awaitingCommit() {
    awaitingCommit = true;
  }

  synchronized boolean isAwaitingCommit() {
    return awaitingCommit && state == State.STREAMING;
  }

  /** Marks a complete download that is still waiting for its commit as bad; false if too late. */
  synchronized boolean doomIfAwaitingCommit() {
    if (awaitingCommit && state == State.STREAMING) {
      doomed = true;
      return true;
    }
    return false;
  }

  synchronized boolean doomed() {
    return doomed;
  }

  /** Renames the complete temp file to its entry name; followers keep reading their open channel. */
  synchronized void commitTo(Path target) throws IOException {
    if (doomed) {
      throw new IOException("reported bad (retry_caching) before it was committed");
    }
    Files.move(file, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    file = target;
    state = State.COMMITTED;
    awaitingCommit = false;
    notifyAll();
  }

  /**
   * Waits until the leader knows the response head. Returns null when the transfer will not be
   * readable (not cached, failed, or no head within the wait): the caller then fetches on its own.
   */
  synchronized EntryMeta awaitHead(long maxWaitMillis) throws InterruptedException {
    long deadline = System.nanoTime() + maxWaitMillis * 1_000_000L;
    while (state == State.WAITING) {
      long left = (deadline - System.nanoTime()) / 1_000_000L;
      if (left <= 0) {
        return null;
      }
      wait(left);
    }
    return state == State.STREAMING || state == State.COMMITTED ? head : null;
  }

  /** Opens the body for reading, or returns null if the transfer is no longer readable. */
  synchronized FileChannel openReader() throws IOException {
    if (state != State.STREAMING && state != State.COMMITTED) {
      return null;
    }
    return FileChannel.open(file, StandardOpenOption.READ);
  }

  /**
   * Blocks until more than {@code position} bytes are available and returns how many there are, or
   * returns -1 when the body is complete and {@code position} is its end.
   *
   * @throws Detached if the cache copy was abandoned while upstream was fine
   * @throws IOException if the transfer failed or made no progress for {@code stallMillis}
   */
  synchronized long awaitBeyond(long position, long stallMillis) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + stallMillis * 1_000_000L;
    while (true) {
      if (written > position) {
        return written;
      }
      if (state == State.COMMITTED) {
        return -1;
      }
      if (state == State.DETACHED) {
        throw new Detached(key);
      }
      if (state != State.STREAMING) {
        throw new IOException("upstream transfer for cache entry " + key + " was abandoned");
      }
      long left = (deadline - System.nanoTime()) / 1_000_000L;
      if (left <= 0) {
        throw new IOException("upstream transfer for cache entry " + key + " stalled for " + stallMillis + " ms");
      }
      wait(left);
    }
  }

  /** The shared download stopped feeding the cache; the reader must get the rest from upstream. */
  static final class Detached extends IOException {
    private static final long serialVersionUID = 1L;

    Detached(String key) {
      super("cache copy of " + key + " was abandoned");
    }
  }
}
