package dev.otaclient.internal.update;

import dev.otaclient.status.Progress;
import dev.otaclient.status.UpdatePhase;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters of one update, written by many worker threads and read as a cheap snapshot at any
 * time. Elapsed times are wall-clock nanoseconds of each operation (not thread CPU time, which is
 * what the Python client summed — quirk Q2).
 */
final class ProgressCounters {
  /** The three ways a regular file gets into the standby slot. */
  public enum Op { COPY, LINK, DOWNLOAD }

  private final long startNanos = System.nanoTime();
  private final AtomicReference<UpdatePhase> phase = new AtomicReference<>(UpdatePhase.INITIAL);
  private final AtomicLong totalRegularFiles = new AtomicLong();
  private final AtomicLong totalRegularFileSize = new AtomicLong();
  private final LongAdder[] files = adders();
  private final LongAdder[] sizes = adders();
  private final LongAdder[] nanos = adders();
  private final LongAdder errorsDownload = new LongAdder();
  private final LongAdder downloadBytes = new LongAdder();
  private final Runnable onPhaseChange;
  private final Runnable onProgress;
  private final long intervalNanos;
  private final AtomicLong nextProgressNanos = new AtomicLong(System.nanoTime());

  public ProgressCounters() {
    this(() -> { });
  }

  /** {@code onPhaseChange} runs on the updating thread after every phase change. */
  public ProgressCounters(Runnable onPhaseChange) {
    this(onPhaseChange, () -> { }, Duration.ofDays(1));
  }

  /**
   * @param onProgress runs on a worker thread when counters moved, at most once per
   *     {@code interval}: the throttle of progress events, so a listener never sees one per read
   */
  public ProgressCounters(Runnable onPhaseChange, Runnable onProgress, Duration interval) {
    this.onPhaseChange = onPhaseChange;
    this.onProgress = onProgress;
    this.intervalNanos = interval.toNanos();
  }

  /** Lets at most one caller per interval through to {@code onProgress}. */
  private void tick() {
    long now = System.nanoTime();
    long due = nextProgressNanos.get();
    if (now - due >= 0 && nextProgressNanos.compareAndSet(due, now + intervalNanos)) {
      onProgress.run();
    }
  }

  private static LongAdder[] adders() {
    LongAdder[] a = new LongAdder[Op.values().length];
    for (int i = 0; i < a.length; i++) {
      a[i] = new LongAdder();
    }
    return a;
  }

  public void phase(UpdatePhase p) {
    if (phase.getAndSet(p) != p) {
      onPhaseChange.run();
    }
  }

  public UpdatePhase phase() {
    return phase.get();
  }

  public void totals(long regularFiles, long regularFileSize) {
    totalRegularFiles.set(regularFiles);
    totalRegularFileSize.set(regularFileSize);
  }

  /** One regular file placed by {@code op}; {@code size} is its uncompressed size. */
  public void processed(Op op, long size, long elapsedNanos) {
    files[op.ordinal()].increment();
    sizes[op.ordinal()].add(size);
    nanos[op.ordinal()].add(elapsedNanos);
    tick();
  }

  /** Time spent by an operation that did not (yet) produce a file, e.g. a failed download attempt. */
  public void elapsed(Op op, long elapsedNanos) {
    nanos[op.ordinal()].add(elapsedNanos);
  }

  public void downloadError() {
    errorsDownload.increment();
  }

  /**
   * Bytes received (or, negative, taken back when an attempt failed and its bytes will come again):
   * counted as they arrive, so the figure moves while a large file downloads.
   */
  public void downloadBytes(long n) {
    downloadBytes.add(n);
    tick();
  }

  public long processedCount(Op op) {
    return files[op.ordinal()].sum();
  }

  public Progress snapshot() {
    long copy = files[Op.COPY.ordinal()].sum();
    long link = files[Op.LINK.ordinal()].sum();
    long download = files[Op.DOWNLOAD.ordinal()].sum();
    return new Progress(
        phase.get(),
        totalRegularFiles.get(),
        copy + link + download,
        copy,
        link,
        download,
        sizes[Op.COPY.ordinal()].sum(),
        sizes[Op.LINK.ordinal()].sum(),
        sizes[Op.DOWNLOAD.ordinal()].sum(),
        Duration.ofNanos(nanos[Op.COPY.ordinal()].sum()),
        Duration.ofNanos(nanos[Op.LINK.ordinal()].sum()),
        Duration.ofNanos(nanos[Op.DOWNLOAD.ordinal()].sum()),
        errorsDownload.sum(),
        totalRegularFileSize.get(),
        Duration.ofNanos(System.nanoTime() - startNanos),
        downloadBytes.sum());
  }
}
