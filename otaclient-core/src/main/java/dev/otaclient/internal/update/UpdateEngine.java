package dev.otaclient.internal.update;

import dev.otaclient.internal.boot.BootController;
import dev.otaclient.internal.boot.BootState;
import dev.otaclient.internal.boot.RollbackCheck;
import dev.otaclient.internal.boot.Standby;
import dev.otaclient.error.ErrorApi;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.FailureType;
import dev.otaclient.error.OtaException;
import dev.otaclient.status.CancelOutcome;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.Progress;
import dev.otaclient.status.UpdateEvent;
import dev.otaclient.status.UpdateProgress;
import dev.otaclient.status.VersionDetail;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OTA client of one ECU: owns the live status, runs at most one update or rollback at a time,
 * publishes typed {@link UpdateEvent}s, and never leaves the status UPDATING once an operation
 * stopped. Embedders use the {@code dev.otaclient.client.OtaClient} facade built on this.
 */
public final class UpdateEngine {
  private static final Logger log = LoggerFactory.getLogger(UpdateEngine.class);
  /** How often progress events may fire at most. */
  static final Duration PROGRESS_INTERVAL = Duration.ofMillis(250);
  /** How long a new operation waits for the end of one that shows its final status (listeners are quick). */
  static final Duration ENDING_WAIT = Duration.ofSeconds(5);

  private final String ecuId;
  private final BootController boot;
  private final UpdateSettings settings;
  private final AtomicBoolean busy = new AtomicBoolean();
  private final UpdateEvents events = new UpdateEvents();
  private final Object lock = new Object();

  // live state, guarded by lock
  private boolean started;
  private OtaStatus status = OtaStatus.INITIALIZED;
  private FailureType failure = FailureType.NO_FAILURE;
  private String failureReason = "";
  private String version = "";
  private VersionDetail detail = VersionDetail.NONE;
  private volatile ProgressCounters counters;
  private volatile Progress lastBuild;
  private volatile UpdateOperation current;
  /** The last operation begun, kept after it ended: {@link #begin} waits out its end (see there). */
  private volatile UpdateOperation last;

  public UpdateEngine(String ecuId, BootController boot, UpdateSettings settings) {
    this.ecuId = Objects.requireNonNull(ecuId);
    this.boot = Objects.requireNonNull(boot);
    this.settings = Objects.requireNonNull(settings);
  }

  public String ecuId() {
    return ecuId;
  }

  public BootController bootController() {
    return boot;
  }

  /** Runs start-up finalisation once and loads the live state from it; later calls just report. */
  public EcuStatus start() {
    synchronized (lock) {
      if (started) {
        return status();
      }
      started = true;
    }
    adopt(boot.finalizeAtStartup());
    return status();
  }

  private void adopt(BootState s) {
    synchronized (lock) {
      status = s.status();
      version = s.version();
      failure = s.failure();
      failureReason = s.failureReason();
      detail = s.detail();
      counters = null;
    }
    statusChanged();
  }

  /**
   * A consistent snapshot in both status forms; progress (v1) is present while an update runs, the
   * v2 progress also while the client updates itself. Cheap.
   */
  public EcuStatus status() {
    synchronized (lock) {
      ProgressCounters c = counters;
      boolean running = status == OtaStatus.UPDATING || status == OtaStatus.ABORTING;
      Optional<UpdateProgress> update = c != null && (running || status == OtaStatus.CLIENT_UPDATING)
          ? Optional.of(c.updateSnapshot()) : Optional.empty();
      return new EcuStatus(ecuId, status, failure, failureReason, version,
          c != null && running ? Optional.of(c.snapshot()) : Optional.empty(), ClientVersion.current(), detail,
          update, "");
    }
  }

  /**
   * Counters of the last update whose standby slot was completely built, frozen at that moment. The
   * API's {@code progress} is only reported while updating; this keeps the figures afterwards.
   */
  public Optional<Progress> lastCompletedBuild() {
    return Optional.ofNullable(lastBuild);
  }

  UpdateEvents events() {
    return events;
  }

  /**
   * Calls {@code listener} with every event of {@code type} ({@code UpdateEvent.class} for all);
   * returns what cancels the subscription.
   */
  public <E extends UpdateEvent> Runnable subscribe(Class<E> type, Consumer<? super E> listener) {
    return events.subscribe(type, listener);
  }

