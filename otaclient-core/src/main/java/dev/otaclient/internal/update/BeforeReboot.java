package dev.otaclient.internal.update;

/**
 * Called after the standby slot is complete and armed, before the ECU reboots: a parent ECU waits
 * here until its children finished (reference §4.5).
 */
@FunctionalInterface
public interface BeforeReboot {
  BeforeReboot NONE = () -> { };

  void await() throws InterruptedException;
}
