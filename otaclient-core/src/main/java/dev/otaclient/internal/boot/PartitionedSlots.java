package dev.otaclient.internal.boot;

import dev.otaclient.error.ErrorCode;

/**
 * What the backends on real partitions (GRUB, Jetson CBoot, and the ones to come) share: the command
 * runner, the partition helper and the system reboot, set up once.
 */
abstract class PartitionedSlots extends SlotStateMachine {
  protected final CommandRunner cmd;
  protected final Partitions partitions;
  private final Rebooter rebooter;

  /** @param rebooter null for the system's {@code reboot} command */
  protected PartitionedSlots(CommandRunner cmd, Rebooter rebooter, HealthCheck healthCheck) {
    super(healthCheck);
    this.cmd = cmd;
    this.partitions = new Partitions(cmd);
    this.rebooter = rebooter != null ? rebooter : () -> cmd.run(ErrorCode.POST_UPDATE, "reboot");
  }

  @Override
  protected final Rebooter rebooter() {
    return rebooter;
  }
}