  /** Called on every state or phase change (from the updating thread). */
  public void addListener(Consumer<EcuStatus> listener) {
    events.subscribe(UpdateEvent.StatusChanged.class, e -> listener.accept(e.status()));
  }

  private void statusChanged() {
    events.publish(new UpdateEvent.StatusChanged(ecuId, status()));
  }

  private void phaseChanged(ProgressCounters c) {
    Progress p = c.snapshot();
    logPhase(p.phase());
    events.publish(new UpdateEvent.PhaseChanged(ecuId, p.phase(), p));
    statusChanged();
  }

  /** An operator's log shows each phase as it starts, and how long the one before took. */
  private void logPhase(dev.otaclient.status.UpdatePhase phase) {
    synchronized (phaseLog) {
      long now = System.nanoTime();
      if (phase == loggedPhase) {
        return;
      }
      if (loggedPhase == null) {
        log.info("update of {}: phase {}", ecuId, phase);
      } else {
        log.info("update of {}: phase {} ({} took {})", ecuId, phase, loggedPhase, seconds(now - loggedPhaseStart));
      }
      loggedPhase = phase;
      loggedPhaseStart = now;
    }
  }

  private static String seconds(long nanos) {
    return String.format(java.util.Locale.ROOT, "%.1f s", nanos / 1e9);
  }

  private final Object phaseLog = new Object();
  private dev.otaclient.status.UpdatePhase loggedPhase;
  private long loggedPhaseStart;
  private long operationStart;

  private void progressed(ProgressCounters c) {
    Progress p = c.snapshot();
    events.publish(new UpdateEvent.BytesDownloaded(ecuId, p.downloadBytes(), p.totalRegularFileSize()));
    events.publish(new UpdateEvent.FilesProcessed(ecuId, p.regularFilesProcessed(), p.totalRegularFiles(),
        p.fileSizeProcessedCopy() + p.fileSizeProcessedLink() + p.fileSizeProcessedDownload(),
        p.totalRegularFileSize()));
  }

  /** Runs an update on the calling thread; returns the final status (after a simulated reboot, if any). */
  public EcuStatus update(UpdateRequest request) {
    return update(request, BeforeReboot.NONE);
  }

  public EcuStatus update(UpdateRequest request, BeforeReboot beforeReboot) {
    UpdateOperation op = begin(OtaStatus.UPDATING, request.version());
    runUpdate(op, request, beforeReboot);
    return status();
  }

  /**
   * Accepts an update and runs it on a new thread. Throws {@link OtaException} with
   * {@link ErrorCode#BUSY} when another operation runs, or the status does not allow an update.
   */
  public UpdateOperation startUpdate(UpdateRequest request, BeforeReboot beforeReboot) {
    UpdateOperation op = begin(OtaStatus.UPDATING, request.version());
    UpdateThreads.start("ota-update", () -> runUpdate(op, request, beforeReboot));
    return op;
  }

  /** Asks the running update to stop (the Abort RPC); see {@link UpdateOperation#cancel()}. */
  public CancelOutcome cancel() {
    UpdateOperation op = current;
    return op == null ? CancelOutcome.NOT_RUNNING : op.cancel();
  }

  /**
   * Accepts a client update (the ClientUpdate RPC) and runs it on a new thread: CLIENT_UPDATING, v2
   * phase DOWNLOADING_OTA_CLIENT, while the image is verified and its client release (if any)
   * fetched and installed; then the status the ECU had before (a client update changes no slot),
   * whatever happened; then, when a new release was installed, the restart command. Not abortable:
   * like the Python client, Abort stops only a running update.
   */
  public UpdateOperation startClientUpdate(UpdateRequest request) {
    UpdateOperation op = begin(OtaStatus.CLIENT_UPDATING, request.version());
    op.cancellation().enterFinal();
    UpdateThreads.start("ota-client-update", () -> runClientUpdate(op, request));
    return op;
  }

