package dev.otaclient.internal.update;

import dev.otaclient.internal.slot.FileAttributes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One {@code lstat} of a slot file: what a placement record pins (size, mtime, ctime, device and inode)
 * and what attribute fixing needs (mode, owner), read once.
 *
 * <p>ctime is the guard that makes a record trustworthy: every change to a file (content, size, mode,
 * owner, links, rename, {@code utimensat}) sets it to "now", and user space cannot set it back.
 */
record FileStat(int mode, long size, long mtimeNanos, long ctimeNanos, long dev, long ino, int uid, int gid) {
  private static final String ATTRS = "unix:mode,size,lastModifiedTime,ctime,dev,ino,uid,gid";
  private static final int S_IFMT = 0170000;
  private static final int S_IFREG = 0100000;
  private static final int S_IFDIR = 0040000;
  private static final int S_IFLNK = 0120000;

  /** Reads the file's own attributes, never following a symlink at {@code p}. */
  static FileStat of(Path p) throws IOException {
    Map<String, Object> m = Files.readAttributes(p, ATTRS, LinkOption.NOFOLLOW_LINKS);
    return new FileStat((Integer) m.get("mode"), (Long) m.get("size"), nanos(m.get("lastModifiedTime")),
        nanos(m.get("ctime")), (Long) m.get("dev"), (Long) m.get("ino"), (Integer) m.get("uid"), (Integer) m.get("gid"));
  }

  private static long nanos(Object t) {
    return ((FileTime) t).to(TimeUnit.NANOSECONDS);
  }

  boolean isRegularFile() {
    return (mode & S_IFMT) == S_IFREG;
  }

  boolean isDirectory() {
    return (mode & S_IFMT) == S_IFDIR;
  }

  boolean isSymbolicLink() {
    return (mode & S_IFMT) == S_IFLNK;
  }

  /**
   * Whether the file already has this owner (only where ownership can be set at all:
   * {@link FileAttributes#canChown}) and these permission bits: then it need not be touched, which
   * would set its ctime.
   */
  boolean hasOwnerAndMode(long wantUid, long wantGid, int wantMode) {
    boolean ownerDiffers = FileAttributes.canChown() && (uid != (int) wantUid || gid != (int) wantGid);
    return !ownerDiffers && permissions() == (wantMode & 07777);
  }

  /** The permission bits including setuid, setgid and sticky. */
  int permissions() {
    return mode & 07777;
  }

  /** Same inode, unchanged since {@code other} was taken (the fields a placement record pins). */
  boolean sameFileUnchanged(FileStat other) {
    return size == other.size && mtimeNanos == other.mtimeNanos && ctimeNanos == other.ctimeNanos
        && dev == other.dev && ino == other.ino;
  }
}
