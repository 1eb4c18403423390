package dev.otaclient.internal.boot;

/** Restarts the ECU. Replaceable so tests and directory slots simulate the reboot. */
@FunctionalInterface
public interface Rebooter {
  void reboot();

  /**
   * Restarts with a parameter for the firmware (the Raspberry Pi's {@code "0 tryboot"}). Rebooters that
   * cannot pass one restart plainly.
   */
  default void reboot(String firmwareParameter) {
    reboot();
  }
}
