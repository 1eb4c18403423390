package dev.otaclient.internal.update;

import dev.otaclient.internal.image.RegularEntry;
import dev.otaclient.internal.image.Xattrs;

/**
 * One regular file of the new image as the apply step needs it; its content (sha256, size,
 * compression) is held once by its {@link ContentGroup}. Converted from {@link RegularEntry} at the
 * plan boundary so that the plan of tens of thousands of files keeps 32 bytes per file plus the path,
 * instead of the list entry with its own hex digest.
 */
final class PlannedFile {
  final String path;
  final int mode;
  /** Unsigned 32-bit ids, as the lists carry them. */
  private final int uid;
  private final int gid;
  /** {@link RegularEntry#linkGroupKey()} of a hard-linked file, else null. */
  final String linkKey;
  /**
   * The extended attributes the file must have exactly (OTA image v1, mostly {@link Xattrs#NONE});
   * null for legacy images, which carry none, so a slot's own are left as they are.
   */
  final Xattrs xattrs;

  private PlannedFile(String path, int mode, int uid, int gid, String linkKey, Xattrs xattrs) {
    this.path = path;
    this.mode = mode;
    this.uid = uid;
    this.gid = gid;
    this.linkKey = linkKey;
    this.xattrs = xattrs;
  }

  static PlannedFile of(RegularEntry e) {
    return of(e, null);
  }

  static PlannedFile of(RegularEntry e, Xattrs xattrs) {
    return new PlannedFile(e.path(), e.mode(), (int) e.uid(), (int) e.gid(), e.isHardLinked() ? e.linkGroupKey() : null,
        xattrs);
  }

  long uid() {
    return Integer.toUnsignedLong(uid);
  }

  long gid() {
    return Integer.toUnsignedLong(gid);
  }

  boolean isHardLinked() {
    return linkKey != null;
  }
}
