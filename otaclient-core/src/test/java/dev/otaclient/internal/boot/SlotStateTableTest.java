package dev.otaclient.internal.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.status.OtaStatus;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The slot state table of {@link SlotStateMachine} (docs/boot-control.md) walked row by row on every
 * backend: directory slots, GRUB on the 2022 layout, GRUB in the per-slot layout, Jetson CBoot, Jetson
 * UEFI and Raspberry Pi tryboot, each on its own device and firmware model ({@link TableDevices}). Every
 * backend must give the same outcome in every row. The loop-device backends are skipped without root.
 */
class SlotStateTableTest {
  @TempDir Path work;

  static Stream<String> backends() {
    return TableDevices.ALL.stream();
  }

  private TableDevice device(String backend) throws Exception {
    assumeTrue(TableDevices.available(backend), backend + " needs root, loop devices and its tools");
    return TableDevices.open(backend, work);
  }

  /** Rows "no status" and "INITIALIZED: unchanged". */
  @ParameterizedTest(name = "{0}")
  @MethodSource("backends")
  void firstStartInitialisesAndARestartKeepsIt(String backend) throws Exception {
    try (TableDevice d = device(backend)) {
      SlotStateMachine c = d.start();
      assertThat(c.finalizeAtStartup().status()).isEqualTo(OtaStatus.INITIALIZED);
      assertThat(c.activeFiles().slotInUse()).contains(c.activeSlotId());
      BootState again = d.start().finalizeAtStartup();
      assertThat(again.status()).isEqualTo(OtaStatus.INITIALIZED);
      assertThat(d.nextBoot()).isEqualTo("A");
    }
  }

  /** Rows "UPDATING with evidence of our switch" and "SUCCESS". */
  @ParameterizedTest(name = "{0}")
  @MethodSource("backends")
  void aSwitchedBootIsConfirmedAndStaysSuccess(String backend) throws Exception {
    try (TableDevice d = device(backend)) {
      update(d);
      assertThat(d.reboot()).isEqualTo("B");
      SlotStateMachine onB = d.start();
      assertThat(onB.activeFiles().status()).contains(OtaStatus.UPDATING);
      BootState s = onB.finalizeAtStartup();
      assertThat(s.status()).as(s.toString()).isEqualTo(OtaStatus.SUCCESS);
      assertThat(s.version()).isEqualTo("v2");
      assertThat(onB.activeFiles().slotInUse()).contains(onB.activeSlotId());
      assertThat(d.nextBoot()).as("the new slot is the default").isEqualTo("B");
      assertThat(d.start().finalizeAtStartup().status()).isEqualTo(OtaStatus.SUCCESS);
      assertThat(d.reboot()).as("a later reboot").isEqualTo("B");
      assertThat(d.start().finalizeAtStartup().status()).isEqualTo(OtaStatus.SUCCESS);
    }
  }

  /** Rows "FAILURE, slot_in_use=<other>" (an update interrupted before the reboot) and "FAILURE, slot_in_use=<self>". */
  @ParameterizedTest(name = "{0}")
  @MethodSource("backends")
  void anUpdateInterruptedBeforeTheRebootFallsBackThenStaysFailure(String backend) throws Exception {
    try (TableDevice d = device(backend)) {
      d.start().finalizeAtStartup();
      SlotStateMachine c = d.start();
      c.finalizeAtStartup();
      Standby sb = c.prepareStandby("v2", false);
      d.writeImage(sb, "v2");
      c.commitSwitch(sb);
      // the client restarts without the reboot: the running slot says it handed over to B
      SlotStateMachine restarted = d.start();
      assertThat(restarted.activeFiles().slotInUse()).contains(restarted.standbySlotId());
      BootState s = restarted.finalizeAtStartup();
      assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
      assertThat(s.failureReason()).matches("E2-0[12]01-30\\d: .*" + restarted.standbySlotId() + ".*");
      assertThat(restarted.activeFiles().slotInUse()).contains(restarted.activeSlotId());
      java.util.Optional<OtaStatus> other = restarted.withStandbyFiles(SlotFiles::status);
      assertThat(other).contains(OtaStatus.FAILURE);
      assertThat(d.nextBoot()).as("the switch is disarmed").isEqualTo("A");
      BootState again = d.start().finalizeAtStartup();
      assertThat(again.status()).isEqualTo(OtaStatus.FAILURE);
      assertThat(again.failureReason()).isEqualTo(s.failureReason());
      assertThat(d.reboot()).isEqualTo("A");
    }
  }

  /** Row "FAILURE, slot_in_use=<other>" after the new slot did not come up. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("backends")
  void aNewSlotThatDoesNotComeUpIsReportedOnTheOldOne(String backend) throws Exception {
    try (TableDevice d = device(backend)) {
      update(d);
      assertThat(d.failedBoot()).isEqualTo("A");
      SlotStateMachine c = d.start();
      BootState s = c.finalizeAtStartup();
      assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
      assertThat(s.failureReason()).startsWith("E2-0101-304").contains(c.standbySlotId());
      assertThat(d.nextBoot()).isEqualTo("A");
    }
  }

  /** Row "UPDATING without evidence of a switched boot". */
  @ParameterizedTest(name = "{0}")
  @MethodSource("backends")
  void updatingWithoutEvidenceOfASwitchedBootIsFailure(String backend) throws Exception {
    try (TableDevice d = device(backend)) {
      SlotStateMachine c = d.start();
      c.finalizeAtStartup();
      c.activeFiles().writeStatus(OtaStatus.UPDATING);
      c.activeFiles().writeSlotInUse(c.activeSlotId());
      BootState s = d.start().finalizeAtStartup();
      assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
      assertThat(s.failureReason()).startsWith("E2-0101-304").contains("without evidence of a switched boot");
      assertThat(d.nextBoot()).isEqualTo("A");
    }
  }

  /** An update from the first start to the requested reboot. */
  private static void update(TableDevice d) throws Exception {
    SlotStateMachine c = d.start();
    assertThat(c.finalizeAtStartup().status()).isEqualTo(OtaStatus.INITIALIZED);
    Standby sb = c.prepareStandby("v2", false);
    d.writeImage(sb, "v2");
    c.commitSwitch(sb);
    assertThat(d.nextBoot()).as("a reset before the reboot still starts the old slot, or the armed one")
        .isIn("A", "B");
    c.reboot();
  }
}
