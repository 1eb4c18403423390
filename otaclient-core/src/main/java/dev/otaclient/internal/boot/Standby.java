package dev.otaclient.internal.boot;

import java.nio.file.Path;

/**
 * A prepared standby slot.
 *
 * @param root the writable standby rootfs (everything of the image goes below it)
 * @param bootDir where the image's {@code /boot/...} regular files go (GRUB: the slot's
 *     ota-partition folder; otherwise {@code root/boot})
 * @param reusedInPlace true when the previous contents were kept, so the engine should update in
 *     place instead of assuming an empty tree
 */
public record Standby(Path root, Path bootDir, boolean reusedInPlace) {}
