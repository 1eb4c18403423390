package dev.otaclient.internal.boot;

import dev.otaclient.error.ErrorApi;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.FailureType;
import dev.otaclient.error.OtaException;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.VersionDetail;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state table of reference §3.4 and the rollback rules of §3.5, written once for every backend.
 * A backend supplies where the status files are, what counts as evidence of a switched boot, and the
 * boot-loader actions (arm a one-shot boot, confirm it, go back).
 *
 * <p>Slot-file protocol (the same files and values as the Python client, so either client can read
 * the other's state):
 * <ul>
 *   <li>pre_update: active {@code FAILURE}, {@code slot_in_use=<standby>}; standby {@code UPDATING},
 *       {@code version=<new>}, {@code slot_in_use=<standby>}.</li>
 *   <li>a slot whose {@code slot_in_use} names the other slot therefore handed over to it; a slot whose
 *       {@code slot_in_use} names itself while not SUCCESS was the target of an update that did not
 *       finish. That is how rollback tells "previous, finalised system" from "half-built slot".</li>
 *   <li>at start-up, {@code FAILURE} + {@code slot_in_use=<other>} on the running slot means "we
 *       expected to run the other slot and did not": fallback after a failed boot, or an update
 *       interrupted by a restart (backends say which when they can tell).</li>
 * </ul>
 */
abstract class SlotStateMachine implements BootController {
  private static final Pattern REASON_TYPE = Pattern.compile("^E(\\d)-");

  protected final Logger log = LoggerFactory.getLogger(getClass());
  private final HealthCheck healthCheck;
  private BootState live = new BootState(OtaStatus.INITIALIZED, "", FailureType.NO_FAILURE, "");
  private boolean rollbackInFlight;
  /** The ids {@link #markStandbyUpdating} records beside the new version (set by prepareStandby). */
  private VersionDetail pendingDetail = VersionDetail.NONE;

  protected SlotStateMachine(HealthCheck healthCheck) {
    this.healthCheck = healthCheck == null ? HealthCheck.none() : healthCheck;
  }

  // ---------------------------------------------------------------- backend primitives

  /** Status files of the running slot. */
  protected abstract SlotFiles activeFiles() throws IOException;

  /** Runs {@code fn} on the other slot's status files (backends that keep them inside the slot mount it). */
  protected abstract <T> T withStandbyFiles(IoFunction<SlotFiles, T> fn) throws IOException;

  /** Called before finalisation (directory slots: perform a boot that a restart-style reboot requested). */
  protected void beforeFinalize() throws IOException {}

  /** Whether the running slot has never been initialised (§3.4 row 1; CBoot also needs slot_in_use). */
  protected boolean needsInitialisation(SlotFiles active) {
    return active.status().isEmpty();
  }

  /** First start on a slot with no status file: backend layout set-up (GRUB: ota-partition tree). */
  protected abstract void initialiseFirstBoot() throws IOException;

  /** Evidence that the running slot was started by our one-shot switch and not yet confirmed. */
  protected abstract boolean bootedBySwitch() throws IOException;

  /** Whether the boot loader's persistent default is the running slot. */
  protected abstract boolean runningIsDefault() throws IOException;

  /** Makes the running slot the persistent default (the finalisation of a switched boot). */
  protected abstract void makeRunningDefault() throws IOException;

  /** Drops a pending one-shot switch to the other slot, if the backend can. */
  protected abstract void disarmSwitch() throws IOException;

  /**
   * The running slot failed its health check: make the previous slot the one that runs. Returns true
   * when that happened in-process (finalisation then runs again for the previous slot), false when a
   * reboot was requested instead.
   */
  protected abstract boolean leaveRunningSlot() throws IOException;

  protected abstract Standby doPrepareStandby(String newVersion, boolean reuseInPlace) throws IOException;

  protected abstract void doCommitSwitch(Standby standby) throws IOException;

  /** Arms the one-shot boot of the other slot for a rollback (no data is copied). */
  protected abstract void doPrepareRollback() throws IOException;

  /** Best-effort release of the standby (unmounts); called on failure. */
  protected abstract void releaseStandby() throws IOException;

  protected abstract Rebooter rebooter();

  /** The reboot into the armed slot (the Raspberry Pi passes its one-shot tryboot flag here). */
  protected void performReboot() {
    rebooter().reboot();
  }

  /**
   * Why the device runs this slot although {@code expectedSlot} was expected, as a failure-reason
   * string. The default cannot tell an interrupted update from a failed boot; backends that can say so.
   */
  protected String explainFallback(String expectedSlot, boolean rollback) throws IOException {
    return reason(ErrorCode.POST_UPDATE, ErrorModule.BOOT_CONTROL, rollback,
        "running slot " + activeSlotId() + " although slot " + expectedSlot + " was expected: the "
            + (rollback ? "rollback" : "update") + " was interrupted before the reboot or slot "
            + expectedSlot + " did not boot");
  }

  // ---------------------------------------------------------------- BootController

  @Override
  public synchronized BootState currentState() {
    return live;
  }

  @Override
  public synchronized BootState finalizeAtStartup() {
    return guarded(ErrorCode.BOOT_CONTROL_INIT, ErrorApi.UNSPECIFIC, () -> {
      BootState s = finalizeNow();
      // the ids installed with the running slot's version, whatever finalisation decided
      live = s.withDetail(activeFiles().versionDetail());
      return live;
    });
  }

  @Override
  public synchronized Standby prepareStandby(String newVersion, VersionDetail detail, boolean reuseInPlace) {
    pendingDetail = detail;
    try {
      return prepareStandby(newVersion, reuseInPlace);
    } finally {
      pendingDetail = VersionDetail.NONE;
    }
  }

  @Override
  public synchronized Standby prepareStandby(String newVersion, boolean reuseInPlace) {
    return guarded(ErrorCode.PRE_UPDATE, ErrorApi.UPDATE, () -> {
      rollbackInFlight = false;
      String standby = standbySlotId();
      SlotFiles a = activeFiles();
      a.writeFailureReason("");
      a.writeSlotInUse(standby);
      a.writeStatus(OtaStatus.FAILURE);
      live = new BootState(OtaStatus.UPDATING, live.version(), FailureType.NO_FAILURE, "", live.detail());
      Standby sb = doPrepareStandby(newVersion, reuseInPlace);
      log.info("standby slot {} prepared for version {} at {} (boot files in {}, {})", standby, newVersion,
          sb.root(), sb.bootDir(), sb.reusedInPlace() ? "previous contents kept" : "empty");
      return sb;
    });
  }

  @Override
  public synchronized void commitSwitch(Standby standby) {
    guarded(ErrorCode.POST_UPDATE, ErrorApi.UPDATE, () -> {
      doCommitSwitch(standby);
      log.info("one-shot boot of slot {} armed", standbySlotId());
      return null;
    });
  }

  @Override
  public synchronized void reboot() {
    guarded(ErrorCode.POST_UPDATE, rollbackInFlight ? ErrorApi.ROLLBACK : ErrorApi.UPDATE, () -> {
      log.info("rebooting");
      performReboot();
      return null;
    });
  }

  @Override
  public synchronized void onFailure(String failureReason) {
    boolean rollback = rollbackInFlight;
    rollbackInFlight = false;
    OtaStatus to = rollback ? OtaStatus.ROLLBACK_FAILURE : OtaStatus.FAILURE;
    String reason = failureReason == null ? "" : failureReason;
    log.error("{} failed: {}", rollback ? "rollback" : "update", reason);
    quietly("record the failure on the active slot", () -> {
      SlotFiles a = activeFiles();
      a.writeFailureReason(reason);
      a.writeSlotInUse(activeSlotId());
      a.writeStatus(to);
    });
    quietly("disarm the switch", this::disarmSwitch);
    quietly("mark the standby slot FAILURE", () -> withStandbyFiles(o -> {
      o.writeStatus(OtaStatus.FAILURE);
      // a failed rollback copied nothing: the other slot still holds its finalised system
      o.writeSlotInUse(rollback ? activeSlotId() : standbySlotId());
      return null;
    }));
    quietly("release the standby slot", this::releaseStandby);
    live = state(to, live.version(), reason).withDetail(live.detail());
  }

  @Override
  public synchronized void onAbort() {
    rollbackInFlight = false;
    log.info("update aborted: slot {} stays in use, slot {} keeps its partial build", activeSlotId(), standbySlotId());
    quietly("record the abort on the active slot", () -> {
      SlotFiles a = activeFiles();
      a.writeFailureReason("");
      a.writeSlotInUse(activeSlotId());
      a.writeStatus(OtaStatus.ABORTED);
    });
    quietly("disarm the switch", this::disarmSwitch);
    quietly("mark the standby slot as an unfinished build", () -> withStandbyFiles(o -> {
      o.writeStatus(OtaStatus.FAILURE);
      o.writeSlotInUse(standbySlotId());
      return null;
    }));
    quietly("release the standby slot", this::releaseStandby);
    live = new BootState(OtaStatus.ABORTED, live.version(), FailureType.NO_FAILURE, "", live.detail());
  }

  @Override
  public synchronized RollbackCheck checkRollback() {
    OtaStatus s = live.status();
    if (s != OtaStatus.SUCCESS && s != OtaStatus.ROLLBACK_FAILURE) {
      return RollbackCheck.refused("rollback is allowed only from SUCCESS or ROLLBACK_FAILURE; status is " + s);
    }
    String other;
    OtherSlot o;
    try {
      other = standbySlotId();
      o = readOther();
    } catch (IOException | RuntimeException e) {
      return RollbackCheck.refused("cannot read the state of the other slot: " + e.getMessage());
    }
    if (o.status().isEmpty()) {
      return RollbackCheck.refused("slot " + other + " has never been installed by an update (no status file)");
    }
    if (o.version().isEmpty()) {
      return RollbackCheck.refused("slot " + other + " has no recorded version");
    }
    OtaStatus os = o.status().get();
    if (os.isBusy()) {
      return RollbackCheck.refused("slot " + other + " holds an unfinished operation (status " + os + ")");
    }
    boolean handedOver = o.slotInUse().filter(id -> !id.equals(other)).isPresent();
    if (os != OtaStatus.SUCCESS && !handedOver) {
      return RollbackCheck.refused("slot " + other + " holds a failed or unfinished update to version "
          + o.version() + ", not a previously running system");
    }
    return RollbackCheck.ok();
  }

  @Override
  public synchronized void prepareRollback() {
    RollbackCheck check = checkRollback();
    if (!check.allowed()) {
      throw new OtaException(ErrorCode.INVALID_STATUS_FOR_ROLLBACK, ErrorModule.BOOT_CONTROL, ErrorApi.ROLLBACK,
          check.reason(), null);
    }
    guarded(ErrorCode.PRE_ROLLBACK, ErrorApi.ROLLBACK, () -> {
      rollbackInFlight = true;
      String other = standbySlotId();
      SlotFiles a = activeFiles();
      a.writeFailureReason("");
      a.writeSlotInUse(other);
      a.writeStatus(OtaStatus.FAILURE);
      withStandbyFiles(o -> {
        o.writeFailureReason("");
        o.writeSlotInUse(other);
        o.writeStatus(OtaStatus.ROLLBACKING);
        return null;
      });
      live = new BootState(OtaStatus.ROLLBACKING, live.version(), FailureType.NO_FAILURE, "", live.detail());
      doPrepareRollback();
      log.info("rollback to slot {} armed", other);
      return null;
    });
  }

  // ---------------------------------------------------------------- the state table

  private BootState finalizeNow() throws IOException {
    beforeFinalize();
    rollbackInFlight = false;
    SlotFiles a = activeFiles();
    Optional<OtaStatus> stored = a.status();
    if (needsInitialisation(a)) {
      log.info("slot {} has no status file: first start, initialising", activeSlotId());
      initialiseFirstBoot();
      a.writeSlotInUse(activeSlotId());
      a.writeStatus(OtaStatus.INITIALIZED);
      return setLive(OtaStatus.INITIALIZED, a.version(), "");
    }
    OtaStatus st = stored.get();
    switch (st) {
      case UPDATING:
      case ROLLBACKING:
        return finalizeSwitch(a, st == OtaStatus.ROLLBACKING);
      case SUCCESS:
        if (!runningIsDefault()) {
          // SUCCESS is written before the default is moved; a crash in between lands here
          log.warn("slot {} is SUCCESS but not the boot default: completing an interrupted finalisation", activeSlotId());
          makeRunningDefault();
        }
        return setLive(OtaStatus.SUCCESS, a.version(), "");
      case FAILURE:
        Optional<String> expected = a.slotInUse();
        if (expected.isPresent() && !expected.get().equals(activeSlotId())) {
          return handleFallback(a, expected.get());
        }
        return setLive(OtaStatus.FAILURE, a.version(), a.failureReason());
      default:
        return setLive(st, a.version(), a.failureReason());
    }
  }

  private BootState finalizeSwitch(SlotFiles a, boolean rollback) throws IOException {
    String active = activeSlotId();
    OtaStatus failed = rollback ? OtaStatus.ROLLBACK_FAILURE : OtaStatus.FAILURE;
    if (!bootedBySwitch()) {
      String reason = reason(ErrorCode.POST_UPDATE, ErrorModule.BOOT_CONTROL, rollback, "slot " + active
          + " was found " + (rollback ? "ROLLBACKING" : "UPDATING")
          + " at start-up without evidence of a switched boot: the switch was not finalised on its first boot");
      log.error(reason);
      a.writeFailureReason(reason);
      a.writeStatus(failed);
      return setLive(failed, a.version(), reason);
    }
    Optional<String> unhealthy = healthCheck.firstFailure();
    if (unhealthy.isPresent()) {
      String reason = reason(ErrorCode.POST_UPDATE, ErrorModule.BOOT_CONTROL, rollback,
          "slot " + active + ": " + unhealthy.get() + "; going back to slot " + standbySlotId());
      log.error(reason);
      a.writeFailureReason(reason);
      a.writeStatus(failed);
      if (leaveRunningSlot()) {
        return finalizeNow();
      }
      return setLive(failed, a.version(), reason);
    }
    a.writeFailureReason("");
    a.writeSlotInUse(active);
    a.writeStatus(OtaStatus.SUCCESS);
    makeRunningDefault();
    log.info("switched boot into slot {} finalised: SUCCESS, version {}", active, a.version());
    return setLive(OtaStatus.SUCCESS, a.version(), "");
  }

  private BootState handleFallback(SlotFiles a, String expected) throws IOException {
    OtherSlot other;
    try {
      other = readOther();
    } catch (IOException | RuntimeException e) {
      log.warn("cannot read the other slot's state: {}", e.getMessage());
      other = new OtherSlot(Optional.empty(), "", Optional.empty(), "");
    }
    boolean rollback = other.status().filter(s -> s == OtaStatus.ROLLBACKING).isPresent();
    String reason = !a.failureReason().isEmpty() ? a.failureReason()
        : !other.reason().isEmpty() ? other.reason()
        : explainFallback(expected, rollback);
    OtaStatus to = rollback ? OtaStatus.ROLLBACK_FAILURE : OtaStatus.FAILURE;
    log.warn("running slot {} although slot {} was expected: {}", activeSlotId(), expected, reason);
    disarmSwitch();
    quietly("mark the other slot FAILURE", () -> withStandbyFiles(o -> {
      o.writeStatus(OtaStatus.FAILURE);
      o.writeSlotInUse(standbySlotId());
      return null;
    }));
    a.writeFailureReason(reason);
    a.writeSlotInUse(activeSlotId());
    a.writeStatus(to);
    return setLive(to, a.version(), reason);
  }

  private OtherSlot readOther() throws IOException {
    return withStandbyFiles(o -> new OtherSlot(o.status(), o.version(), o.slotInUse(), o.failureReason()));
  }

  private record OtherSlot(Optional<OtaStatus> status, String version, Optional<String> slotInUse, String reason) {}

  // ---------------------------------------------------------------- helpers for backends

  /**
   * Writes the standby's files for an update, in the Python client's order, and the request's ids
   * beside the version (removing older ones, which belong to the version being replaced).
   */
  protected final void markStandbyUpdating(SlotFiles standby, String newVersion) {
    standby.writeFailureReason("");
    standby.writeStatus(OtaStatus.UPDATING);
    standby.writeVersion(newVersion);
    standby.writeVersionDetail(pendingDetail);
    standby.writeSlotInUse(standbySlotId());
  }

  /** A failure-reason string in the wire format, for failures found by the controller itself. */
  protected static String reason(ErrorCode code, ErrorModule module, boolean rollback, String detail) {
    return new OtaException(code, module, rollback ? ErrorApi.ROLLBACK : ErrorApi.UPDATE, detail, null).failureReason();
  }

  /** Failure type encoded in a reason string ({@code E<digit>-...}); RECOVERABLE for free text. */
  static FailureType typeOf(String reason) {
    if (reason == null || reason.isEmpty()) {
      return FailureType.NO_FAILURE;
    }
    Matcher m = REASON_TYPE.matcher(reason);
    if (m.find()) {
      int d = Integer.parseInt(m.group(1));
      if (d > 0 && d < FailureType.values().length) {
        return FailureType.values()[d];
      }
    }
    return FailureType.RECOVERABLE;
  }

  private BootState setLive(OtaStatus status, String version, String reason) {
    live = state(status, version, reason);
    return live;
  }

  static BootState state(OtaStatus status, String version, String reason) {
    boolean failed = status == OtaStatus.FAILURE || status == OtaStatus.ROLLBACK_FAILURE;
    return new BootState(status, version, failed ? typeOf(reason) : FailureType.NO_FAILURE, failed ? reason : "");
  }

  private <T> T guarded(ErrorCode code, ErrorApi api, IoSupplier<T> body) {
    try {
      return body.get();
    } catch (OtaException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      String msg = e instanceof UncheckedIOException u ? u.getMessage() : String.valueOf(e.getMessage());
      throw new OtaException(code, ErrorModule.BOOT_CONTROL, api, msg, e);
    }
  }

  private void quietly(String what, IoRunnable body) {
    try {
      body.run();
    } catch (IOException | RuntimeException e) {
      log.warn("could not {}: {}", what, e.getMessage());
    }
  }

  @FunctionalInterface
  protected interface IoFunction<A, R> {
    R apply(A a) throws IOException;
  }

  @FunctionalInterface
  protected interface IoSupplier<T> {
    T get() throws IOException;
  }

  @FunctionalInterface
  protected interface IoRunnable {
    void run() throws IOException;
  }
}
