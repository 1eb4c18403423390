package dev.otaclient.internal.slot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import dev.otaclient.internal.fs.PosixCalls;
import dev.otaclient.internal.image.Xattrs;
import java.util.Arrays;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Owner and mode as the image lists them, applied with lchown semantics and the full 07777 mode. */
public final class FileAttributes {
  private static final Logger log = LoggerFactory.getLogger(FileAttributes.class);
  /**
   * Only root may give files away. Directory slots also run unprivileged (a developer machine, an
   * embedding test), where ownership is left as is and everything else still applies.
   */
  private static final boolean CAN_CHOWN = isRoot();

  private FileAttributes() {}

  private static boolean isRoot() {
    try {
      return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    } catch (IOException | RuntimeException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  static {
    if (!CAN_CHOWN) {
      log.warn("not running as root: file ownership from the image is not applied");
    }
  }

  public static boolean canChown() {
    return CAN_CHOWN;
  }

  /**
   * chown then chmod: chown clears setuid/setgid bits on Linux, so the mode must come last. The
   * numeric ids are passed through as unsigned 32-bit values. What already has the wanted owner and
   * mode is not touched (one {@code lstat}): a new file usually has its mode from the umask, and a
   * directory of a reused standby has both, where a chmod per entry was a metadata write each.
   */
  public static void apply(Path p, long uid, long gid, int mode) throws IOException {
    Map<String, Object> cur = Files.readAttributes(p, CAN_CHOWN ? "unix:uid,gid,mode" : "unix:mode",
        LinkOption.NOFOLLOW_LINKS);
    boolean chowned = CAN_CHOWN && setOwner(p, cur, uid, gid);
    int want = mode & 07777;
    if (chowned || (((Integer) cur.get("mode")) & 07777) != want) {
      Files.setAttribute(p, "unix:mode", want, LinkOption.NOFOLLOW_LINKS);
    }
  }

  /** Owner of a symlink itself (lchown); symlinks have no mode of their own on Linux. */
  public static void applyToSymlink(Path p, long uid, long gid) throws IOException {
    setOwner(p, uid, gid);
  }

  private static void setOwner(Path p, long uid, long gid) throws IOException {
    if (!CAN_CHOWN) {
      return;
    }
    setOwner(p, Files.readAttributes(p, "unix:uid,gid", LinkOption.NOFOLLOW_LINKS), uid, gid);
  }

  /** Changes what differs from {@code cur} (holding uid and gid); true when anything changed. */
  private static boolean setOwner(Path p, Map<String, Object> cur, long uid, long gid) throws IOException {
    int u = (int) uid;
    int g = (int) gid;
    boolean changed = false;
    if (((Integer) cur.get("uid")) != u) {
      Files.setAttribute(p, "unix:uid", u, LinkOption.NOFOLLOW_LINKS);
      changed = true;
    }
    if (((Integer) cur.get("gid")) != g) {
      Files.setAttribute(p, "unix:gid", g, LinkOption.NOFOLLOW_LINKS);
      changed = true;
    }
    return changed;
  }

  /**
   * Makes the extended attributes of {@code p} (never followed if a symlink) exactly {@code wanted}:
   * missing ones set, differing ones replaced, others removed. Call after {@link #apply}: chown clears
   * {@code security.capability}. Unprivileged (directory slots on a developer machine) only
   * {@code user.*} can be written, so other namespaces are left alone. True when anything changed.
   */
  public static boolean applyXattrs(Path p, Xattrs wanted) throws IOException {
    Map<String, byte[]> have = PosixCalls.listXattrs(p);
    Map<String, byte[]> want = wanted.asMap();
    boolean changed = false;
    for (Map.Entry<String, byte[]> e : want.entrySet()) {
      if (!writable(e.getKey()) || Arrays.equals(have.get(e.getKey()), e.getValue())) {
        continue;
      }
      PosixCalls.setXattr(p, e.getKey(), e.getValue());
      changed = true;
    }
    for (String name : have.keySet()) {
      if (!want.containsKey(name) && writable(name)) {
        PosixCalls.removeXattr(p, name);
        changed = true;
      }
    }
    return changed;
  }

  private static boolean writable(String name) {
    if (CAN_CHOWN || name.startsWith("user.")) {
      return true;
    }
    log.debug("not privileged: extended attribute {} left alone", name);
    return false;
  }
}
