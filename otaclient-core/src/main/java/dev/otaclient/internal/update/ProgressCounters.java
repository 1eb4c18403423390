package dev.otaclient.internal.update;

import dev.otaclient.status.Progress;
import dev.otaclient.status.UpdatePhase;
import dev.otaclient.status.UpdateProgress;
import dev.otaclient.status.UpdateStage;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters of one update, written by many worker threads and read as a cheap snapshot at any
 * time, in both status forms: {@link #snapshot()} (v1 {@code StatusProgress}) and
 * {@link #updateSnapshot()} (v2 {@code UpdateStatus}). v1 elapsed times are wall-clock nanoseconds
 * of each operation (not thread CPU time, which is what the Python client summed — quirk Q2); v2
 * elapsed times are the wall-clock time spent in each v2 phase.
 *
 * <p>The v2 phase follows the v1 phase, refined where v2 says more: metadata becomes
 * CALCULATING_DELTA once the plan is made ({@link #deltaStarted()}), REGULAR stays CALCULATING_DELTA
 * until the delta's download totals are announced, then reads DOWNLOADING_OTA_FILES while a content
 * group that may still need the network is unplaced, then APPLYING_UPDATE. A parent keeps its
 * ota_proxy up exactly while a child reports a phase up to DOWNLOADING_OTA_FILES, so that refinement
 * must not end early: a group copied from the active slot counts as needing the network until it is
 * placed, because a copy that fails verification falls back to a download.
 */
final class ProgressCounters {
  /** The three ways a regular file gets into the standby slot. */
  public enum Op { COPY, LINK, DOWNLOAD }

  private final long startNanos = System.nanoTime();
  private final long startEpochSeconds = System.currentTimeMillis() / 1000;
  private volatile String targetVersion = "";
  private volatile boolean deltaStarted;
  private volatile boolean clientUpdate;
  /** Content groups that may still need the network; -1 until the REGULAR phase says how many. */
  private final AtomicLong networkGroupsLeft = new AtomicLong(-1);
  private final AtomicLong totalDownloadFiles = new AtomicLong();
  private final AtomicLong totalDownloadSize = new AtomicLong();
  private final AtomicLong removedFiles = new AtomicLong();
  private final StageClock stages = new StageClock(UpdateStage.INITIALIZING, startNanos);
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
    UpdatePhase before = phase.getAndSet(p);
    restage();
    if (before != p) {
      onPhaseChange.run();
    }
  }

  /** The version the update installs ({@code update_firmware_version}). */
  public void targetVersion(String version) {
    targetVersion = version;
  }

  /** The plan is made: from now on the v2 phase is CALCULATING_DELTA until files are placed. */
  public void deltaStarted() {
    deltaStarted = true;
    restage();
  }

  /** This operation updates the client itself: the v2 phase is DOWNLOADING_OTA_CLIENT throughout. */
  public void clientUpdate() {
    clientUpdate = true;
    restage();
  }

  /**
   * The delta is known: {@code downloadFiles} files of {@code downloadSize} uncompressed bytes are
   * planned to be downloaded, and {@code networkGroups} content groups may need the network until
   * they are placed (see {@link #groupPlaced}).
   */
  public void deltaKnown(long downloadFiles, long downloadSize, long networkGroups) {
    totalDownloadFiles.set(downloadFiles);
    totalDownloadSize.set(downloadSize);
    networkGroupsLeft.set(networkGroups);
    restage();
  }

  /** A content group that may have needed the network is placed (or given up on). */
  public void groupPlaced() {
    networkGroupsLeft.updateAndGet(n -> n > 0 ? n - 1 : n);
    restage();
  }

  /** An in-place update removed {@code n} entries the new image does not have. */
  public void removed(long n) {
    removedFiles.addAndGet(n);
  }

  /** The v2 phase now; see the class comment. */
  public UpdateStage stage() {
    if (clientUpdate) {
      return UpdateStage.DOWNLOADING_OTA_CLIENT;
    }
    switch (phase.get()) {
      case INITIAL:
        return UpdateStage.INITIALIZING;
      case METADATA:
        return deltaStarted ? UpdateStage.CALCULATING_DELTA : UpdateStage.PROCESSING_METADATA;
      case DIRECTORY:
      case SYMLINK:
        return UpdateStage.CALCULATING_DELTA;
      case REGULAR: {
        // until the delta is announced its download totals are unknown: still calculating (a parent
        // reading DOWNLOADING_OTA_FILES with zero files to download would be misled)
        long left = networkGroupsLeft.get();
        return left < 0 ? UpdateStage.CALCULATING_DELTA
            : left != 0 ? UpdateStage.DOWNLOADING_OTA_FILES : UpdateStage.APPLYING_UPDATE;
      }
      case PERSISTENT:
        return UpdateStage.APPLYING_UPDATE;
      default:
        return UpdateStage.PROCESSING_POSTUPDATE;
    }
  }

  private void restage() {
    stages.enter(stage(), System.nanoTime());
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

  /** The v2 view of the same counters ({@code UpdateStatus}). */
  public UpdateProgress updateSnapshot() {
    long now = System.nanoTime();
    long processedFiles = 0;
    long processedSize = 0;
    for (Op op : Op.values()) {
      processedFiles += files[op.ordinal()].sum();
      processedSize += sizes[op.ordinal()].sum();
    }
    long removed = removedFiles.get();
    return new UpdateProgress(
        targetVersion,
        totalRegularFileSize.get(),
        totalRegularFiles.get(),
        startEpochSeconds,
        stage(),
        totalDownloadFiles.get(),
        totalDownloadSize.get(),
        files[Op.DOWNLOAD.ordinal()].sum(),
        downloadBytes.sum(),
        sizes[Op.DOWNLOAD.ordinal()].sum(),
        errorsDownload.sum(),
        removed,
        removed,
        processedFiles,
        processedSize,
        Duration.ofNanos(now - startNanos),
        Duration.ofNanos(stages.elapsed(UpdateStage.CALCULATING_DELTA, now)),
        Duration.ofNanos(stages.elapsed(UpdateStage.DOWNLOADING_OTA_FILES, now)),
        Duration.ofNanos(stages.elapsed(UpdateStage.APPLYING_UPDATE, now)));
  }

  /** Wall-clock time spent in each v2 phase; phases may be re-entered (time adds up). */
  private static final class StageClock {
    private final Map<UpdateStage, Long> spent = new EnumMap<>(UpdateStage.class);
    private UpdateStage current;
    private long since;

    StageClock(UpdateStage first, long nowNanos) {
      current = first;
      since = nowNanos;
    }

    synchronized void enter(UpdateStage s, long nowNanos) {
      if (s != current) {
        spent.merge(current, nowNanos - since, Long::sum);
        current = s;
        since = nowNanos;
      }
    }

    synchronized long elapsed(UpdateStage s, long nowNanos) {
      long t = spent.getOrDefault(s, 0L);
      return s == current ? t + (nowNanos - since) : t;
    }
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
