package dev.otaclient.internal.boot;

/** Restarts the ECU. Replaceable so tests and directory slots simulate the reboot. */
@FunctionalInterface
public interface Rebooter {
  void reboot();
}
