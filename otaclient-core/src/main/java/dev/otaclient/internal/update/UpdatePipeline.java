package dev.otaclient.internal.update;

import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.internal.fs.Fsync;
import dev.otaclient.internal.fs.TempNames;
import dev.otaclient.internal.boot.BootController;
import dev.otaclient.internal.boot.Standby;
import dev.otaclient.internal.ecu.DaemonThreads;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.image.ImageSource;
import dev.otaclient.internal.image.ImageSources;
import dev.otaclient.internal.image.ImageTree;
import dev.otaclient.internal.slot.SlotIo;
import dev.otaclient.internal.slot.SlotLayout;
import dev.otaclient.internal.slot.StandbyTree;
import dev.otaclient.status.UpdatePhase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local update as one visible pipeline, each step with one owner:
 * metadata -> lists -> plan -> controller vets the image -> prepare standby -> (clean in place) -> directories -> symlinks ->
 * regular files -> persistents -> save image meta -> wait for children -> switch -> reboot. The delta's sources in the
 * active slot are found on a thread of their own from the plan to the regular files.
 */
final class UpdatePipeline {
  private static final Logger log = LoggerFactory.getLogger(UpdatePipeline.class);
  private static final SlotLayout LAYOUT = SlotLayout.STANDARD;

  private static final Duration WORKER_STOP_LIMIT = Duration.ofSeconds(60);

  private final BootController boot;
  private final UpdateSettings settings;
  private final ProgressCounters counters;
  private final Cancellation cancel;
  private final String ecuId;

  UpdatePipeline(BootController boot, UpdateSettings settings, ProgressCounters counters, Cancellation cancel,
      String ecuId) {
    this.boot = boot;
    this.settings = settings;
    this.counters = counters;
    this.cancel = cancel;
    this.ecuId = ecuId;
  }

