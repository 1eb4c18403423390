package dev.otaclient.update;

import dev.otaclient.fs.AtomicFiles;
import dev.otaclient.fs.Fsync;
import dev.otaclient.fs.TempNames;
import dev.otaclient.boot.BootController;
import dev.otaclient.boot.Standby;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.fetch.BlobFetcher;
import dev.otaclient.fetch.HttpBlobFetcher;
import dev.otaclient.fetch.LocalBlobFetcher;
import dev.otaclient.image.ImageSource;
import dev.otaclient.image.ImageSources;
import dev.otaclient.image.ListKind;
import dev.otaclient.image.OtaImage;
import dev.otaclient.image.VerifiedLists;
import dev.otaclient.slot.SlotIo;
import dev.otaclient.slot.SlotLayout;
import dev.otaclient.slot.StandbyTree;
import dev.otaclient.status.UpdatePhase;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local update as one visible pipeline, each step with one owner:
 * metadata -> prepare standby -> lists -> plan -> (clean in place) -> directories -> symlinks ->
 * regular files -> persistents -> save image meta -> wait for children -> switch -> reboot.
 */
final class UpdatePipeline {
  private static final Logger log = LoggerFactory.getLogger(UpdatePipeline.class);
  private static final SlotLayout LAYOUT = SlotLayout.STANDARD;

  private final BootController boot;
  private final UpdateSettings settings;
  private final ProgressCounters counters;

  UpdatePipeline(BootController boot, UpdateSettings settings, ProgressCounters counters) {
    this.boot = boot;
    this.settings = settings;
    this.counters = counters;
  }

  /** Builds the standby from the image and arms the switch. Returns the prepared standby. */
  Standby build(UpdateRequest request) {
    counters.phase(UpdatePhase.INITIAL);
    AtomicInteger threadNo = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(settings.workers(), r -> {
      Thread t = new Thread(r, "ota-worker-" + threadNo.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    try (ImageSource source = ImageSources.open(request.image(), request.cookies(), settings.http())) {
      counters.phase(UpdatePhase.METADATA);
      OtaImage image = OtaImage.open(source, settings.caStore(), settings.trustPolicy());
      image.metadata().totalRegularSize().ifPresent(s -> counters.totals(0, s));

      Standby standby = boot.prepareStandby(request.version(), true);
      StandbyTree tree = new StandbyTree(standby.root(), standby.bootDir());
      Path work = SlotLayout.in(standby.root(), LAYOUT.workDir());
      createWorkDir(work);
      // opened before the in-place clean, which removes the old manifest unless the image lists it
      try (PlacementJournal journal = PlacementJournal.open(SlotLayout.in(standby.root(), LAYOUT.journal()),
          standby.reusedInPlace() ? existingManifest(standby.root()) : null, standby.root())) {
        VerifiedLists lists = image.fetchLists(SlotLayout.in(standby.root(), LAYOUT.fetchedLists()));

        DeltaPlanner planner = new DeltaPlanner(pool);
        DeltaPlan plan = planner.read(lists);
        counters.totals(plan.totalRegularFiles,
            image.metadata().totalRegularSize().orElse(plan.totalRegularSize));
        if (standby.reusedInPlace()) {
          StandbyCleaner.clean(tree, plan);
        }
        planner.findActiveSources(plan, boot.activeRoot());

        try (BlobFetcher fetcher = fetcher(request, source, image)) {
          counters.phase(UpdatePhase.DIRECTORY);
          DirectoryStep dirs = new DirectoryStep(tree, lists.directories());
          dirs.create();

          counters.phase(UpdatePhase.SYMLINK);
          new SymlinkStep(tree, lists.symlinks()).run();

          counters.phase(UpdatePhase.REGULAR);
          RegularFileStep regulars = new RegularFileStep(tree, boot.activeRoot(), image.metadata(), fetcher, counters, journal,
              standby.reusedInPlace(), pool, settings.workers() * 4);
          regulars.run(plan);

          counters.phase(UpdatePhase.PERSISTENT);
          long persisted = new PersistentStep(tree, boot.activeRoot(), lists.persistents()).run();
          dirs.applyAttributes();
          saveImageMeta(tree, lists);
          log.info("standby built: {} files kept in place, {} persistents carried over", regulars.keptFiles(), persisted);
        }
        journal.promoteTo(tree.locate(LAYOUT.manifest()));
      }
      AtomicFiles.deleteTree(work);
      Fsync.filesystem(standby.root());
      return standby;
    } catch (IOException e) {
      throw SlotIo.failure("building the standby slot", e);
    } finally {
      pool.shutdownNow();
    }
  }

  private BlobFetcher fetcher(UpdateRequest request, ImageSource source, OtaImage image) {
    if (request.isRemote()) {
      return new HttpBlobFetcher(URI.create(request.image()), request.cookies(), settings.http(), settings.retry(),
          settings.downloadConcurrency());
    }
    return new LocalBlobFetcher(rel -> source.open(rel, false));
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

  /** The four lists go to {@code /opt/ota/image-meta/}: the next update's fast delta source. */
  private static void saveImageMeta(StandbyTree tree, VerifiedLists lists) {
    ListKind[] kinds = {ListKind.DIRECTORIES, ListKind.SYMLINKS, ListKind.REGULARS, ListKind.PERSISTENTS};
    for (int i = 0; i < kinds.length; i++) {
      String imagePath = LAYOUT.savedList(kinds[i]);
      Path target = tree.locate(imagePath);
      tree.safeParent(imagePath, target);
      Path tmp = TempNames.beside(target);
      try {
        Files.copy(lists.path(kinds[i]), tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw SlotIo.failure("saving " + imagePath, e);
      }
    }
  }

  static OtaException unexpected(Throwable t) {
    return new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.GENERAL,
        "unexpected error: " + t, t);
  }
}
