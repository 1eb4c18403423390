package dev.otaclient.internal.ecu;

/**
 * Given to a local update or rollback: it must be awaited after the standby is ready and before the
 * ECU reboots, so that no ECU reboots while children it serves are still updating.
 */
public interface RebootGate {
  /**
   * Blocks until every tracked child has finished (or is considered lost).
   *
   * @throws InterruptedException when interrupted or when the tree is shut down; do not reboot then
   */
  void awaitRebootPermission() throws InterruptedException;
}
