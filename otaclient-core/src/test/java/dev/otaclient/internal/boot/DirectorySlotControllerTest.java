package dev.otaclient.internal.boot;

import static dev.otaclient.internal.boot.DirectorySlotController.SLOT_A;
import static dev.otaclient.internal.boot.DirectorySlotController.SLOT_B;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.FailureType;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.status.OtaStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectorySlotControllerTest {
  @TempDir Path state;

  private DirectorySlotController open() {
    return new DirectorySlotController(state);
  }

  /** Restart-style reboots: reboot() only records the request, a new controller performs the boot. */
  private DirectorySlotController openExitMode(AtomicInteger exits) {
    return new DirectorySlotController(state, DirectorySlotController.Options.defaults()
        .withExitProcess(exits::incrementAndGet));
  }

  private static void writeImage(Standby sb, String version) throws IOException {
    Files.createDirectories(sb.root().resolve("etc"));
    Files.writeString(sb.root().resolve("etc/os-version"), version);
    Files.writeString(sb.bootDir().resolve("vmlinuz-" + version), "kernel " + version);
  }

  private static String osVersion(Path root) throws IOException {
    return Files.readString(root.resolve("etc/os-version"));
  }

  /** prepare, build, commit, in-process reboot; returns the state after finalisation. */
  private static BootState update(DirectorySlotController c, String version) throws IOException {
    Standby sb = c.prepareStandby(version, false);
    writeImage(sb, version);
    c.commitSwitch(sb);
    c.reboot();
    return c.currentState();
  }

  private static void assertFiles(SlotFiles f, OtaStatus status, String version, String slotInUse) {
    assertThat(f.status()).contains(status);
    assertThat(f.version()).isEqualTo(version);
    assertThat(f.slotInUse()).contains(slotInUse);
  }

  // ------------------------------------------------------------------ §3.4 row by row

  @Test
  void startUpRemovesTemporaryFilesOfInterruptedWritesOutsideTheSlots() throws Exception {
    open().finalizeAtStartup();
    Path tornStatus = Files.writeString(state.resolve("status/slot_a/.status.tmp99"), "UPDA");
    Path tornPointer = Files.createSymbolicLink(state.resolve(".next_boot.tmp3"), Path.of("slot_b"));
    // a file of the same shape inside a slot is rootfs content, never touched
    Path rootfsFile = Files.writeString(Files.createDirectories(state.resolve("slot_a")).resolve(".x.tmp1"), "x");

    open().finalizeAtStartup();

    assertThat(tornStatus).doesNotExist();
    assertThat(Files.exists(tornPointer, java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(rootfsFile).exists();
  }

  @Test
  void row1_freshRootIsInitializedOnSlotA() throws IOException {
    DirectorySlotController c = open();
    BootState s = c.finalizeAtStartup();
    assertThat(s).isEqualTo(new BootState(OtaStatus.INITIALIZED, "", FailureType.NO_FAILURE, ""));
    assertThat(c.activeSlotId()).isEqualTo(SLOT_A);
    assertThat(c.standbySlotId()).isEqualTo(SLOT_B);
    assertThat(c.activeRoot()).isEqualTo(state.resolve("slot_a"));
    assertThat(c.slotFiles(SLOT_A).status()).contains(OtaStatus.INITIALIZED);
    assertThat(c.slotFiles(SLOT_A).slotInUse()).contains(SLOT_A);
    assertThat(c.slotFiles(SLOT_B).status()).isEmpty();
    try (Stream<Path> a = Files.list(state.resolve("slot_a")); Stream<Path> b = Files.list(state.resolve("slot_b"))) {
      assertThat(a.count() + b.count()).isZero();
    }
    assertThat(Files.readSymbolicLink(state.resolve("active"))).isEqualTo(Path.of("slot_a"));
  }

  @Test
  void row2_storedFinalStatesAreReportedUnchanged() {
    for (OtaStatus st : List.of(OtaStatus.SUCCESS, OtaStatus.FAILURE, OtaStatus.INITIALIZED, OtaStatus.ROLLBACK_FAILURE)) {
      DirectorySlotController c = open();
      SlotFiles a = c.slotFiles(SLOT_A);
      a.writeStatus(st);
      a.writeVersion("v9");
      a.writeSlotInUse(SLOT_A);
      a.writeFailureReason(st == OtaStatus.SUCCESS || st == OtaStatus.INITIALIZED ? "" : "E1-0103-100: net");
      BootState s = open().finalizeAtStartup();
      assertThat(s.status()).as("%s", st).isEqualTo(st);
      assertThat(s.version()).isEqualTo("v9");
      assertThat(a.status()).contains(st);
      assertThat(a.slotInUse()).contains(SLOT_A);
      if (st == OtaStatus.FAILURE || st == OtaStatus.ROLLBACK_FAILURE) {
        assertThat(s.failure()).isEqualTo(FailureType.RECOVERABLE);
        assertThat(s.failureReason()).isEqualTo("E1-0103-100: net");
      } else {
        assertThat(s.failure()).isEqualTo(FailureType.NO_FAILURE);
      }
    }
  }

  @Test
  void row3_updatingWithSwitchEvidenceFinalisesToSuccess() {
    DirectorySlotController c = open();
    c.finalizeAtStartup();
    c.prepareStandby("v2", false);
    c.commitSwitch(new Standby(state.resolve("slot_b"), state.resolve("slot_b/boot"), false));
    assertThat(c.armedSlotId()).contains(SLOT_B);
    BootState s = c.simulateBoot();
    assertThat(s).isEqualTo(new BootState(OtaStatus.SUCCESS, "v2", FailureType.NO_FAILURE, ""));
    assertThat(c.activeSlotId()).isEqualTo(SLOT_B);
    assertThat(c.defaultSlotId()).isEqualTo(SLOT_B);
    assertThat(c.armedSlotId()).isEmpty();
    assertFiles(c.slotFiles(SLOT_B), OtaStatus.SUCCESS, "v2", SLOT_B);
    // the old slot keeps FAILURE (written by pre_update), as in the reference
    assertFiles(c.slotFiles(SLOT_A), OtaStatus.FAILURE, "", SLOT_B);
  }

  @Test
  void row4_updatingWithoutEvidenceIsFailureWithReason() {
    DirectorySlotController c = open();
    SlotFiles a = c.slotFiles(SLOT_A);
    a.writeStatus(OtaStatus.UPDATING);
    a.writeVersion("v2");
    a.writeSlotInUse(SLOT_A);
    BootState s = open().finalizeAtStartup();
    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.failure()).isEqualTo(FailureType.UNRECOVERABLE);
    assertThat(s.failureReason()).startsWith("E2-0101-304: ")
        .contains("slot_a was found UPDATING at start-up without evidence of a switched boot");
    assertThat(a.status()).contains(OtaStatus.FAILURE);
    assertThat(a.failureReason()).isEqualTo(s.failureReason());
  }

  @Test
  void row5_rollbackingWithAndWithoutEvidence() {
    DirectorySlotController c = open();
    SlotFiles a = c.slotFiles(SLOT_A);
    a.writeStatus(OtaStatus.ROLLBACKING);
    a.writeVersion("v1");
    a.writeSlotInUse(SLOT_A);
    BootState noEvidence = open().finalizeAtStartup();
    assertThat(noEvidence.status()).isEqualTo(OtaStatus.ROLLBACK_FAILURE);
    assertThat(noEvidence.failureReason()).startsWith("E2-0201-304: ");
    assertThat(a.status()).contains(OtaStatus.ROLLBACK_FAILURE);

    // evidence: running slot_b while the default is slot_a
    SlotFiles b = c.slotFiles(SLOT_B);
    b.writeStatus(OtaStatus.ROLLBACKING);
    b.writeVersion("v0");
    b.writeSlotInUse(SLOT_B);
    AtomicFiles.replaceSymlink(state.resolve("active"), Path.of("slot_b"));
    DirectorySlotController c2 = open();
    BootState ok = c2.finalizeAtStartup();
    assertThat(ok).isEqualTo(new BootState(OtaStatus.SUCCESS, "v0", FailureType.NO_FAILURE, ""));
    assertThat(c2.defaultSlotId()).isEqualTo(SLOT_B);
  }

  @Test
  void row6_preUpdateWritesBothSlotsAndLiveIsUpdating() throws IOException {
    DirectorySlotController c = open();
    c.finalizeAtStartup();
    Standby sb = c.prepareStandby("v2", false);
    assertThat(sb).isEqualTo(new Standby(state.resolve("slot_b"), state.resolve("slot_b/boot"), false));
    assertThat(Files.isDirectory(sb.bootDir())).isTrue();
    assertFiles(c.slotFiles(SLOT_A), OtaStatus.FAILURE, "", SLOT_B);
    assertFiles(c.slotFiles(SLOT_B), OtaStatus.UPDATING, "v2", SLOT_B);
    assertThat(c.currentState().status()).isEqualTo(OtaStatus.UPDATING);
  }

  @Test
  void row7_errorDuringUpdateMarksBothSlotsFailure() {
    DirectorySlotController c = open();
    c.finalizeAtStartup();
    Standby sb = c.prepareStandby("v2", false);
    c.commitSwitch(sb);
    String reason = new OtaException(ErrorCode.APPLY_UPDATE, dev.otaclient.error.ErrorModule.STANDBY_SLOT, "x: 404").failureReason();
    c.onFailure(reason);
    assertThat(c.currentState()).isEqualTo(new BootState(OtaStatus.FAILURE, "", FailureType.RECOVERABLE, reason));
    assertFiles(c.slotFiles(SLOT_A), OtaStatus.FAILURE, "", SLOT_A);
    assertFiles(c.slotFiles(SLOT_B), OtaStatus.FAILURE, "v2", SLOT_B);
    assertThat(c.slotFiles(SLOT_A).failureReason()).isEqualTo(reason);
    assertThat(c.armedSlotId()).as("a failed update must not boot the half-built slot").isEmpty();
    // Q13 fixed: the reason survives a restart
    BootState after = open().finalizeAtStartup();
    assertThat(after).isEqualTo(new BootState(OtaStatus.FAILURE, "", FailureType.RECOVERABLE, reason));
  }

  @Test
  void row8_bootFallingBackToOldSlotIsFailureWithReason() throws IOException {
    DirectorySlotController c = open();
    c.finalizeAtStartup();
    assertThat(update(c, "v1").status()).isEqualTo(OtaStatus.SUCCESS);
    Standby sb = c.prepareStandby("v2", false);
    writeImage(sb, "v2");
    c.commitSwitch(sb);
    BootState s = c.simulateFailedBoot();
    assertThat(c.activeSlotId()).isEqualTo(SLOT_B);
    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.version()).isEqualTo("v1");
    assertThat(s.failure()).isEqualTo(FailureType.UNRECOVERABLE);
    assertThat(s.failureReason()).startsWith("E2-0101-304: ").contains("the new slot did not boot");
    assertFiles(c.slotFiles(SLOT_B), OtaStatus.FAILURE, "v1", SLOT_B);
    assertFiles(c.slotFiles(SLOT_A), OtaStatus.FAILURE, "v2", SLOT_A);
    assertThat(osVersion(c.activeRoot())).isEqualTo("v1");
    // the reason survives a restart and a new update works
    assertThat(open().finalizeAtStartup().failureReason()).isEqualTo(s.failureReason());
    DirectorySlotController c2 = open();
    c2.finalizeAtStartup();
    assertThat(update(c2, "v3")).isEqualTo(new BootState(OtaStatus.SUCCESS, "v3", FailureType.NO_FAILURE, ""));
  }

  @Test
  void row9and10_rollbackAcceptedThenFailing() throws IOException {
    DirectorySlotController c = open();
    c.finalizeAtStartup();
    update(c, "v1");
    update(c, "v2");
    c.prepareRollback();
    assertThat(c.currentState().status()).isEqualTo(OtaStatus.ROLLBACKING);
    assertFiles(c.slotFiles(SLOT_A), OtaStatus.FAILURE, "v2", SLOT_B);
    assertFiles(c.slotFiles(SLOT_B), OtaStatus.ROLLBACKING, "v1", SLOT_B);
    assertThat(c.armedSlotId()).contains(SLOT_B);

    c.onFailure("E2-0201-307: failed to prepare the rollback: test");
    assertThat(c.currentState().status()).isEqualTo(OtaStatus.ROLLBACK_FAILURE);
    assertThat(c.currentState().failure()).isEqualTo(FailureType.UNRECOVERABLE);
    assertThat(c.armedSlotId()).isEmpty();
    // the other slot still holds v1 untouched, so a new rollback is allowed from ROLLBACK_FAILURE
    assertThat(c.checkRollback()).isEqualTo(RollbackCheck.ok());
    assertThat(open().finalizeAtStartup().status()).isEqualTo(OtaStatus.ROLLBACK_FAILURE);
  }

  // ------------------------------------------------------------------ lifecycle

  @Test
  void fullLifecycleUpdateRebootRollbackReboot() throws IOException {
    DirectorySlotController c = open();
    assertThat(c.finalizeAtStartup().status()).isEqualTo(OtaStatus.INITIALIZED);
    assertThat(c.checkRollback().allowed()).isFalse();

    // install v1 (into slot_b), then v2 (into slot_a)
    assertThat(update(c, "v1")).isEqualTo(new BootState(OtaStatus.SUCCESS, "v1", FailureType.NO_FAILURE, ""));
    assertThat(c.activeSlotId()).isEqualTo(SLOT_B);
    assertThat(c.checkRollback().allowed()).as("slot_a never held an installed version").isFalse();
    assertThat(c.checkRollback().reason()).contains("slot_a has no recorded version");

    Standby sb = c.prepareStandby("v2", false);
    assertThat(sb.root()).isEqualTo(state.resolve("slot_a"));
    writeImage(sb, "v2");
    assertThat(c.activeRoot()).isEqualTo(state.resolve("slot_b"));
    assertThat(osVersion(c.activeRoot())).isEqualTo("v1");
    c.commitSwitch(sb);
    assertThat(c.currentState().status()).isEqualTo(OtaStatus.UPDATING);
    assertThat(c.currentState().version()).as("Status.version is the running slot's until the switch").isEqualTo("v1");
    BootState s = c.simulateBoot();
    assertThat(s).isEqualTo(new BootState(OtaStatus.SUCCESS, "v2", FailureType.NO_FAILURE, ""));
    assertThat(osVersion(c.activeRoot())).isEqualTo("v2");
    assertThat(Files.readString(state.resolve("slot_a/boot/vmlinuz-v2"))).isEqualTo("kernel v2");

    // rollback to v1: no data copied, the previous slot is booted
    assertThat(c.checkRollback()).isEqualTo(RollbackCheck.ok());
    c.prepareRollback();
    assertThat(c.currentState().status()).isEqualTo(OtaStatus.ROLLBACKING);
    BootState back = c.simulateBoot();
    assertThat(back).isEqualTo(new BootState(OtaStatus.SUCCESS, "v1", FailureType.NO_FAILURE, ""));
    assertThat(c.activeSlotId()).isEqualTo(SLOT_B);
    assertThat(osVersion(c.activeRoot())).isEqualTo("v1");
    assertFiles(c.slotFiles(SLOT_B), OtaStatus.SUCCESS, "v1", SLOT_B);
    // and forward again: v2 is still intact in slot_a
    assertThat(c.checkRollback()).isEqualTo(RollbackCheck.ok());
  }

  @Test
  void rollbackRefusedFromInitializedAndFailure() throws IOException {
    DirectorySlotController c = open();
    c.finalizeAtStartup();
    RollbackCheck init = c.checkRollback();
    assertThat(init.allowed()).isFalse();
    assertThat(init.reason()).isEqualTo("rollback is allowed only from SUCCESS or ROLLBACK_FAILURE; status is INITIALIZED");
    assertThatThrownBy(c::prepareRollback).isInstanceOfSatisfying(OtaException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_STATUS_FOR_ROLLBACK);
      assertThat(e.failureType()).isEqualTo(FailureType.RECOVERABLE);
      assertThat(e.failureReason()).startsWith("E1-0201-204");
    });
    assertThat(c.slotFiles(SLOT_A).status()).contains(OtaStatus.INITIALIZED);

    update(c, "v1");
    update(c, "v2");
    c.prepareStandby("v3", false);
    c.onFailure("E1-0102-207: boom");
    assertThat(c.checkRollback().reason()).contains("status is FAILURE");
  }

  @Test
  void rollbackRefusedWhenTheOtherSlotHoldsAFailedUpdate() throws IOException {
    DirectorySlotController c = open();
    c.finalizeAtStartup();
    update(c, "v1");
    update(c, "v2");                         // running slot_a v2, slot_b v1
    c.prepareStandby("v3", false);           // slot_b is being overwritten...
    c.onFailure("E1-0102-207: boom");        // ...and the update fails
    // a later successful boot cannot roll back into the half-built slot
    c.slotFiles(SLOT_A).writeStatus(OtaStatus.SUCCESS);
    DirectorySlotController c2 = open();
    assertThat(c2.finalizeAtStartup().status()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(c2.checkRollback().reason()).isEqualTo(
        "slot slot_b holds a failed or unfinished update to version v3, not a previously running system");
  }

  @Test
  void reuseInPlaceKeepsStandbyContentsOtherwiseEmptied() throws IOException {
    DirectorySlotController c = open();
    c.finalizeAtStartup();
    Files.writeString(state.resolve("slot_b/old-file"), "x");
    Standby kept = c.prepareStandby("v1", true);
    assertThat(kept.reusedInPlace()).isTrue();
    assertThat(Files.readString(kept.root().resolve("old-file"))).isEqualTo("x");
    c.onFailure("E1-0102-207: test");
    Standby fresh = c.prepareStandby("v1", false);
    assertThat(fresh.reusedInPlace()).isFalse();
    try (Stream<Path> s = Files.list(fresh.root())) {
      assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("boot");
    }
  }

  @Test
  void healthCheckFailureGoesBackToThePreviousSlot() throws IOException {
    DirectorySlotController c = new DirectorySlotController(state, DirectorySlotController.Options.defaults()
        .withHealthCheck(new HealthCheck(List.of(List.of("true"), List.of("sh", "-c", "echo unhealthy >&2; exit 4")),
            CommandRunner.system())));
    c.finalizeAtStartup();
    Standby sb = c.prepareStandby("v1", false);
    writeImage(sb, "v1");
    c.commitSwitch(sb);
    c.reboot();
    BootState s = c.currentState();
    assertThat(c.activeSlotId()).as("flipped back").isEqualTo(SLOT_A);
    assertThat(c.defaultSlotId()).isEqualTo(SLOT_A);
    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.version()).isEqualTo("");
    assertThat(s.failureReason()).startsWith("E2-0101-304: ")
        .contains("health check `sh -c echo unhealthy >&2; exit 4` exited with 4: unhealthy")
        .contains("going back to slot slot_a");
    assertFiles(c.slotFiles(SLOT_B), OtaStatus.FAILURE, "v1", SLOT_B);
    assertThat(open().finalizeAtStartup().failureReason()).isEqualTo(s.failureReason());
  }

  @Test
  void passingHealthCheckConfirms() throws IOException {
    DirectorySlotController c = new DirectorySlotController(state, DirectorySlotController.Options.defaults()
        .withHealthCheck(new HealthCheck(List.of(List.of("test", "-d", state.resolve("slot_b/etc").toString())),
            CommandRunner.system())));
    c.finalizeAtStartup();
    assertThat(update(c, "v1").status()).isEqualTo(OtaStatus.SUCCESS);
  }

  @Test
  void exitModeRecordsTheRebootAndTheNextStartupBoots() throws IOException {
    AtomicInteger exits = new AtomicInteger();
    DirectorySlotController c = openExitMode(exits);
    c.finalizeAtStartup();
    Standby sb = c.prepareStandby("v1", false);
    writeImage(sb, "v1");
    c.commitSwitch(sb);
    c.reboot();
    assertThat(exits.get()).isEqualTo(1);
    assertThat(c.activeSlotId()).as("nothing booted in-process").isEqualTo(SLOT_A);
    DirectorySlotController restarted = openExitMode(exits);
    assertThat(restarted.finalizeAtStartup()).isEqualTo(new BootState(OtaStatus.SUCCESS, "v1", FailureType.NO_FAILURE, ""));
    assertThat(restarted.activeSlotId()).isEqualTo(SLOT_B);
    // a second restart is a plain restart: nothing changes
    assertThat(openExitMode(exits).finalizeAtStartup().status()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(openExitMode(exits).activeSlotId()).isEqualTo(SLOT_B);
  }

  @Test
  void successWrittenButDefaultNotMovedIsRepaired() {
    // crash inside finalisation, after SUCCESS and before the default pointer moved
    DirectorySlotController c = open();
    SlotFiles b = c.slotFiles(SLOT_B);
    b.writeStatus(OtaStatus.SUCCESS);
    b.writeVersion("v1");
    b.writeSlotInUse(SLOT_B);
    AtomicFiles.replaceSymlink(state.resolve("active"), Path.of("slot_b"));
    DirectorySlotController c2 = open();
    assertThat(c2.finalizeAtStartup().status()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(c2.defaultSlotId()).isEqualTo(SLOT_B);
  }

  // ------------------------------------------------------------------ crashes between steps

  private interface Step {
    void run(DirectorySlotController c, Standby[] sb) throws IOException;
  }

  private record Named(String name, Step step) {}

  @Test
  void crashBetweenAnyTwoStepsRecovers() throws IOException {
    List<Named> steps = new ArrayList<>();
    steps.add(new Named("finalize fresh", (c, sb) -> c.finalizeAtStartup()));
    for (String v : List.of("v1", "v2")) {
      steps.add(new Named("prepare " + v, (c, sb) -> sb[0] = c.prepareStandby(v, false)));
      steps.add(new Named("build " + v, (c, sb) -> writeImage(sb[0], v)));
      steps.add(new Named("commit " + v, (c, sb) -> c.commitSwitch(sb[0])));
      steps.add(new Named("reboot " + v, (c, sb) -> c.reboot()));
      steps.add(new Named("finalize " + v, (c, sb) -> c.finalizeAtStartup()));
    }
    steps.add(new Named("prepare rollback", (c, sb) -> c.prepareRollback()));
    steps.add(new Named("reboot rollback", (c, sb) -> c.reboot()));
    steps.add(new Named("finalize rollback", (c, sb) -> c.finalizeAtStartup()));

    for (int crashAfter = 1; crashAfter <= steps.size(); crashAfter++) {
      Path root = Files.createTempDirectory(state, "crash");
      AtomicInteger exits = new AtomicInteger();
      DirectorySlotController.Options exitMode = DirectorySlotController.Options.defaults()
          .withExitProcess(exits::incrementAndGet);
      DirectorySlotController c = new DirectorySlotController(root, exitMode);
      Standby[] sb = new Standby[1];
      for (int i = 0; i < crashAfter; i++) {
        Named n = steps.get(i);
        n.step().run(c, sb);
        if (n.name().startsWith("reboot") && i + 1 < crashAfter) {
          c = new DirectorySlotController(root, exitMode); // the requested restart
        }
      }
      String at = "crash after '" + steps.get(crashAfter - 1).name() + "'";

      DirectorySlotController restarted = new DirectorySlotController(root, exitMode);
      BootState s = restarted.finalizeAtStartup();
      assertThat(s.status().isBusy()).as(at + ": %s", s).isFalse();
      assertThat(s.status().acceptsUpdate()).as(at).isTrue();
      if (s.status() == OtaStatus.FAILURE || s.status() == OtaStatus.ROLLBACK_FAILURE) {
        assertThat(s.failureReason()).as(at).isNotEmpty();
      }
      assertThat(restarted.armedSlotId()).as(at + ": no switch left armed").isEmpty();

      Standby next = restarted.prepareStandby("v9", false);
      writeImage(next, "v9");
      restarted.commitSwitch(next);
      restarted.reboot();
      DirectorySlotController booted = new DirectorySlotController(root, exitMode);
      assertThat(booted.finalizeAtStartup()).as(at).isEqualTo(new BootState(OtaStatus.SUCCESS, "v9", FailureType.NO_FAILURE, ""));
      assertThat(osVersion(booted.activeRoot())).as(at).isEqualTo("v9");
    }
  }

  @Test
  void crashAfterCommitIsReportedAsInterruptedNotAsBootFailure() {
    DirectorySlotController c = open();
    c.finalizeAtStartup();
    c.commitSwitch(c.prepareStandby("v1", false));
    BootState s = open().finalizeAtStartup();
    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.failureReason()).contains("interrupted after the switch to slot slot_b was armed, before the reboot");

    DirectorySlotController c2 = open();
    c2.finalizeAtStartup();
    c2.prepareStandby("v1", false);
    BootState s2 = open().finalizeAtStartup();
    assertThat(s2.failureReason()).startsWith("E1-0102-207: ")
        .contains("the update of slot slot_b was interrupted (the client restarted before the switch)");
  }

  @Test
  void theIdsOfARequestAreSavedBesideTheVersionAndReportedAfterTheSwitchAndARestart() throws IOException {
    DirectorySlotController c = open();
    c.finalizeAtStartup();
    dev.otaclient.status.VersionDetail d = new dev.otaclient.status.VersionDetail("req-1", "rel", "rid", "img");
    Standby sb = c.prepareStandby("v1", d, false);
    assertThat(c.slotFiles(SLOT_B).versionDetail()).isEqualTo(d);
    assertThat(c.currentState().detail()).as("the running version has none yet").isEqualTo(
        dev.otaclient.status.VersionDetail.NONE);
    writeImage(sb, "v1");
    c.commitSwitch(sb);
    c.reboot();
    assertThat(c.currentState()).isEqualTo(new BootState(OtaStatus.SUCCESS, "v1", FailureType.NO_FAILURE, "", d));
    assertThat(open().finalizeAtStartup().detail()).as("after a restart").isEqualTo(d);

    // the next update names none: the standby's old ids go with its old version
    c = open();
    c.finalizeAtStartup();
    c.slotFiles(SLOT_A).writeVersionDetail(new dev.otaclient.status.VersionDetail("old", "", "", ""));
    c.prepareStandby("v2", false);
    assertThat(Files.exists(state.resolve("status").resolve(SLOT_A).resolve("version_detail"))).isFalse();
  }
}
