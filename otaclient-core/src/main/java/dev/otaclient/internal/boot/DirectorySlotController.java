package dev.otaclient.internal.boot;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.internal.fs.TempNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Slots as two directories under a state root: the embedded default, so the whole update lifecycle
 * runs on any machine without partitions, a boot loader or root. It models a GRUB-like boot loader
 * with two pointers and a one-shot marker:
 *
 * <pre>
 * &lt;state&gt;/slot_a/, slot_b/               the slots' root file systems (the image goes here)
 * &lt;state&gt;/status/slot_a/                  status, version, slot_in_use, failure_reason (§3.1 + ours)
 * &lt;state&gt;/status/slot_b/
 * &lt;state&gt;/active  -&gt; slot_a               the slot that is "running" (what the loader started)
 * &lt;state&gt;/default -&gt; slot_a               what the loader starts when nothing is armed
 * &lt;state&gt;/next_boot                       one-shot: slot id to start on the next boot only
 * &lt;state&gt;/last_boot_failed                slot id whose one-shot boot "did not come up"
 * &lt;state&gt;/reboot_requested                EXIT_PROCESS mode: perform the boot at the next start-up
 * </pre>
 *
 * All pointer and marker changes are atomic renames. A "boot" ({@link #simulateBoot()}) consumes the
 * one-shot marker: {@code active} becomes the marked slot (or {@code default} when nothing is
 * marked), then finalisation runs. Evidence of a switched boot is {@code active != default}, exactly
 * like GRUB's {@code ota-partition} symlink; confirming it moves {@code default}.
 *
 * <p>Reboot modes: {@link RebootMode#IN_PROCESS} (default) performs the boot and the finalisation
 * inside {@link #reboot()}, so a daemon keeps serving and then reports SUCCESS with the new version.
 * {@link RebootMode#EXIT_PROCESS} records {@code reboot_requested} and runs the exit action (by
 * default {@code System.exit(0)}); a supervisor restarts the daemon, whose start-up
 * {@link #finalizeAtStartup()} performs the pending boot first. A plain restart without a request
 * (a crash) performs no boot, just like a daemon restart on a real device.
 */
public final class DirectorySlotController extends SlotStateMachine {
  public static final String SLOT_A = "slot_a";
  public static final String SLOT_B = "slot_b";

  /** How {@link #reboot()} behaves. */
  public enum RebootMode {
    IN_PROCESS,
    EXIT_PROCESS
  }

  /**
   * @param rebootMode see {@link RebootMode}
   * @param exitAction run by {@link RebootMode#EXIT_PROCESS} after the request is recorded
   * @param healthCheck commands run before a switched boot is confirmed
   */
  public record Options(RebootMode rebootMode, Runnable exitAction, HealthCheck healthCheck) {
    public static Options defaults() {
      return new Options(RebootMode.IN_PROCESS, () -> System.exit(0), HealthCheck.none());
    }

    public Options withHealthCheck(HealthCheck hc) {
      return new Options(rebootMode, exitAction, hc);
    }

    public Options withExitProcess(Runnable exit) {
      return new Options(RebootMode.EXIT_PROCESS, exit, healthCheck);
    }
  }

  private static final String ACTIVE = "active";
  private static final String DEFAULT = "default";
  private static final String NEXT_BOOT = "next_boot";
  private static final String LAST_BOOT_FAILED = "last_boot_failed";
  private static final String REBOOT_REQUESTED = "reboot_requested";

  private final Path state;
  private final Options options;

  public DirectorySlotController(Path stateRoot) {
    this(stateRoot, Options.defaults());
  }

  /** Opens (creating on first use) the state root. A fresh root: both slots empty, slot_a active. */
  public DirectorySlotController(Path stateRoot, Options options) {
    super(options.healthCheck());
    this.state = stateRoot.toAbsolutePath();
    this.options = options;
    try {
      for (String s : new String[] {SLOT_A, SLOT_B}) {
        Files.createDirectories(state.resolve(s));
        Files.createDirectories(statusDir(s));
      }
      if (AtomicFiles.readSymlink(state.resolve(ACTIVE)).isEmpty()) {
        AtomicFiles.replaceSymlink(state.resolve(ACTIVE), Path.of(SLOT_A));
      }
      if (AtomicFiles.readSymlink(state.resolve(DEFAULT)).isEmpty()) {
        AtomicFiles.replaceSymlink(state.resolve(DEFAULT), Path.of(SLOT_A));
      }
    } catch (IOException | RuntimeException e) {
      throw new dev.otaclient.error.OtaException(ErrorCode.BOOT_CONTROL_INIT, ErrorModule.BOOT_CONTROL,
          "cannot open directory-slot state root " + state + ": " + e.getMessage(), e);
    }
  }

  /**
   * The stored state of a directory-slot device, read without changing anything (no finalisation,
   * nothing created): what {@code otaclient status --state-dir} shows. Empty when there is no device.
   */
  public static Optional<BootState> peek(Path stateRoot) {
    Optional<Path> active = AtomicFiles.readSymlink(stateRoot.resolve(ACTIVE));
    if (active.isEmpty()) {
      return Optional.empty();
    }
    SlotFiles f = new SlotFiles(stateRoot.resolve("status").resolve(active.get().toString()));
    return Optional.of(state(f.status().orElse(dev.otaclient.status.OtaStatus.INITIALIZED), f.version(),
        f.failureReason()).withDetail(f.versionDetail()));
  }

  /**
   * One slot of a directory-slot device as stored.
   *
   * @param booted the slot the device runs
   * @param bootsNext the slot the next (simulated) boot starts: the armed one, else the default
   * @param lastChanged when its status files last changed (the end of its last update or rollback)
   */
  public record SlotView(String slotId, boolean booted, boolean bootsNext, Optional<dev.otaclient.status.OtaStatus> status,
      String version, String failureReason, Optional<java.time.Instant> lastChanged) {}

  /** Both slots of a directory-slot device, read without changing anything; empty when there is no device. */
  public static List<SlotView> peekSlots(Path stateRoot) {
    Optional<Path> active = AtomicFiles.readSymlink(stateRoot.resolve(ACTIVE));
    if (active.isEmpty()) {
      return List.of();
    }
    Optional<Path> next = AtomicFiles.readString(stateRoot.resolve(NEXT_BOOT)).map(String::strip)
        .filter(s -> !s.isEmpty()).map(Path::of).or(() -> AtomicFiles.readSymlink(stateRoot.resolve(DEFAULT)));
    return List.of(SLOT_A, SLOT_B).stream().map(slot -> {
      SlotFiles f = new SlotFiles(stateRoot.resolve("status").resolve(slot));
      return new SlotView(slot, active.get().toString().equals(slot),
          next.map(n -> n.toString().equals(slot)).orElse(false), f.status(), f.version(), f.failureReason(),
          f.lastChanged());
    }).toList();
  }

  public Path stateRoot() {
    return state;
  }

  /** Root directory of a slot ({@code slot_a} or {@code slot_b}). */
  public Path slotRoot(String slotId) {
    return state.resolve(checkSlot(slotId));
  }

  /** Status files of a slot. */
  public SlotFiles slotFiles(String slotId) {
    return new SlotFiles(statusDir(checkSlot(slotId)));
  }

  /** The slot the simulated boot loader starts when nothing is armed. */
  public String defaultSlotId() {
    return pointer(DEFAULT);
  }

  /** The slot armed for the next boot only, if any. */
  public Optional<String> armedSlotId() {
    return AtomicFiles.readString(state.resolve(NEXT_BOOT)).map(String::strip).filter(s -> !s.isEmpty());
  }

  @Override
  public String activeSlotId() {
    return pointer(ACTIVE);
  }

  @Override
  public String standbySlotId() {
    return other(activeSlotId());
  }

  @Override
  public Path activeRoot() {
    return state.resolve(activeSlotId());
  }

  /**
   * What a real reboot plus daemon start-up does: the boot loader consumes the one-shot marker (the
   * marked slot becomes active) or starts the default slot, then finalisation runs.
   */
  public synchronized BootState simulateBoot() {
    bootLoader(false);
    return finalizeAtStartup();
  }

  /**
   * A boot in which the armed slot "does not come up": the marker is consumed, the loader falls back
   * to the default (previous) slot, and finalisation there reports FAILURE.
   */
  public synchronized BootState simulateFailedBoot() {
    bootLoader(true);
    return finalizeAtStartup();
  }

  /** The simulated boot loader alone (tests model a reboot with it, finalisation comes at the next start). */
  void bootLoader(boolean armedSlotFails) {
    Optional<String> next = armedSlotId();
    AtomicFiles.delete(state.resolve(NEXT_BOOT));
    String boot = defaultSlotId();
    if (next.isPresent() && !armedSlotFails) {
      boot = checkSlot(next.get());
    }
    if (next.isPresent() && armedSlotFails) {
      AtomicFiles.writeString(state.resolve(LAST_BOOT_FAILED), next.get());
      log.info("simulated boot: slot {} did not come up, starting {}", next.get(), boot);
    } else {
      AtomicFiles.delete(state.resolve(LAST_BOOT_FAILED));
      log.info("simulated boot of slot {}", boot);
    }
    AtomicFiles.replaceSymlink(state.resolve(ACTIVE), Path.of(boot));
  }

  // ---------------------------------------------------------------- backend primitives

  @Override
  protected SlotFiles activeFiles() {
    return slotFiles(activeSlotId());
  }

  @Override
  protected <T> T withStandbyFiles(IoFunction<SlotFiles, T> fn) throws IOException {
    return fn.apply(slotFiles(standbySlotId()));
  }

  @Override
  protected void beforeFinalize() {
    TempNames.removeLeftovers(statusDir(SLOT_A));
    TempNames.removeLeftovers(statusDir(SLOT_B));
    for (String name : List.of(ACTIVE, DEFAULT, NEXT_BOOT, LAST_BOOT_FAILED)) {
      TempNames.removeLeftoversOf(state.resolve(name));
    }
    if (Files.exists(state.resolve(REBOOT_REQUESTED))) {
      bootLoader(false);
      AtomicFiles.delete(state.resolve(REBOOT_REQUESTED));
    }
  }

  @Override
  protected void initialiseFirstBoot() {
    // nothing to lay out: the directories exist since construction
  }

  @Override
  protected boolean bootedBySwitch() {
    return !defaultSlotId().equals(activeSlotId());
  }

  @Override
  protected boolean runningIsDefault() {
    return defaultSlotId().equals(activeSlotId());
  }

  @Override
  protected void makeRunningDefault() {
    AtomicFiles.replaceSymlink(state.resolve(DEFAULT), Path.of(activeSlotId()));
  }

  @Override
  protected void disarmSwitch() {
    AtomicFiles.delete(state.resolve(NEXT_BOOT));
  }

  @Override
  protected boolean leaveRunningSlot() {
    // the default still names the previous slot: "reboot" into it right away
    AtomicFiles.replaceSymlink(state.resolve(ACTIVE), Path.of(defaultSlotId()));
    return true;
  }

  @Override
  protected String explainFallback(String expectedSlot, boolean rollback) {
    Optional<String> failed = AtomicFiles.readString(state.resolve(LAST_BOOT_FAILED)).map(String::strip);
    AtomicFiles.delete(state.resolve(LAST_BOOT_FAILED));
    String op = rollback ? "rollback" : "update";
    if (failed.filter(expectedSlot::equals).isPresent()) {
      return reason(ErrorCode.POST_UPDATE, ErrorModule.BOOT_CONTROL, rollback,
          "the new slot did not boot: slot " + expectedSlot + " did not come up, the boot loader started slot "
              + activeSlotId() + " again");
    }
    if (armedSlotId().isPresent()) {
      return reason(ErrorCode.POST_UPDATE, ErrorModule.BOOT_CONTROL, rollback, "the " + op
          + " was interrupted after the switch to slot " + expectedSlot + " was armed, before the reboot");
    }
    return reason(rollback ? ErrorCode.PRE_ROLLBACK : ErrorCode.APPLY_UPDATE,
        rollback ? ErrorModule.BOOT_CONTROL : ErrorModule.STANDBY_SLOT, rollback,
        "the " + op + " of slot " + expectedSlot + " was interrupted (the client restarted before the switch)");
  }

  @Override
  protected Standby doPrepareStandby(String newVersion, boolean reuseInPlace) throws IOException {
    disarmSwitch();
    AtomicFiles.delete(state.resolve(LAST_BOOT_FAILED));
    String standby = standbySlotId();
    markStandbyUpdating(slotFiles(standby), newVersion);
    Path root = slotRoot(standby);
    if (!reuseInPlace) {
      AtomicFiles.emptyDirectory(root, Set.of());
    }
    Path boot = root.resolve("boot");
    Files.createDirectories(boot);
    return new Standby(root, boot, reuseInPlace);
  }

  @Override
  protected void doCommitSwitch(Standby standby) {
    Path expected = slotRoot(standbySlotId());
    if (!standby.root().toAbsolutePath().normalize().equals(expected)) {
      throw new IllegalArgumentException("standby " + standby.root() + " is not slot " + expected);
    }
    AtomicFiles.writeString(state.resolve(NEXT_BOOT), standbySlotId());
  }

  @Override
  protected void doPrepareRollback() {
    AtomicFiles.writeString(state.resolve(NEXT_BOOT), standbySlotId());
  }

  @Override
  protected void releaseStandby() {
    // nothing is mounted
  }

  /** The IN_PROCESS rebooter: the boot and the finalisation happen inside the call. */
  public Rebooter inProcessRebooter() {
    return this::simulateBoot;
  }

  /**
   * The EXIT_PROCESS rebooter: records the request, then runs {@code exit}; the next start-up's
   * {@link #finalizeAtStartup()} performs the boot.
   */
  public Rebooter exitingRebooter(Runnable exit) {
    return () -> {
      AtomicFiles.writeString(state.resolve(REBOOT_REQUESTED), "");
      exit.run();
    };
  }

  @Override
  protected Rebooter rebooter() {
    return options.rebootMode() == RebootMode.EXIT_PROCESS ? exitingRebooter(options.exitAction()) : inProcessRebooter();
  }

  // ---------------------------------------------------------------- internals

  private Path statusDir(String slot) {
    return state.resolve("status").resolve(slot);
  }

  private String pointer(String name) {
    Path target = AtomicFiles.readSymlink(state.resolve(name))
        .orElseThrow(() -> new IllegalStateException(state.resolve(name) + " is not a symlink"));
    return checkSlot(target.getFileName().toString());
  }

  private static String other(String slot) {
    return SLOT_A.equals(slot) ? SLOT_B : SLOT_A;
  }

  private static String checkSlot(String slot) {
    if (!SLOT_A.equals(slot) && !SLOT_B.equals(slot)) {
      throw new IllegalArgumentException("unknown slot '" + slot + "' (expected slot_a or slot_b)");
    }
    return slot;
  }
}
