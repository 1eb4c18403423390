package dev.otaclient.internal.boot;

import java.nio.file.Path;

/**
 * Owns everything that touches slots and the boot loader (reference §3). The update engine only
 * sees this interface: it asks for a prepared standby slot, builds it, then asks for the switch.
 * Implementations: directory slots (embedded default), GRUB, Jetson CBoot.
 *
 * <p>All status/version files are written atomically (temp, fsync, rename).
 */
public interface BootController {
  /** Id of the running slot, e.g. {@code slot_a}, {@code sda2}, {@code 0}. */
  String activeSlotId();

  /** Id of the other slot. */
  String standbySlotId();

  /**
   * Runs once at start-up: applies the state table of §3.4 (confirm a switched boot, detect a
   * fallback, initialise a fresh device) and returns the resulting live state. Never returns
   * UPDATING or ROLLBACKING.
   */
  BootState finalizeAtStartup();

  /** The state as last finalised or changed; cheap. */
  BootState currentState();

  /** Read-only view of the running rootfs (the source of copies and persistents). */
  Path activeRoot();

  /**
   * pre_update: marks the active slot FAILURE and the standby UPDATING with {@code newVersion},
   * then prepares the standby. With {@code reuseInPlace} the controller keeps the standby's
   * contents when it can (it says so in the result); otherwise the standby is emptied/formatted.
   */
  Standby prepareStandby(String newVersion, boolean reuseInPlace);

  /**
   * As {@link #prepareStandby(String, boolean)}, recording {@code detail} (the request and release
   * ids) beside the new version in the standby's status files. Controllers without status files
   * ignore it.
   */
  default Standby prepareStandby(String newVersion, dev.otaclient.status.VersionDetail detail, boolean reuseInPlace) {
    return prepareStandby(newVersion, reuseInPlace);
  }

  /**
   * Called once the image is verified and planned, before {@link #prepareStandby}: a controller that
   * can tell from the image's own files that it cannot boot it refuses here (an {@code OtaException}),
   * before the download and with the standby untouched. Most controllers take every image.
   */
  default void vetImage(ImageFiles image) {}

  /**
   * post_update: everything needed so that the next boot starts the standby once (fstab merge,
   * kernel links, one-shot boot entry). Does not reboot.
   */
  void commitSwitch(Standby standby);

  /** Reboots into the armed slot through the configured {@link Rebooter}. */
  void reboot();

  /**
   * Records a failed update or rollback: status files FAILURE, failure reason persisted so it
   * survives a restart, standby unmounted. Must not throw.
   */
  void onFailure(String failureReason);

  /**
   * Records an update stopped on request: the running slot ABORTED (it stays the boot default and
   * its status survives a restart), the standby marked as an unfinished build and released with its
   * contents kept, so the next update can reuse it in place. Must not throw.
   */
  void onAbort();

  /** Whether a rollback to the other slot is currently allowed, and why not. */
  RollbackCheck checkRollback();

  /** Marks the active slot FAILURE and the other ROLLBACKING and arms a one-shot boot of it. */
  void prepareRollback();
}
