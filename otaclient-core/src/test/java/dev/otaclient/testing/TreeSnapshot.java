package dev.otaclient.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Everything a file-level OTA update must reproduce about a tree, for comparing an updated slot with
 * the image's source rootfs: for each path (absolute, {@code /}-prefixed, the root itself excluded) its
 * type, {@code st_mode & 07777}, uid, gid, SHA-256 and size (regular files) or target (symlinks), plus
 * the hard-link grouping (which paths share an inode; inode numbers themselves are not compared).
 */
public final class TreeSnapshot {

  /** Kind of a tree entry. */
  public enum Type { DIRECTORY, SYMLINK, REGULAR, OTHER }

  /** One recorded path. {@code sha256}/{@code size} only for regular files, {@code target} only for symlinks. */
  public record Node(String path, Type type, int mode, int uid, int gid, String sha256, long size, String target) {
    String describe() {
      StringBuilder sb = new StringBuilder(type.name().toLowerCase())
          .append(" mode=").append(String.format("%04o", mode))
          .append(" uid=").append(uid).append(" gid=").append(gid);
      if (type == Type.REGULAR) {
        sb.append(" size=").append(size).append(" sha256=").append(sha256);
      }
      if (type == Type.SYMLINK) {
        sb.append(" target='").append(target).append('\'');
      }
      return sb.toString();
    }
  }

  private final SortedMap<String, Node> nodes;
  /** Groups (size >= 2) of paths that are hard links of each other, each group sorted. */
  private final Set<List<String>> linkGroups;

  private TreeSnapshot(SortedMap<String, Node> nodes, Set<List<String>> linkGroups) {
    this.nodes = nodes;
    this.linkGroups = linkGroups;
  }

  /** Snapshot of every path below {@code root}. */
  public static TreeSnapshot of(Path root) {
    return of(root, Set.of());
  }

  /**
   * Snapshot of every path below {@code root} except the given ones (absolute image paths such as
   * {@code /boot/ota}); an excluded directory excludes its whole subtree.
   */
  public static TreeSnapshot of(Path root, Collection<String> excluded) {
    Set<String> skip = new TreeSet<>(excluded);
    SortedMap<String, Node> nodes = new TreeMap<>();
    Map<Object, List<String>> byInode = new HashMap<>();
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
          if (dir.equals(root)) {
            return FileVisitResult.CONTINUE;
          }
          String p = imagePath(root, dir);
          if (skip.contains(p)) {
            return FileVisitResult.SKIP_SUBTREE;
          }
          nodes.put(p, node(p, dir, Type.DIRECTORY));
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          String p = imagePath(root, file);
          if (skip.contains(p)) {
            return FileVisitResult.CONTINUE;
          }
          Type type = attrs.isSymbolicLink() ? Type.SYMLINK : attrs.isRegularFile() ? Type.REGULAR : Type.OTHER;
          nodes.put(p, node(p, file, type));
          if (type == Type.REGULAR && (Integer) Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS) > 1) {
            byInode.computeIfAbsent(attrs.fileKey(), k -> new ArrayList<>()).add(p);
          }
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Set<List<String>> groups = new TreeSet<>((a, b) -> a.toString().compareTo(b.toString()));
    for (List<String> g : byInode.values()) {
      if (g.size() > 1) {
        groups.add(List.copyOf(new TreeSet<>(g)));
      }
    }
    return new TreeSnapshot(nodes, groups);
  }

  private static String imagePath(Path root, Path p) {
    return "/" + root.relativize(p).toString();
  }

  private static Node node(String path, Path p, Type type) throws IOException {
    int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    int uid = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    int gid = (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
    String sha = null;
    long size = -1;
    String target = null;
    if (type == Type.REGULAR) {
      sha = sha256(p);
      size = Files.size(p);
    } else if (type == Type.SYMLINK) {
      target = Files.readSymbolicLink(p).toString();
    }
    return new Node(path, type, mode, uid, gid, sha, size, target);
  }

  /** Lowercase hex SHA-256 of a file, read streaming. */
  public static String sha256(Path file) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** All recorded nodes by path, sorted. */
  public SortedMap<String, Node> nodes() {
    return java.util.Collections.unmodifiableSortedMap(nodes);
  }

  /** The node at an absolute image path, or null. */
  public Node get(String path) {
    return nodes.get(path);
  }

  /** Hard-link groups: each a sorted list of at least two paths sharing one inode. */
  public Set<List<String>> linkGroups() {
    return java.util.Collections.unmodifiableSet(linkGroups);
  }

  /**
   * Human-readable differences, one per line ({@code -} only here, {@code +} only in {@code other},
   * {@code ~} differing), or the empty string when the snapshots are equal.
   */
  public String diff(TreeSnapshot other) {
    StringBuilder sb = new StringBuilder();
    Set<String> all = new TreeSet<>(nodes.keySet());
    all.addAll(other.nodes.keySet());
    for (String p : all) {
      Node a = nodes.get(p);
      Node b = other.nodes.get(p);
      if (b == null) {
        sb.append("- ").append(p).append(": ").append(a.describe()).append('\n');
      } else if (a == null) {
        sb.append("+ ").append(p).append(": ").append(b.describe()).append('\n');
      } else if (!a.equals(b)) {
        sb.append("~ ").append(p).append(": ").append(a.describe()).append(" -> ").append(b.describe()).append('\n');
      }
    }
    for (List<String> g : linkGroups) {
      if (!other.linkGroups.contains(g)) {
        sb.append("- hard links ").append(g).append('\n');
      }
    }
    for (List<String> g : other.linkGroups) {
      if (!linkGroups.contains(g)) {
        sb.append("+ hard links ").append(g).append('\n');
      }
    }
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TreeSnapshot t && nodes.equals(t.nodes) && linkGroups.equals(t.linkGroups);
  }

  @Override
  public int hashCode() {
    return Objects.hash(nodes, linkGroups);
  }

  @Override
  public String toString() {
    return "TreeSnapshot(" + nodes.size() + " paths, " + linkGroups.size() + " hard-link groups)";
  }
}
