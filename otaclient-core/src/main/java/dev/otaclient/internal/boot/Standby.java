package dev.otaclient.internal.boot;

import java.nio.file.Path;
import java.util.Set;

/**
 * A prepared standby slot.
 *
 * @param root the writable standby rootfs (everything of the image goes below it)
 * @param bootDir where the image's {@code /boot/...} regular files go (GRUB: the slot's
 *     ota-partition folder; otherwise {@code root/boot})
 * @param reusedInPlace true when the previous contents were kept, so the engine should update in
 *     place instead of assuming an empty tree
 * @param controllerOwned image paths (directories) below {@code root} that belong to the boot
 *     controller, not to the image: the status files of back-ends that keep them inside the slot
 *     ({@code /boot/ota-status}), already written for this update. An in-place build keeps them.
 */
public record Standby(Path root, Path bootDir, boolean reusedInPlace, Set<String> controllerOwned) {
  public Standby {
    controllerOwned = Set.copyOf(controllerOwned);
  }

  /** A standby with nothing of the controller's inside it (its files live elsewhere). */
  public Standby(Path root, Path bootDir, boolean reusedInPlace) {
    this(root, bootDir, reusedInPlace, Set.of());
  }
}
