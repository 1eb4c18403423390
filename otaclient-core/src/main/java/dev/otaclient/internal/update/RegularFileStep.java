package dev.otaclient.internal.update;

import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fetch.BlobRequest;
import dev.otaclient.internal.fetch.FetchListener;
import dev.otaclient.internal.fs.ContentHash;
import dev.otaclient.internal.fs.Sha256;
import dev.otaclient.internal.fs.TempNames;
import dev.otaclient.internal.slot.FileAttributes;
import dev.otaclient.internal.slot.SlotIo;
import dev.otaclient.internal.slot.StandbyTree;
import dev.otaclient.internal.update.ProgressCounters.Op;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REGULAR phase: for every content group, get the content into the standby once (keep what is
 * already there and verified, else copy from the active slot while verifying, else download), then
 * hard-link or copy it to the group's other paths. Every file is written under a temporary name in
 * its final directory and renamed into place only when complete and verified.
 */
final class RegularFileStep {
  private static final Logger log = LoggerFactory.getLogger(RegularFileStep.class);
  private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

  private final StandbyTree tree;
  private final Path activeRoot;
  private final ContentFetcher fetcher;
  private final ProgressCounters counters;
  private final PlacementJournal journal;
  private final boolean inPlace;
  private final ExecutorService pool;
  private final int maxInFlight;
  private final AtomicLong kept = new AtomicLong();
  private final PersistentStep.Cover persistents;
  /** Members that the persistent step replaces, for the few groups that have any. */
  private final Map<ContentGroup, boolean[]> skips = new java.util.IdentityHashMap<>();
  private DeltaPlan plan;

  RegularFileStep(StandbyTree tree, Path activeRoot, ContentFetcher fetcher, ProgressCounters counters,
      PlacementJournal journal, boolean inPlace, ExecutorService pool, int maxInFlight) {
    this(tree, activeRoot, fetcher, counters, journal, inPlace, pool, maxInFlight, PersistentStep.Cover.NONE);
  }

  /** @param persistents paths left out because the persistent step replaces them afterwards */
  RegularFileStep(StandbyTree tree, Path activeRoot, ContentFetcher fetcher, ProgressCounters counters,
      PlacementJournal journal, boolean inPlace, ExecutorService pool, int maxInFlight,
      PersistentStep.Cover persistents) {
    this.persistents = persistents;
    this.tree = tree;
    this.activeRoot = activeRoot;
    this.fetcher = fetcher;
    this.counters = counters;
    this.journal = journal;
    this.inPlace = inPlace;
    this.pool = pool;
    this.maxInFlight = maxInFlight;
  }

  long keptFiles() {
    return kept.get();
  }

  void run(DeltaPlan plan) {
    this.plan = plan;
    if (!persistents.isEmpty()) {
      for (ContentGroup g : plan.contentGroups()) {
        boolean[] skip = null;
        for (int i = 0; i < g.count(); i++) {
          if (persistents.replaces(g.member(i).path)) {
            if (skip == null) {
              skip = new boolean[g.count()];
            }
            skip[i] = true;
          }
        }
        if (skip != null) {
          skips.put(g, skip);
        }
      }
    }
    announceDelta(plan);
    BoundedTasks tasks = new BoundedTasks(pool, maxInFlight);
    for (ContentGroup g : plan.contentGroups()) {
      if (!tasks.submit(() -> place(g))) {
        break; // a group failed: stop dispatching
      }
    }
    tasks.finish();
  }

  /**
   * Tells the counters what the delta downloads, and how many groups may still need the network: a
   * group copied from the active slot falls back to a download when the copy does not verify.
   */
  private void announceDelta(DeltaPlan plan) {
    long downloads = 0;
    long downloadSize = 0;
    long network = 0;
    for (ContentGroup g : plan.contentGroups()) {
      if (allSkipped(g)) {
        continue; // nothing of it is placed, nothing fetched
      }
      ContentGroup.Source s = g.source();
      if (s == ContentGroup.Source.DOWNLOAD) {
        downloads++;
        downloadSize += g.countedSize();
      }
      if (s != ContentGroup.Source.EMPTY) {
        network++;
      }
    }
    counters.deltaKnown(downloads, downloadSize, network);
  }