  /**
   * Builds the standby from the image and arms the switch. Returns the prepared standby. Nothing
   * touches the standby until the image is verified: its signature, the four lists (fetched into a
   * private work directory and checked against the signed hashes) and the plan made from them.
   */
  Standby build(UpdateRequest request) {
    counters.phase(UpdatePhase.INITIAL);
    // made by this thread or by each other, the workers and the delta's thread inherit the update's
    // priority: the lowest for a background update (UpdateThreads), the caller's for `apply`
    ExecutorService pool = Executors.newFixedThreadPool(settings.workers(), DaemonThreads.named("ota-worker"));
    cancel.onStop(pool::shutdownNow);
    // one thread of its own for work that overlaps the main thread's steps (the delta's sources); not
    // a worker, because the active-slot scan waits for hashing tasks it puts on the workers
    ExecutorService side = Executors.newSingleThreadExecutor(DaemonThreads.named("ota-delta"));
    cancel.onStop(side::shutdownNow);
    Path privateWork = PrivateWorkDir.create(settings.workDir());
    InstallPayload payload = null;
    try (ImageSource source = ImageSources.open(request.location(), request.cookies(), request.http(settings.http()),
        settings.retry(), settings.downloadConcurrency(), privateWork)) {
      // closing the transport wakes every thread blocked on the network
      cancel.onStop(source::close);
      counters.phase(UpdatePhase.METADATA);
      // legacy: metadata.jwt, certificate, the four lists; v1: index.jwt, index.json, the payload's
      // documents and both tables. Either way into the private work directory, verified.
      payload = InstallPayloads.open(source, settings, ecuId, privateWork);
      payload.totalRegularSize().ifPresent(s -> counters.totals(0, s));
      ImageTree image = payload.tree();
      cancel.checkpoint();
      DeltaPlanner planner = new DeltaPlanner(pool);
      DeltaPlan plan = planner.read(image);
      counters.totals(plan.totalRegularFiles, payload.totalRegularSize().orElse(plan.totalRegularSize));
      counters.deltaStarted();
      // Finding the active slot's copies of the new contents reads only the active slot and sets only
      // ContentGroup.activeCandidate, which nothing reads before the REGULAR phase: it runs beside
      // preparing, cleaning and populating the standby (a no-op update of 60 000 files spent ~10 % of
      // its main thread on it), and is joined before the first file is placed.
      Path activeRoot = boot.activeRoot();
      Future<?> sources = side.submit(() -> planner.findActiveSources(plan, activeRoot));
      // the controller may refuse an image it cannot boot, from the image's own files, before the
      // download and before the standby is touched (Jetson: the BSP release)
      boot.vetImage(new PlanFiles(plan, payload, privateWork));
      cancel.checkpoint();

      // formatting or mounting the standby must not be cut short: a cancel waits for it
      cancel.enterCritical();
      Standby standby;
      try {
        standby = boot.prepareStandby(request.version(), request.detail(), true);
      } finally {
        cancel.exitCritical();
      }
      StandbyTree tree = new StandbyTree(standby.root(), standby.bootDir());
      Path work = SlotLayout.in(standby.root(), LAYOUT.workDir());
      createWorkDir(work);
      // opened before the in-place clean, which removes the old manifest unless the image lists it
      try (PlacementJournal journal = PlacementJournal.open(SlotLayout.in(standby.root(), LAYOUT.journal()),
          standby.reusedInPlace() ? existingManifest(standby.root()) : null, standby.root())) {
        if (standby.reusedInPlace()) {
          counters.removed(StandbyCleaner.clean(tree, plan, standby.controllerOwned(),
              new KeptFiles(plan.regularPaths, journal.records()), pool));
        }
        counters.phase(UpdatePhase.DIRECTORY);
        DirectoryStep dirs = new DirectoryStep(tree, image, standby.reusedInPlace(), plan);
        dirs.create();

        counters.phase(UpdatePhase.SYMLINK);
        new SymlinkStep(tree, image).run();
        new WhiteoutStep(tree, image).run();
        Steps.awaitAll(List.of(sources));
        cancel.checkpoint();

        counters.phase(UpdatePhase.REGULAR);
        RegularFileStep regulars = new RegularFileStep(tree, boot.activeRoot(), payload.contents(tree), counters,
            journal, standby.reusedInPlace(), pool, settings.workers() * 4,
            PersistentStep.Cover.of(image, boot.activeRoot()));
        regulars.run(plan);
        cancel.checkpoint();

        counters.phase(UpdatePhase.PERSISTENT);
        long persisted = new PersistentStep(tree, boot.activeRoot(), image).run();
        dirs.applyAttributes();
        payload.saveMeta(tree);
        log.info("standby built: {} files kept in place, {} persistents carried over", regulars.keptFiles(), persisted);
        journal.promoteTo(tree.locate(LAYOUT.manifest()));
      }
      AtomicFiles.deleteTree(work);
      Fsync.filesystem(standby.root());
      return standby;
    } catch (IOException e) {
      throw SlotIo.failure("building the standby slot", e);
    } finally {
      stopWorkers(side);
      stopWorkers(pool);
      if (payload != null) {
        payload.close();
      }
      PrivateWorkDir.delete(privateWork);
    }
  }

  /**
   * Stops the workers and waits until none runs any more: after a failure or a cancel the boot
   * controller releases (unmounts) the standby next, and no task cancelled on its way may still be
   * writing there. Workers block only on interruptible I/O (file channels, sockets of a closed
   * transport), so the wait is short; the bound only keeps a wedged disk from hanging the client.
   */
  private static void stopWorkers(ExecutorService pool) {
    pool.shutdownNow();
    boolean interrupted = Thread.interrupted();
    try {
      if (!pool.awaitTermination(WORKER_STOP_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("worker threads still running {} s after they were stopped", WORKER_STOP_LIMIT.toSeconds());
      }
    } catch (InterruptedException e) {
      interrupted = true;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * The slot manifest of the standby's last completed build, when it is a regular file below real
   * directories (a symlink anywhere on the way is not followed: the file is then ignored).
   */
  static Path existingManifest(Path standbyRoot) {
    Path p = standbyRoot;
    String[] parts = LAYOUT.manifest().substring(1).split("/");
    for (int i = 0; i < parts.length; i++) {
      p = p.resolve(parts[i]);
      boolean last = i == parts.length - 1;
      if (last ? !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) : !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        return null;
      }
    }
    return p;
  }

  private static void createWorkDir(Path work) {
    try {
      if (Files.isSymbolicLink(work)) {
        Files.delete(work);
      }
      Files.createDirectories(work);
      Files.setAttribute(work, "unix:mode", 0700);
    } catch (IOException e) {
      throw SlotIo.failure("creating " + work, e);
    }
  }

  static OtaException unexpected(Throwable t) {
    return new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.GENERAL,
        "unexpected error: " + t, t);
  }
}
