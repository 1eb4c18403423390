package dev.otaclient.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Builds small but hostile rootfs trees for tests (needs root: it chowns to uid/gid 1000).
 *
 * <p>{@link #create} makes, with paths relative to the tree root (all contents deterministic, so two
 * calls give trees with equal contents and metadata except inode numbers):
 * <ul>
 *   <li>directories {@code /tmp} mode 1777, {@code /root} 0700, {@code /home/autoware} 0750 owned by
 *       1000:1000, everything else 0755 root;</li>
 *   <li>{@link #SETUID} mode 4755, {@link #ROOT_SECRET} 0600;</li>
 *   <li>a hard-link pair {@link #LINK_PAIR} (nlink 2) and a triple {@link #LINK_TRIPLE} spread over
 *       three directories (nlink 3);</li>
 *   <li>{@link #DUPLICATES}: two independent files with the same content;</li>
 *   <li>{@link #EMPTY_FILES}: two empty files;</li>
 *   <li>{@link #ODD_NAMES}: files named with {@code '}, {@code ,}, {@code \}, space, {@code #}, {@code ?},
 *       {@code ;}, non-ASCII, the hostile {@link #HOSTILE}, and a directory {@link #ODD_DIR} whose own
 *       name has a quote and a comma;</li>
 *   <li>symlinks {@link #SYMLINK_RELATIVE} ({@code /bin -> usr/bin}), {@link #SYMLINK_ABSOLUTE}
 *       ({@code /etc/localtime -> /usr/share/zoneinfo/Etc/UTC}, which exists), {@link #SYMLINK_DANGLING},
 *       {@link #SYMLINK_QUOTED} (target {@code ../../ieee-data/','iab.csv}, dangling) and
 *       {@link #SYMLINK_OWNED} owned by 1000:1000;</li>
 *   <li>{@link #KERNEL} and {@link #INITRD}; {@link #PASSWD}, {@link #GROUP}, {@code /etc/hostname};</li>
 *   <li>{@link #COMPRESSIBLE} (~96 KiB of text, compresses well) and {@link #RANDOM} (64 KiB of
 *       seeded pseudo-random bytes, does not compress);</li>
 *   <li>{@link #USER_FILE} owned by 1000:1000 mode 0640.</li>
 * </ul>
 */
public final class SampleRootfs {
  public static final String SETUID = "/usr/bin/su";
  public static final String ROOT_SECRET = "/root/.secret";
  public static final List<String> LINK_PAIR = List.of("/usr/share/doc/pair-a", "/usr/share/doc/pair-b");
  public static final List<String> LINK_TRIPLE =
      List.of("/opt/triple/one", "/srv/triple-two", "/usr/lib/triple-three");
  public static final List<String> DUPLICATES = List.of("/usr/share/dup-1", "/srv/dup-2");
  public static final List<String> EMPTY_FILES = List.of("/var/empty", "/usr/share/doc/empty");
  public static final String HOSTILE = "/path;adf.ae?qu.er\\y=str#fragファイルement";
  public static final String ODD_DIR = "/odd/dir it's,here";
  public static final List<String> ODD_NAMES = List.of(
      "/odd/it's here",
      "/odd/a,b",
      "/odd/a','b",
      "/odd/back\\slash",
      "/odd/with space",
      "/odd/#hash",
      "/odd/what?",
      "/odd/semi;colon",
      "/odd/ファイル",
      ODD_DIR + "/inner'file",
      HOSTILE);
  public static final String SYMLINK_RELATIVE = "/bin";
  public static final String SYMLINK_ABSOLUTE = "/etc/localtime";
  public static final String SYMLINK_DANGLING = "/usr/lib/dangling";
  public static final String SYMLINK_QUOTED = "/var/lib/ieee-data/iab.csv";
  public static final String SYMLINK_QUOTED_TARGET = "../../ieee-data/','iab.csv";
  public static final String SYMLINK_OWNED = "/home/autoware/link";
  public static final String KERNEL = "/boot/vmlinuz-1.0";
  public static final String INITRD = "/boot/initrd.img-1.0";
  public static final String PASSWD = "/etc/passwd";
  public static final String GROUP = "/etc/group";
  public static final String HOSTNAME = "/etc/hostname";
  public static final String COMPRESSIBLE = "/usr/share/big.txt";
  public static final String RANDOM = "/usr/share/random.bin";
  public static final String USER_FILE = "/home/autoware/notes.txt";
  /** A plain file that {@link #v2From} moves to {@link #V2_MOVED_TO}. */
  public static final String MOVED_FROM = "/usr/share/doc/README";
  /** A plain file that {@link #v2From} deletes. */
  public static final String DELETED = "/srv/old.txt";

  // ---- what v2From changes ----
  /** Files whose content v2 changes: {@link #PASSWD} (one user appended), {@link #COMPRESSIBLE} (new text). */
  public static final List<String> V2_MODIFIED = List.of(PASSWD, COMPRESSIBLE);
  /** {@link #MOVED_FROM} moved here in v2, same content. */
  public static final String V2_MOVED_TO = "/opt/README";
  /** {@link #DELETED} is removed in v2. */
  public static final String V2_DELETED = DELETED;
  /** New regular files in v2 (mode 0644, root). */
  public static final List<String> V2_ADDED = List.of("/opt/new-tool.conf", "/etc/new.conf");
  /** {@link #GROUP} changes mode from 0644 to {@link #V2_NEW_MODE} in v2 (content unchanged). */
  public static final String V2_MODE_CHANGED = GROUP;
  public static final int V2_NEW_MODE = 0600;

  private static final int USER = 1000;

  private SampleRootfs() {}

  /** Creates the sample tree under {@code dir} (created if absent; should be empty). */
  public static Path create(Path dir) {
    try {
      Files.createDirectories(dir);
      Path r = dir;
      // every directory listed explicitly so the umask never decides a mode
      dirs(r, 0755, "/etc", "/boot", "/usr", "/usr/bin", "/usr/lib", "/usr/share", "/usr/share/doc",
          "/usr/share/zoneinfo", "/usr/share/zoneinfo/Etc", "/opt", "/opt/triple", "/srv", "/var",
          "/var/lib", "/var/lib/ieee-data", "/odd", ODD_DIR, "/home");
      dirs(r, 01777, "/tmp");
      dirs(r, 0700, "/root");
      dirs(r, 0750, "/home/autoware");
      own(r, "/home/autoware");

      file(r, PASSWD, 0644, "root:x:0:0:root:/root:/bin/bash\n"
          + "autoware:x:1000:1000::/home/autoware:/bin/bash\n");
      file(r, GROUP, 0644, "root:x:0:\nautoware:x:1000:\n");
      file(r, HOSTNAME, 0644, "sample-ecu\n");
      file(r, "/usr/share/zoneinfo/Etc/UTC", 0644, "TZif2 fake zone\n");
      file(r, KERNEL, 0644, "kernel image 1.0\n");
      file(r, INITRD, 0644, "initrd image 1.0\n");
      file(r, SETUID, 04755, "#!/bin/sh\necho su\n");
      file(r, ROOT_SECRET, 0600, "top secret\n");
      file(r, MOVED_FROM, 0644, "read me, I will move in v2\n");
      file(r, DELETED, 0644, "old, deleted in v2\n");

      file(r, LINK_PAIR.get(0), 0644, "hard linked pair\n");
      link(r, LINK_PAIR.get(1), LINK_PAIR.get(0));
      file(r, LINK_TRIPLE.get(0), 0755, "hard linked triple\n");
      link(r, LINK_TRIPLE.get(1), LINK_TRIPLE.get(0));
      link(r, LINK_TRIPLE.get(2), LINK_TRIPLE.get(0));

      for (String p : DUPLICATES) {
        file(r, p, 0644, "same content at two paths\n");
      }
      for (String p : EMPTY_FILES) {
        file(r, p, 0644, "");
      }
      for (String p : ODD_NAMES) {
        file(r, p, 0644, "odd name: " + p + "\n");
      }

      symlink(r, SYMLINK_RELATIVE, "usr/bin");
      symlink(r, SYMLINK_ABSOLUTE, "/usr/share/zoneinfo/Etc/UTC");
      symlink(r, SYMLINK_DANGLING, "../does/not/exist");
      symlink(r, SYMLINK_QUOTED, SYMLINK_QUOTED_TARGET);
      symlink(r, SYMLINK_OWNED, "notes.txt");
      own(r, SYMLINK_OWNED);

      file(r, COMPRESSIBLE, 0644, compressibleText("v1", 96 * 1024));
      bytes(r, RANDOM, 0644, randomBytes(64 * 1024, 42));
      file(r, USER_FILE, 0640, "autoware's notes\n");
      own(r, USER_FILE);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Copies {@code v1} to {@code v2} preserving modes, owners, hard links and symlinks ({@code cp -a}),
   * then applies exactly these changes:
   * <ol>
   *   <li>modifies {@link #PASSWD} (appends {@code newuser:x:1001:1001::/home/newuser:/bin/sh}) and
   *       {@link #COMPRESSIBLE} (different ~96 KiB text, still compressible) — {@link #V2_MODIFIED};</li>
   *   <li>moves {@link #MOVED_FROM} to {@link #V2_MOVED_TO} (same content, mode 0644);</li>
   *   <li>deletes {@link #V2_DELETED};</li>
   *   <li>adds {@link #V2_ADDED}: {@code /opt/new-tool.conf} ({@code "tool=on\n"}) and
   *       {@code /etc/new.conf} ({@code "new=1\n"}), both 0644 root;</li>
   *   <li>changes the mode of {@link #V2_MODE_CHANGED} to {@link #V2_NEW_MODE}.</li>
   * </ol>
   * Nothing else differs (directories, symlinks, hard links and all other files are identical).
   */
  public static Path v2From(Path v1, Path v2) {
    try {
      Files.createDirectories(v2);
      Process cp = new ProcessBuilder("cp", "-a", v1.toString() + "/.", v2.toString())
          .redirectErrorStream(true).start();
      String out = new String(cp.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (cp.waitFor() != 0) {
        throw new IOException("cp -a failed: " + out);
      }
      Path passwd = at(v2, PASSWD);
      Files.writeString(passwd, Files.readString(passwd) + "newuser:x:1001:1001::/home/newuser:/bin/sh\n");
      Files.writeString(at(v2, COMPRESSIBLE), compressibleText("v2", 96 * 1024));
      Files.move(at(v2, MOVED_FROM), at(v2, V2_MOVED_TO));
      Files.delete(at(v2, V2_DELETED));
      file(v2, V2_ADDED.get(0), 0644, "tool=on\n");
      file(v2, V2_ADDED.get(1), 0644, "new=1\n");
      Files.setAttribute(at(v2, V2_MODE_CHANGED), "unix:mode", V2_NEW_MODE);
      return v2;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code root} joined with an absolute image path such as {@code /etc/passwd}. */
  public static Path at(Path root, String imagePath) {
    return root.resolve(imagePath.substring(1));
  }

  /** Deterministic text of about {@code size} bytes that zstd compresses far better than 1.25. */
  public static String compressibleText(String seed, int size) {
    StringBuilder sb = new StringBuilder(size + 80);
    for (int i = 0; sb.length() < size; i++) {
      sb.append(seed).append(" line ").append(i).append(": the quick brown fox jumps over the lazy dog\n");
    }
    return sb.toString();
  }

  /** Deterministic incompressible bytes. */
  public static byte[] randomBytes(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static void dirs(Path root, int mode, String... paths) throws IOException {
    for (String p : paths) {
      Path d = Files.createDirectories(at(root, p));
      Files.setAttribute(d, "unix:mode", mode);
    }
  }

  private static void file(Path root, String path, int mode, String content) throws IOException {
    bytes(root, path, mode, content.getBytes(StandardCharsets.UTF_8));
  }

  private static void bytes(Path root, String path, int mode, byte[] content) throws IOException {
    Path f = at(root, path);
    Files.createDirectories(f.getParent());
    Files.write(f, content);
    Files.setAttribute(f, "unix:mode", mode);
  }

  private static void link(Path root, String path, String existing) throws IOException {
    Path f = at(root, path);
    Files.createDirectories(f.getParent());
    Files.createLink(f, at(root, existing));
  }

  private static void symlink(Path root, String path, String target) throws IOException {
    Path f = at(root, path);
    Files.createDirectories(f.getParent());
    Files.createSymbolicLink(f, f.getFileSystem().getPath(target));
  }

  private static void own(Path root, String path) throws IOException {
    Path f = at(root, path);
    Files.setAttribute(f, "unix:uid", USER, LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(f, "unix:gid", USER, LinkOption.NOFOLLOW_LINKS);
  }
}
