package dev.otaclient.internal.boot;

import dev.otaclient.error.ErrorCode;
import java.io.IOException;
import java.nio.file.Path;

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
    this.rebooter = rebooter != null ? rebooter : new Rebooter() {
      @Override
      public void reboot() {
        cmd.run(ErrorCode.POST_UPDATE, "reboot");
      }

      @Override
      public void reboot(String firmwareParameter) {
        cmd.run(ErrorCode.POST_UPDATE, "reboot", firmwareParameter);
      }
    };
  }

  @Override
  protected final Rebooter rebooter() {
    return rebooter;
  }

  /**
   * Runs {@code fn} on the status files kept inside a slot's own file system ({@code statusDir} below
   * its root): directly when it is mounted at {@code mountPoint}, else mounted there (never formatted)
   * just for the call.
   */
  protected final <T> T inSlotFiles(String device, Path mountPoint, boolean mounted, String statusDir,
      IoFunction<SlotFiles, T> fn) throws IOException {
    if (mounted) {
      return fn.apply(new SlotFiles(mountPoint.resolve(statusDir)));
    }
    partitions.mount(device, mountPoint, ErrorCode.PRE_UPDATE);
    try {
      return fn.apply(new SlotFiles(mountPoint.resolve(statusDir)));
    } finally {
      partitions.unmount(mountPoint, ErrorCode.PRE_UPDATE);
    }
  }
}