  private void runClientUpdate(UpdateOperation op, UpdateRequest request) {
    ClientUpdater updater = new ClientUpdater(settings);
    Optional<OtaException> failed = Optional.empty();
    Optional<String> installed = Optional.empty();
    try {
      installed = updater.fetchAndInstall(request);
    } catch (Throwable t) {
      OtaException e = t instanceof OtaException oe ? oe : UpdatePipeline.unexpected(t);
      log.error("client update of {} failed, the client stays at version {}: {}", ecuId, ClientVersion.current(),
          e.failureReason());
      failed = Optional.of(e);
    }
    // never left in CLIENT_UPDATING: back to what the slots say, which a client update does not change
    adopt(boot.currentState());
    if (failed.isPresent()) {
      EcuStatus s = status();
      end(op, new UpdateEvent.Failed(ecuId, new EcuStatus(ecuId, s.status(), failed.get().failureType(),
          failed.get().failureReason(), s.version(), Optional.empty())));
    } else {
      end(op, new UpdateEvent.Finished(ecuId, status()));
    }
    installed.ifPresent(updater::restart);
  }

  /**
   * Makes {@code target} the status, with fresh counters that already name {@code targetVersion}
   * (null for a rollback): the first Status after the RPC's acknowledgement must show what is being
   * installed, and the operation's thread may not have run yet when it is asked.
   */
  private UpdateOperation begin(OtaStatus target, String targetVersion) {
    if (!busy.compareAndSet(false, true) && !takeOverFromEnding()) {
      throw new OtaException(ErrorCode.BUSY, ErrorModule.API, "an update or rollback is already running on " + ecuId);
    }
    UpdateOperation op;
    synchronized (lock) {
      boolean allowed = target == OtaStatus.UPDATING || target == OtaStatus.CLIENT_UPDATING ? status.acceptsUpdate()
          : status == OtaStatus.SUCCESS || status == OtaStatus.ROLLBACK_FAILURE;
      if (!allowed) {
        busy.set(false);
        throw new OtaException(target != OtaStatus.ROLLBACKING ? ErrorCode.INVALID_STATUS_FOR_UPDATE
            : ErrorCode.INVALID_STATUS_FOR_ROLLBACK, ErrorModule.API, "status is " + status);
      }
      status = target;
      failure = FailureType.NO_FAILURE;
      failureReason = "";
      ProgressCounters[] self = new ProgressCounters[1];
      counters = self[0] = new ProgressCounters(() -> phaseChanged(self[0]), () -> progressed(self[0]),
          PROGRESS_INTERVAL);
      if (targetVersion != null) {
        counters.targetVersion(targetVersion);
      }
      if (target == OtaStatus.CLIENT_UPDATING) {
        counters.clientUpdate();
      }
      op = new UpdateOperation(new Cancellation(), this::status);
      current = op;
      last = op;
    }
    statusChanged();
    return op;
  }