  private void place(ContentGroup g) throws IOException {
    try {
      placeGroup(g);
    } finally {
      if (g.source() != ContentGroup.Source.EMPTY && !allSkipped(g)) {
        counters.groupPlaced();
      }
    }
  }

  private boolean allSkipped(ContentGroup g) {
    boolean[] skip = skips.get(g);
    if (skip == null) {
      return false;
    }
    for (boolean b : skip) {
      if (!b) {
        return false;
      }
    }
    return true;
  }

  private void placeGroup(ContentGroup g) throws IOException {
    int n = g.count();
    Sha256 sha = g.sha256;
    Path[] targets = new Path[n];
    FileStat[] keptStat = new FileStat[n];
    // kept on the word of its old record, which was written after a sync: its new record needs none
    boolean[] vouched = new boolean[n];
    boolean[] done = new boolean[n];
    long[] checkNanos = new long[n];
    // whether this group changed any inode after it was stat'ed: then every member is stat'ed again
    // before it is recorded (a hard link or chmod changes the ctime that the record pins)
    boolean touched = false;
    boolean[] skip = skips.getOrDefault(g, new boolean[n]);
    for (int i = 0; i < n; i++) {
      PlannedFile e = g.member(i);
      targets[i] = tree.locate(e.path);
      tree.safeParent(e.path, targets[i]);
      if (skip[i]) {
        // the persistent step puts the active slot's file here: counted as carried over, not placed
        counters.processed(Op.COPY, g.countedSize(), 0);
      }
    }
    // 1. content already in the standby at its own path (in-place update or resume)
    if (inPlace) {
      for (int i = 0; i < n; i++) {
        PlannedFile e = g.member(i);
        if (skip[i] || !plan.mayBeInStandby(e.path)) {
          continue;
        }
        long t0 = System.nanoTime();
        keptStat[i] = holdsContent(e, g, targets[i], vouched, i);
        done[i] = keptStat[i] != null;
        checkNanos[i] = System.nanoTime() - t0;
      }
    }
    Map<String, Integer> linkTargets = new HashMap<>();
    for (int i = 0; i < n; i++) {
      PlannedFile e = g.member(i);
      if (!done[i]) {
        continue;
      }
      // kept members of a hard-link group define where the others link to
      if (e.isHardLinked()) {
        Integer first = linkTargets.putIfAbsent(e.linkKey, i);
        if (first != null && !sameInode(keptStat[first], keptStat[i])) {
          done[i] = false; // right content but not linked to its group: relinked below
          keptStat[i] = null;
          continue;
        }
      }
      touched |= fixAttributes(e, targets[i], keptStat[i]);
      kept.incrementAndGet();
      counters.processed(Op.COPY, g.countedSize(), checkNanos[i]);
    }
    // 2. the first copy of the content, unless kept; 3. everything else: hard link within a link
    // group, else a local copy of the first placed member
    int placed = g.place(done, skip, linkTargets, new ContentGroup.Placer<IOException>() {
      @Override
      public void obtain(int member) throws IOException {
        RegularFileStep.this.obtain(g, g.member(member), targets[member]);
      }

      @Override
      public void link(int member, int to) throws IOException {
        long t0 = System.nanoTime();
        RegularFileStep.this.link(targets[to], targets[member], g.member(member));
        counters.processed(Op.LINK, g.countedSize(), System.nanoTime() - t0);
      }

      @Override
      public void copy(int member, int from) throws IOException {
        long t0 = System.nanoTime();
        PlannedFile e = g.member(member);
        Path tmp = TempNames.beside(targets[member]);
        try {
          Files.copy(targets[from], tmp, LinkOption.NOFOLLOW_LINKS);
          commit(tmp, targets[member], e);
        } catch (IOException ex) {
          Files.deleteIfExists(tmp);
          throw SlotIo.failure("copying to " + e.path, ex);
        }
        counters.processed(Op.COPY, g.countedSize(), System.nanoTime() - t0);
      }
    });
    touched |= placed > 0;
    // 4. record every member in its final state (a skipped one is the persistent step's)
    for (int i = 0; i < n; i++) {
      if (skip[i]) {
        continue;
      }
      FileStat st = touched ? null : keptStat[i];
      boolean durable = st != null && vouched[i];
      if (st == null) {
        try {
          st = FileStat.of(targets[i]);
        } catch (IOException ex) {
          log.debug("cannot record {}: {}", g.member(i).path, ex.toString());
          continue;
        }
      }
      journal.placed(g.member(i).path, sha, st, durable);
    }
  }

