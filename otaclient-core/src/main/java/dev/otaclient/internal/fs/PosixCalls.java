package dev.otaclient.internal.fs;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The few libc calls the JDK does not offer: extended attributes in every namespace (the JDK's
 * {@code UserDefinedFileAttributeView} only reaches {@code user.*}, while a rootfs carries
 * {@code security.capability}) and character devices (overlayfs whiteouts). All act on the path
 * itself, never following a symlink. Paths go to the kernel as their exact bytes.
 */
public final class PosixCalls {
  private static final int S_IFCHR = 0020000;
  private static final int ENODATA = 61;
  private static final int ERANGE = 34;

  private PosixCalls() {}

  /** libc, bound lazily: nothing is loaded by code that never needs these calls. */
  private interface LibC extends Library {
    long llistxattr(byte[] path, byte[] list, long size) throws LastErrorException;

    long lgetxattr(byte[] path, byte[] name, byte[] value, long size) throws LastErrorException;

    int lsetxattr(byte[] path, byte[] name, byte[] value, long size, int flags) throws LastErrorException;

    int lremovexattr(byte[] path, byte[] name) throws LastErrorException;

    int mknod(byte[] path, int mode, long dev) throws LastErrorException;

    int lchown(byte[] path, int uid, int gid) throws LastErrorException;

    int chmod(byte[] path, int mode) throws LastErrorException;
  }

  private static final class Holder {
    static final LibC C = Native.load("c", LibC.class);
  }

  /**
   * libc through JNA; a dispatch library that cannot be loaded (a noexec temporary directory, an
   * unsupported platform) becomes an I/O error naming the cause, like any failed call here.
   */
  private static LibC libc() throws IOException {
    try {
      return Holder.C;
    } catch (LinkageError e) {
      throw new IOException("the native libc binding (JNA) cannot be loaded; it is unpacked into "
          + System.getProperty("jna.tmpdir", System.getProperty("java.io.tmpdir")) + ", which must allow executing it: "
          + e, e);
    }
  }

  /** The extended attributes of {@code p} (any namespace the caller may read), sorted by name. */
  public static Map<String, byte[]> listXattrs(Path p) throws IOException {
    byte[] path = cString(p.toString());
    Map<String, byte[]> out = new TreeMap<>();
    for (String name : names(path, p)) {
      byte[] n = cString(name);
      try {
        long size = libc().lgetxattr(path, n, null, 0);
        byte[] v = new byte[(int) size];
        long got = libc().lgetxattr(path, n, v, v.length);
        out.put(name, got == v.length ? v : java.util.Arrays.copyOf(v, (int) got));
      } catch (LastErrorException e) {
        if (e.getErrorCode() != ENODATA) {
          throw failure("getxattr " + name, p, e);
        }
      }
    }
    return out;
  }

  private static List<String> names(byte[] path, Path p) throws IOException {
    for (int attempt = 0; ; attempt++) {
      try {
        long size = libc().llistxattr(path, null, 0);
        byte[] buf = new byte[(int) size];
        long got = size == 0 ? 0 : libc().llistxattr(path, buf, buf.length);
        List<String> names = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < got; i++) {
          if (buf[i] == 0) {
            names.add(new String(buf, start, i - start, StandardCharsets.UTF_8));
            start = i + 1;
          }
        }
        return names;
      } catch (LastErrorException e) {
        if (e.getErrorCode() != ERANGE || attempt > 3) {
          throw failure("listxattr", p, e); // ERANGE: the list grew between the two calls
        }
      }
    }
  }

  public static void setXattr(Path p, String name, byte[] value) throws IOException {
    try {
      libc().lsetxattr(cString(p.toString()), cString(name), value, value.length, 0);
    } catch (LastErrorException e) {
      throw failure("setxattr " + name, p, e);
    }
  }

  public static void removeXattr(Path p, String name) throws IOException {
    try {
      libc().lremovexattr(cString(p.toString()), cString(name));
    } catch (LastErrorException e) {
      if (e.getErrorCode() != ENODATA) {
        throw failure("removexattr " + name, p, e);
      }
    }
  }

  /** Creates a character device 0/0 (an overlayfs whiteout) with the permission bits {@code mode}. */
  public static void mknodWhiteout(Path p, int mode) throws IOException {
    try {
      libc().mknod(cString(p.toString()), S_IFCHR | (mode & 07777), 0L);
    } catch (LastErrorException e) {
      throw failure("mknod", p, e);
    }
  }

  /**
   * Owner, then mode, of a device node. The JDK's attribute views open the file to change it, which a
   * device 0/0 refuses (ENXIO); these calls act on the path. Only for a node just made by
   * {@link #mknodWhiteout}, so chmod following a symlink cannot happen.
   */
  public static void ownNode(Path p, long uid, long gid, int mode) throws IOException {
    byte[] path = cString(p.toString());
    try {
      libc().lchown(path, (int) uid, (int) gid);
      libc().chmod(path, mode & 07777);
    } catch (LastErrorException e) {
      throw failure("chown/chmod", p, e);
    }
  }

  private static byte[] cString(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    byte[] c = new byte[b.length + 1];
    System.arraycopy(b, 0, c, 0, b.length);
    return c;
  }

  private static IOException failure(String call, Path p, LastErrorException e) {
    return new IOException(call + " " + p + ": errno " + e.getErrorCode() + " ("
        + (e.getMessage() == null ? "" : e.getMessage().replaceFirst("^\\[\\d+\\]\\s*", "")) + ")", e);
  }
}