  /**
   * An operation shows its final status (SUCCESS, FAILURE, ...) a moment before it has ended: it
   * still tells its listeners. A caller that read that status and asked for the next operation at
   * once was refused as busy. When the operation holding {@code busy} already shows a final status,
   * its end is waited for (up to {@link #ENDING_WAIT}); true when {@code busy} is then ours.
   */
  private boolean takeOverFromEnding() {
    UpdateOperation op = last;
    boolean ending;
    synchronized (lock) {
      // current is cleared when the end begins; before that, the final status shows the end is near
      ending = op != null && (current == null || !status.isBusy());
    }
    if (!ending) {
      return false;
    }
    try {
      op.await(ENDING_WAIT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    return busy.compareAndSet(false, true);
  }

  private void runUpdate(UpdateOperation op, UpdateRequest request, BeforeReboot beforeReboot) {
    ProgressCounters c = counters;
    Cancellation cancel = op.cancellation();
    Thread self = Thread.currentThread();
    cancel.onStop(self::interrupt);
    try {
      synchronized (phaseLog) {
        loggedPhase = null;
        operationStart = System.nanoTime();
      }
      log.info("update of {} to version '{}' from {} started{}", ecuId, request.version(), request.image(),
          request.detail().isEmpty() ? "" : " (" + request.detail() + ")");
      UpdatePipeline pipeline = new UpdatePipeline(boot, settings, c, cancel, ecuId);
      Standby standby = pipeline.build(request);
      cancel.enterFinal();
      c.phase(dev.otaclient.status.UpdatePhase.POST_PROCESSING);
      lastBuild = c.snapshot();
      progressed(c);
      log.info("standby slot of {} is ready; waiting for permission to reboot", ecuId);
      beforeReboot.await();
      boot.commitSwitch(standby);
      log.info("{} switches to the updated slot; rebooting", ecuId);
      boot.reboot();
      // Only a simulated reboot returns here: adopt what finalisation decided.
      adopt(boot.currentState());
      log.info("update of {} finished: {} with version '{}' after {}", ecuId, status().status(), status().version(),
          seconds(System.nanoTime() - operationStart));
      end(op, new UpdateEvent.Finished(ecuId, status()));
    } catch (Throwable t) {
      if (cancel.isRequested()) {
        aborted(op);
        return;
      }
      OtaException e;
      if (t instanceof OtaException oe) {
        e = oe;
      } else if (t instanceof InterruptedException) {
        e = new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.GENERAL, "update interrupted", t);
      } else {
        // Anything unexpected still ends in FAILURE with a reason (the Python client stayed UPDATING — Q8).
        e = UpdatePipeline.unexpected(t);
      }
      fail(e);
      end(op, new UpdateEvent.Failed(ecuId, status()));
    }
  }

  /**
   * A cancel stopped the update: the interrupt that woke the workers is cleared first, so the status
   * files can be written; the boot controller records ABORTED and releases the standby, keeping its
   * contents for the next update.
   */
  private void aborted(UpdateOperation op) {
    Thread.interrupted();
    synchronized (lock) {
      status = OtaStatus.ABORTING;
    }
    statusChanged();
    log.info("update of {} aborted on request; the standby slot is kept for the next update", ecuId);
    boot.onAbort();
    synchronized (lock) {
      status = OtaStatus.ABORTED;
      failure = FailureType.NO_FAILURE;
      failureReason = "";
    }
    end(op, new UpdateEvent.Cancelled(ecuId, status()));
  }

  /** Ends an operation; its last events are delivered before anyone waiting on it wakes up. */
  private void end(UpdateOperation op, UpdateEvent last) {
    synchronized (lock) {
      current = null;
    }
    EcuStatus finalStatus = status();
    statusChanged();
    events.publish(last);
    busy.set(false);
    op.finish(finalStatus);
  }

  private void fail(OtaException e) {
    Thread.interrupted();
    log.error("operation on {} failed: {}", ecuId, e.failureReason());
    log.debug("failure detail", e);
    boot.onFailure(e.failureReason());
    synchronized (lock) {
      status = status == OtaStatus.ROLLBACKING ? OtaStatus.ROLLBACK_FAILURE : OtaStatus.FAILURE;
      failure = e.failureType();
      failureReason = e.failureReason();
    }
  }

  /** Starts a rollback to the other slot in the background (see BootController#checkRollback). */
  public UpdateOperation startRollback(BeforeReboot beforeReboot) {
    RollbackCheck check = boot.checkRollback();
    if (!check.allowed()) {
      throw new OtaException(ErrorCode.INVALID_STATUS_FOR_ROLLBACK, ErrorModule.API, ErrorApi.ROLLBACK,
          check.reason(), null);
    }
    UpdateOperation op = begin(OtaStatus.ROLLBACKING, null);
    // a rollback copies nothing: there is no work to stop, only the reboot, so it is never cancelled
    op.cancellation().enterFinal();
    Thread t = new Thread(() -> {
      try {
        boot.prepareRollback();
        beforeReboot.await();
        boot.reboot();
        adopt(boot.currentState());
        end(op, new UpdateEvent.Finished(ecuId, status()));
      } catch (Throwable t2) {
        OtaException e = t2 instanceof OtaException oe ? oe.withApi(ErrorApi.ROLLBACK)
            : t2 instanceof InterruptedException
                ? new OtaException(ErrorCode.PRE_ROLLBACK, ErrorModule.BOOT_CONTROL, ErrorApi.ROLLBACK, "interrupted", t2)
                : UpdatePipeline.unexpected(t2).withApi(ErrorApi.ROLLBACK);
        fail(e);
        end(op, new UpdateEvent.Failed(ecuId, status()));
      }
    }, "ota-rollback");
    t.setDaemon(true);
    t.start();
    return op;
  }
}