  private static boolean sameInode(FileStat a, FileStat b) {
    return a.dev() == b.dev() && a.ino() == b.ino();
  }

  /**
   * Puts the content at {@code target} from the group's {@link ContentGroup#source()}: an empty file,
   * a verified copy from the active slot, or a download (also when the active-slot file has changed).
   */
  private void obtain(ContentGroup g, PlannedFile e, Path target) throws IOException {
    long t0 = System.nanoTime();
    Path tmp = TempNames.beside(target);
    try {
      ContentGroup.Source source = g.source();
      if (source == ContentGroup.Source.EMPTY) {
        // Nothing to fetch for empty content (the Python client's shortcut for this never fired — Q5).
        Files.newByteChannel(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        commit(tmp, target, e);
        counters.processed(Op.COPY, 0, System.nanoTime() - t0);
        return;
      }
      if (source == ContentGroup.Source.ACTIVE_SLOT
          && copyVerified(activeRoot.resolve(g.activeCandidate.substring(1)), tmp, g)) {
        commit(tmp, target, e);
        counters.processed(Op.COPY, g.countedSize(), System.nanoTime() - t0);
        return;
      }
      Files.deleteIfExists(tmp);
      long d0 = System.nanoTime();
      LiveBytes live = new LiveBytes(counters);
      try {
        fetcher.fetch(g, e.path, tmp, live);
        commit(tmp, target, e);
      } catch (IOException | RuntimeException ex) {
        live.takeBack();
        throw ex;
      }
      counters.processed(Op.DOWNLOAD, g.countedSize(), System.nanoTime() - d0);
    } catch (IOException ex) {
      AtomicFiles.discard(tmp);
      throw SlotIo.failure("writing " + e.path, ex);
    } catch (RuntimeException ex) {
      AtomicFiles.discard(tmp);
      throw ex;
    }
  }

  /**
   * Counts a download's bytes as they arrive; a failed attempt's bytes are taken back, so the
   * total ends as the successful attempts' wire bytes, as before, but moves during a large file.
   */
  private static final class LiveBytes implements FetchListener {
    private final ProgressCounters counters;
    private long attempt;

    LiveBytes(ProgressCounters counters) {
      this.counters = counters;
    }

    @Override
    public void onBytes(long wireBytes) {
      attempt += wireBytes;
      counters.downloadBytes(wireBytes);
    }

    @Override
    public void onRetry(BlobRequest req, int failedAttempt, Exception cause) {
      counters.downloadError();
      takeBack();
    }

    void takeBack() {
      counters.downloadBytes(-attempt);
      attempt = 0;
    }
  }

  /** Copies an active-slot file while hashing it; false (and nothing kept) when it is not the content. */
  private boolean copyVerified(Path source, Path tmp, ContentGroup g) {
    MessageDigest d = ContentHash.sha256();
    long written = 0;
    try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
         FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      if (g.size >= 0 && in.size() != g.size) {
        return false;
      }
      ByteBuffer b = ContentHash.buffer();
      while (in.read(b) >= 0) {
        b.flip();
        d.update(b.duplicate());
        while (b.hasRemaining()) {
          written += out.write(b);
        }
        b.clear();
      }
    } catch (NoSuchFileException | java.nio.file.FileSystemLoopException e) {
      return false;
    } catch (IOException e) {
      if (SlotIo.isNoSpace(e)) {
        throw SlotIo.failure("copying " + source, e);
      }
      log.debug("copy from active slot failed for {}: {}", source, e.toString());
      return false;
    }
    boolean ok = Sha256.of(d.digest()).equals(g.sha256) && (g.size < 0 || written == g.size);
    if (!ok) {
      log.info("active-slot file {} no longer has the expected content; downloading instead", source);
    }
    return ok;
  }

