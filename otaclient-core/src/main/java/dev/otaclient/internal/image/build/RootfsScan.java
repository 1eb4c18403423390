package dev.otaclient.internal.image.build;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Walks a rootfs in the image's deterministic order: a directory is reported before its contents, the
 * entries of one directory in code-point order of their names, depth first. Symlinks are never
 * followed. Ignored paths are pruned (nothing below an ignored directory is visited). Only one
 * directory's names are held in memory per level of depth.
 */
final class RootfsScan {
  private static final Logger LOG = LoggerFactory.getLogger(RootfsScan.class);

  private static final int S_IFMT = 0170000;
  private static final int S_IFDIR = 0040000;
  private static final int S_IFLNK = 0120000;
  private static final int S_IFREG = 0100000;

  /** Kind of a scanned entry. */
  enum Kind { DIRECTORY, SYMLINK, REGULAR }

  /**
   * One entry of the tree.
   *
   * @param imagePath absolute path as written in the lists, e.g. {@code /usr/bin/bash}
   * @param source the entry in the rootfs
   * @param mode {@code st_mode & 07777}
   * @param inode {@code st_ino}
   * @param symlinkTarget the link text, for symlinks only
   */
  record Entry(String imagePath, Path source, Kind kind, int mode, long uid, long gid, int nlink, long inode,
               String symlinkTarget) {}

  private record DevIno(long dev, long ino) {}

  /** Receives entries in walk order, on the scanning thread. */
  interface Visitor {
    void visit(Entry entry);
  }

  private final Path root;
  private final IgnoreRules ignore;
  /**
   * st_nlink of each multiply-linked inode when first seen. The builder hard-links files into data/
   * while the walk goes on, which raises st_nlink of the rootfs inode; the first sighting comes before
   * any link this build makes for it, so later members of a link group reuse that value.
   */
  private final Map<DevIno, Integer> nlinkAtFirstSight = new HashMap<>();
  private long skippedSpecial;
  private long ignored;

  RootfsScan(Path root, IgnoreRules ignore) {
    this.root = root;
    this.ignore = ignore;
  }

  long skippedSpecial() {
    return skippedSpecial;
  }

  long ignored() {
    return ignored;
  }

  void run(Visitor visitor) {
    walk(root, "", visitor);
  }

  private void walk(Path dir, String relDir, Visitor visitor) {
    for (Path child : sortedChildren(dir, relDir)) {
      String name = child.getFileName().toString();
      String rel = relDir.isEmpty() ? name : relDir + "/" + name;
      checkRepresentable(rel);
      Map<String, Object> a;
      try {
        a = Files.readAttributes(child, "unix:mode,uid,gid,nlink,ino,dev", LinkOption.NOFOLLOW_LINKS);
      } catch (IOException e) {
        throw new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.GENERAL,
            "/" + rel + ": cannot stat: " + e.getMessage(), e);
      }
      int stMode = (Integer) a.get("mode");
      int type = stMode & S_IFMT;
      boolean isDir = type == S_IFDIR;
      if (ignore.matches(rel, isDir)) {
        ignored++;
        continue;
      }
      Kind kind;
      String target = null;
      if (isDir) {
        kind = Kind.DIRECTORY;
      } else if (type == S_IFLNK) {
        kind = Kind.SYMLINK;
        target = readLink(child, rel);
      } else if (type == S_IFREG) {
        kind = Kind.REGULAR;
      } else {
        // devices, fifos and sockets: the Python generator does not list them either
        LOG.warn("skipping special file /{} (st_mode {})", rel, Integer.toOctalString(stMode));
        skippedSpecial++;
        continue;
      }
      long ino = ((Number) a.get("ino")).longValue();
      int stNlink = (Integer) a.get("nlink");
      int nlink = stNlink;
      if (kind == Kind.REGULAR && stNlink > 1) {
        nlink = nlinkAtFirstSight.computeIfAbsent(new DevIno(((Number) a.get("dev")).longValue(), ino), k -> stNlink);
      }
      // uid/gid are unsigned 32-bit on Linux; the JDK hands them out as (possibly negative) ints
      visitor.visit(new Entry("/" + rel, child, kind, stMode & 07777,
          Integer.toUnsignedLong((Integer) a.get("uid")), Integer.toUnsignedLong((Integer) a.get("gid")),
          nlink, ino, target));
      if (isDir) {
        walk(child, rel, visitor);
      }
    }
  }

  private List<Path> sortedChildren(Path dir, String relDir) {
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        children.add(p);
      }
    } catch (IOException e) {
      throw new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.GENERAL,
          "/" + relDir + ": cannot list directory: " + e.getMessage(), e);
    }
    children.sort(Comparator.comparing(p -> p.getFileName().toString(), RootfsScan::compareCodePoints));
    return children;
  }

  private static String readLink(Path link, String rel) {
    String target;
    try {
      target = Files.readSymbolicLink(link).toString();
    } catch (IOException e) {
      throw new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.GENERAL,
          "/" + rel + ": cannot read symlink: " + e.getMessage(), e);
    }
    if (target.indexOf('\n') >= 0 || target.indexOf('\r') >= 0 || target.indexOf('\uFFFD') >= 0) {
      throw unrepresentable(rel, "symlink target contains a line break or is not valid UTF-8");
    }
    return target;
  }

  /**
   * The lists are UTF-8 text with one entry per line: a line break cannot be written, and a name that is
   * not valid UTF-8 would be written as a different name (the JDK decodes bad bytes to U+FFFD), so both
   * are refused rather than skipped silently.
   */
  private static void checkRepresentable(String rel) {
    if (rel.indexOf('\n') >= 0 || rel.indexOf('\r') >= 0) {
      throw unrepresentable(rel, "name contains a line break (cannot be written to the lists)");
    }
    if (rel.indexOf('\uFFFD') >= 0) {
      throw unrepresentable(rel, "name is not valid UTF-8 (or contains U+FFFD)");
    }
  }

  private static OtaException unrepresentable(String rel, String reason) {
    String shown = ("/" + rel).replace("\n", "\\n").replace("\r", "\\r");
    return new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.GENERAL, shown + ": " + reason);
  }

  /** Orders by Unicode code point, i.e. the order of the UTF-8 bytes (String.compareTo uses UTF-16 units). */
  static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }
}
