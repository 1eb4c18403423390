package dev.otaclient.update;

import dev.otaclient.boot.BootController;
import dev.otaclient.boot.BootState;
import dev.otaclient.boot.RollbackCheck;
import dev.otaclient.boot.Standby;
import dev.otaclient.error.ErrorApi;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.FailureType;
import dev.otaclient.error.OtaException;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.Progress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OTA client of one ECU, for embedding: owns the live status, runs at most one update or
 * rollback at a time, and never leaves the status UPDATING once an operation stopped.
 *
 * <pre>{@code
 * OtaClient client = new OtaClient("main", bootController, UpdateSettings.defaults(cas));
 * client.start();                                    // start-up finalisation
 * client.update(UpdateRequest.of("v2", url, "{}"));  // blocking; or startUpdate(...) in background
 * EcuStatus s = client.status();
 * }</pre>
 */
public final class OtaClient {
  private static final Logger log = LoggerFactory.getLogger(OtaClient.class);

  private final String ecuId;
  private final BootController boot;
  private final UpdateSettings settings;
  private final AtomicBoolean busy = new AtomicBoolean();
  private final List<Consumer<EcuStatus>> listeners = new CopyOnWriteArrayList<>();
  private final Object lock = new Object();

  // live state, guarded by lock
  private OtaStatus status = OtaStatus.INITIALIZED;
  private FailureType failure = FailureType.NO_FAILURE;
  private String failureReason = "";
  private String version = "";
  private volatile ProgressCounters counters;
  private volatile Progress lastBuild;

  public OtaClient(String ecuId, BootController boot, UpdateSettings settings) {
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

  /** Runs start-up finalisation once and loads the live state from it. */
  public EcuStatus start() {
    adopt(boot.finalizeAtStartup());
    return status();
  }

  private void adopt(BootState s) {
    synchronized (lock) {
      status = s.status();
      version = s.version();
      failure = s.failure();
      failureReason = s.failureReason();
      counters = null;
    }
    notifyListeners();
  }

  /** A consistent snapshot; progress is present while an update runs. Cheap. */
  public EcuStatus status() {
    synchronized (lock) {
      ProgressCounters c = counters;
      return new EcuStatus(ecuId, status, failure, failureReason, version,
          c != null && status == OtaStatus.UPDATING ? Optional.of(c.snapshot()) : Optional.empty());
    }
  }

  /**
   * Counters of the last update whose standby slot was completely built, frozen at that moment. The
   * API's {@code progress} is only reported while updating; this keeps the figures afterwards.
   */
  public Optional<Progress> lastCompletedBuild() {
    return Optional.ofNullable(lastBuild);
  }

  /** Called on every state or phase change (from the updating thread). */
  public void addListener(Consumer<EcuStatus> listener) {
    listeners.add(listener);
  }

  private void notifyListeners() {
    EcuStatus s = status();
    for (Consumer<EcuStatus> l : listeners) {
      try {
        l.accept(s);
      } catch (RuntimeException e) {
        log.warn("status listener failed", e);
      }
    }
  }

  /** Runs an update on the calling thread; returns the final status (after a simulated reboot, if any). */
  public EcuStatus update(UpdateRequest request) {
    return update(request, BeforeReboot.NONE);
  }

  public EcuStatus update(UpdateRequest request, BeforeReboot beforeReboot) {
    begin(OtaStatus.UPDATING);
    runUpdate(request, beforeReboot);
    return status();
  }

  /**
   * Accepts an update and runs it on a new thread. Throws {@link OtaException} with
   * {@link ErrorCode#BUSY} when another operation runs, or the status does not allow an update.
   */
  public Thread startUpdate(UpdateRequest request, BeforeReboot beforeReboot) {
    begin(OtaStatus.UPDATING);
    Thread t = new Thread(() -> runUpdate(request, beforeReboot), "ota-update");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private void begin(OtaStatus target) {
    if (!busy.compareAndSet(false, true)) {
      throw new OtaException(ErrorCode.BUSY, ErrorModule.API, "an update or rollback is already running on " + ecuId);
    }
    synchronized (lock) {
      boolean allowed = target == OtaStatus.UPDATING ? status.acceptsUpdate()
          : status == OtaStatus.SUCCESS || status == OtaStatus.ROLLBACK_FAILURE;
      if (!allowed) {
        busy.set(false);
        throw new OtaException(target == OtaStatus.UPDATING ? ErrorCode.INVALID_STATUS_FOR_UPDATE
            : ErrorCode.INVALID_STATUS_FOR_ROLLBACK, ErrorModule.API, "status is " + status);
      }
      status = target;
      failure = FailureType.NO_FAILURE;
      failureReason = "";
      counters = new ProgressCounters(this::notifyListeners);
    }
    notifyListeners();
  }

  private void runUpdate(UpdateRequest request, BeforeReboot beforeReboot) {
    ProgressCounters c = counters;
    try {
      log.info("update of {} to version '{}' from {} started", ecuId, request.version(), request.image());
      UpdatePipeline pipeline = new UpdatePipeline(boot, settings, c);
      Standby standby = pipeline.build(request);
      c.phase(dev.otaclient.status.UpdatePhase.POST_PROCESSING);
      lastBuild = c.snapshot();
      log.info("standby slot of {} is ready; waiting for permission to reboot", ecuId);
      beforeReboot.await();
      boot.commitSwitch(standby);
      log.info("{} switches to the updated slot; rebooting", ecuId);
      boot.reboot();
      // Only a simulated reboot returns here: adopt what finalisation decided.
      adopt(boot.currentState());
    } catch (OtaException e) {
      fail(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail(new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.GENERAL, "update interrupted", e));
    } catch (Throwable t) {
      // Anything unexpected still ends in FAILURE with a reason (the Python client stayed UPDATING — Q8).
      fail(UpdatePipeline.unexpected(t));
    } finally {
      busy.set(false);
    }
  }

  private void fail(OtaException e) {
    log.error("operation on {} failed: {}", ecuId, e.failureReason(), e);
    boot.onFailure(e.failureReason());
    synchronized (lock) {
      status = status == OtaStatus.ROLLBACKING ? OtaStatus.ROLLBACK_FAILURE : OtaStatus.FAILURE;
      failure = e.failureType();
      failureReason = e.failureReason();
    }
    notifyListeners();
  }

  /** Starts a rollback to the other slot in the background (see BootController#checkRollback). */
  public Thread startRollback(BeforeReboot beforeReboot) {
    RollbackCheck check = boot.checkRollback();
    if (!check.allowed()) {
      throw new OtaException(ErrorCode.INVALID_STATUS_FOR_ROLLBACK, ErrorModule.API, ErrorApi.ROLLBACK,
          check.reason(), null);
    }
    begin(OtaStatus.ROLLBACKING);
    Thread t = new Thread(() -> {
      try {
        boot.prepareRollback();
        beforeReboot.await();
        boot.reboot();
        adopt(boot.currentState());
      } catch (OtaException e) {
        fail(e.withApi(ErrorApi.ROLLBACK));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail(new OtaException(ErrorCode.PRE_ROLLBACK, ErrorModule.BOOT_CONTROL, ErrorApi.ROLLBACK, "interrupted", e));
      } catch (Throwable t2) {
        fail(UpdatePipeline.unexpected(t2).withApi(ErrorApi.ROLLBACK));
      } finally {
        busy.set(false);
      }
    }, "ota-rollback");
    t.setDaemon(true);
    t.start();
    return t;
  }
}