  /**
   * The standby file's {@code lstat} when it already holds the entry's content, else null. A placement
   * record vouches for the content when {@code lstat} still matches it exactly; otherwise it is
   * hashed. The stat is taken before hashing, so a change while hashing leaves a record that no
   * longer matches. {@code vouched[i]} is set when a record, not a hash, vouched for the content.
   */
  private FileStat holdsContent(PlannedFile e, ContentGroup g, Path target, boolean[] vouched, int i) {
    // found unchanged since its record by the in-place clean's lstat: nothing but this step writes
    // the path between the two (a file another group relinked meanwhile keeps its content; its new
    // record then fails to match at the next update, and it is hashed there)
    KeptFiles found = plan.keptFiles;
    FileStat known = found == null ? null : found.take(e.path, g.sha256);
    if (known != null) {
      vouched[i] = true;
      return known;
    }
    FileStat st;
    try {
      st = FileStat.of(target);
    } catch (IOException ex) {
      return null;
    }
    if (!st.isRegularFile() || (g.size >= 0 && st.size() != g.size)) {
      return null;
    }
    if (journal.isTrusted(e.path, g.sha256, st)) {
      vouched[i] = true;
      return st;
    }
    try {
      return Sha256.ofHex(ContentHash.of(target)).equals(g.sha256) ? st : null;
    } catch (IOException ex) {
      return null;
    }
  }

  /**
   * Gives a kept file the image's owner and mode, touching it only where they differ (chmod sets
   * ctime even when the mode is unchanged, which would void its placement record). True when changed.
   */
  private static boolean fixAttributes(PlannedFile e, Path target, FileStat st) throws IOException {
    if (st.hasOwnerAndMode(e.uid(), e.gid(), e.mode)) {
      // extended attributes only change where they differ: a kept file usually keeps its ctime
      return e.xattrs != null && FileAttributes.applyXattrs(target, e.xattrs);
    }
    FileAttributes.apply(target, e.uid(), e.gid(), e.mode);
    if (e.xattrs != null) {
      FileAttributes.applyXattrs(target, e.xattrs);
    }
    return true;
  }

  private void link(Path existing, Path target, PlannedFile e) throws IOException {
    Path tmp = TempNames.beside(target);
    try {
      Files.createLink(tmp, existing);
      move(tmp, target);
    } catch (IOException ex) {
      AtomicFiles.discard(tmp);
      throw SlotIo.failure("hard-linking " + e.path, ex);
    }
  }

  private void commit(Path tmp, Path target, PlannedFile e) throws IOException {
    FileAttributes.apply(tmp, e.uid(), e.gid(), e.mode);
    if (e.xattrs != null) {
      // after chown, which clears security.capability
      FileAttributes.applyXattrs(tmp, e.xattrs);
    }
    move(tmp, target);
  }

  private void move(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException ex) {
      throw ex;
    } catch (FileSystemException ex) {
      if (Files.isDirectory(target, NOFOLLOW)) {
        throw new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.STANDBY_SLOT,
            "'" + tree.display(target) + "' is a regular file in the image but a directory in the slot", ex);
      }
      throw ex;
    }
  }

}
