package dev.otaclient.internal.ecu;

import java.time.Duration;
import java.util.Objects;

/**
 * Timing of the ECU tree.
 *
 * @param ackDeadline how long a child may take to acknowledge an update or rollback request
 * @param pollActive child status polling interval while anything in the tree is updating or rolling back
 * @param pollIdle child status polling interval otherwise
 * @param statusDeadline deadline of one status call to a child
 * @param childLostAfter a child silent for this long no longer holds back this ECU's reboot
 */
public record EcuNodeSettings(Duration ackDeadline, Duration pollActive, Duration pollIdle,
    Duration statusDeadline, Duration childLostAfter) {

  public EcuNodeSettings {
    requirePositive(ackDeadline, "ackDeadline");
    requirePositive(pollActive, "pollActive");
    requirePositive(pollIdle, "pollIdle");
    requirePositive(statusDeadline, "statusDeadline");
    requirePositive(childLostAfter, "childLostAfter");
  }

  /**
   * 6 s acknowledgement deadline (as Python), polls every 1 s / 10 s with a 6 s deadline and a
   * 20 min limit for a silent child (the values of Python v3.5+, reference §4.6).
   */
  public static EcuNodeSettings defaults() {
    return new EcuNodeSettings(Duration.ofSeconds(6), Duration.ofSeconds(1), Duration.ofSeconds(10),
        Duration.ofSeconds(6), Duration.ofMinutes(20));
  }

  private static void requirePositive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
  }
}
