package dev.otaclient.internal.boot;

import java.io.IOException;

/**
 * One A/B device of a backend as {@link SlotStateTableTest} drives it: the client starts on the slot
 * that runs, reboots go through the backend's firmware model. Slots are called {@code A} (the one the
 * device was provisioned on) and {@code B}.
 */
interface TableDevice extends AutoCloseable {
  /** The client starting on the running slot (a new controller, as after a restart). */
  SlotStateMachine start() throws IOException;

  String running();

  /** The reboot the client asked for; the firmware chooses. Returns the slot that runs after it. */
  String reboot() throws IOException;

  /** The reboot starts the armed slot, which does not come up; the reset after it. Returns the slot that runs. */
  String failedBoot() throws IOException;

  /** What a reset would start now, consuming nothing. */
  String nextBoot() throws IOException;

  /** What the engine would write into the standby. */
  void writeImage(Standby sb, String version) throws IOException;

  @Override
  void close();
}
