package dev.otaclient.internal.image;

import com.github.luben.zstd.ZstdInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An image packed in a {@code .tar} or {@code .tar.zst}, read in place without extracting it. Members
 * may be stored at the top ({@code metadata.jwt} or {@code ./metadata.jwt}) or under one top directory
 * ({@code image/metadata.jwt}); both are accepted, and an OTA image v1 is found by its {@code oci-layout}. Hard links and relative symlinks inside the archive
 * are followed; sparse members are refused.
 */
final class TarImageSource extends LocalImageSource {
  private static final Logger LOG = LoggerFactory.getLogger(TarImageSource.class);
  private static final int MAX_LINK_HOPS = 40;

  /** What the index keeps per member: where its bytes are, or what it links to. */
  private enum Kind { FILE, HARD_LINK, SYMLINK }

  private record Member(Kind kind, long offset, long size, String link, boolean sparse) {}

  private final Path archive;
  private final Path tempTar;
  private final FileChannel channel;
  private final Map<String, Member> members;

  private TarImageSource(ImageLocation.Tar location, Path tempTar, FileChannel channel, Map<String, Member> members) {
    super(location);
    Path archive = location.path();
    this.archive = archive;
    this.tempTar = tempTar;
    this.channel = channel;
    this.members = members;
  }

  /**
   * Opens the archive; a {@code .tar.zst} is decompressed first (see {@link #decompress}) into
   * {@code scratch}, or {@code java.io.tmpdir} when null.
   */
  static TarImageSource open(ImageLocation.Tar location, Path scratch) throws IOException {
    Path archive = location.path();
    boolean zstd = location.compression() == ImageLocation.TarCompression.ZSTD;
    Path tar = archive;
    Path temp = null;
    if (zstd) {
      temp = decompress(archive, scratch);
      tar = temp;
    }
    try {
      Map<String, Member> members = index(tar, archive);
      FileChannel channel = FileChannel.open(tar, StandardOpenOption.READ);
      return new TarImageSource(location, temp, channel, members);
    } catch (IOException | RuntimeException e) {
      if (temp != null) {
        Files.deleteIfExists(temp);
      }
      throw e;
    }
  }

  /**
   * A zstd stream cannot seek, and reading members in list order would mean re-decompressing from the
   * start for every file. So the archive is decompressed once to a temporary .tar in {@code scratch}
   * (an update passes its private work directory, so that the copy, as large as the image, lands where
   * the operator put the work area and not in a possibly small {@code /tmp}), read in place like a
   * plain .tar, and deleted on {@link #close()}.
   */
  private static Path decompress(Path archive, Path scratch) throws IOException {
    Path temp = scratch == null ? Files.createTempFile("otaclient-image-", ".tar")
        : Files.createTempFile(scratch, "otaclient-image-", ".tar");
    // an interrupted command (Ctrl-C, SIGTERM) runs the JVM's shutdown hooks but not close(): the copy
    // is as large as the image, so it must not be left behind then either
    temp.toFile().deleteOnExit();
    LOG.info("decompressing {} to {}", archive, temp);
    // no CREATE: should the shutdown hook have deleted the file already, it must not come back
    try (InputStream in = new ZstdInputStream(Files.newInputStream(archive));
        OutputStream out = Files.newOutputStream(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = readArchive(in, buf, archive)) > 0; ) {
        try {
          out.write(buf, 0, n);
        } catch (IOException e) {
          // a full work area is this machine's problem, not the archive's: say where
          throw new IOException("cannot decompress " + archive + " into " + temp.getParent() + ": " + e.getMessage(), e);
        }
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    return temp;
  }

  private static int readArchive(InputStream in, byte[] buf, Path archive) throws IOException {
    try {
      return in.read(buf);
    } catch (IOException | RuntimeException e) {
      throw new IOException(archive + ": not a zstd-compressed tar: " + e.getMessage(), e);
    }
  }

  private static Map<String, Member> index(Path tar, Path shownAs) throws IOException {
    Map<String, TarArchiveEntry> byName = new HashMap<>();
    // names in the image format are UTF-8, whatever the JVM's default charset is
    try (TarFile file = new TarFile(tar, "UTF-8")) {
      for (TarArchiveEntry e : file.getEntries()) {
        String name = normalise(e.getName());
        if (!e.isDirectory() && name != null && !name.isEmpty()) {
          byName.put(name, e);
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new IOException(shownAs + ": not a readable tar archive: " + e.getMessage(), e);
    }
    String prefix = topPrefix(byName, shownAs);
    Map<String, Member> members = new HashMap<>();
    byName.forEach((name, e) -> {
      if (!name.startsWith(prefix)) {
        return;
      }
      String key = name.substring(prefix.length());
      if (e.isSymbolicLink()) {
        members.put(key, new Member(Kind.SYMLINK, 0, 0, e.getLinkName(), false));
      } else if (e.isLink()) {
        String target = normalise(e.getLinkName());
        boolean inside = target != null && target.startsWith(prefix);
        members.put(key, new Member(Kind.HARD_LINK, 0, 0, inside ? target.substring(prefix.length()) : null, false));
      } else if (e.isFile()) {
        members.put(key, new Member(Kind.FILE, e.getDataOffset(), e.getSize(), null, e.isSparse()));
      }
      // devices, fifos: never part of an image's downloadable files
    });
    return members;
  }

  /** Files that mark the image root: a legacy image's metadata.jwt, an OTA image v1's oci-layout. */
  private static final java.util.List<String> ROOT_MARKERS = java.util.List.of("metadata.jwt", "oci-layout");

  private static String topPrefix(Map<String, TarArchiveEntry> byName, Path shownAs) throws IOException {
    for (String marker : ROOT_MARKERS) {
      String prefix = topPrefix(byName, shownAs, marker);
      if (prefix != null) {
        return prefix;
      }
    }
    throw new NoSuchFileException(shownAs + ": no metadata.jwt at the top of the archive or in one top directory"
        + " (nor an OTA image v1's oci-layout)");
  }

  /** "" when {@code marker} is at the top, "dir/" when in exactly one top directory, else null. */
  private static String topPrefix(Map<String, TarArchiveEntry> byName, Path shownAs, String marker) throws IOException {
    if (byName.containsKey(marker)) {
      return "";
    }
    String found = null;
    for (String name : byName.keySet()) {
      int slash = name.indexOf('/');
      if (slash > 0 && name.indexOf('/', slash + 1) < 0 && name.endsWith("/" + marker)) {
        if (found != null) {
          throw new IOException(shownAs + ": several top directories hold a " + marker);
        }
        found = name.substring(0, slash + 1);
      }
    }
    return found;
  }

  /** Drops {@code ./} and leading slashes and resolves {@code .}/{@code ..}; null when it leaves the top. */
  private static String normalise(String name) {
    Deque<String> parts = new ArrayDeque<>();
    for (String seg : name.split("/")) {
      if (seg.isEmpty() || seg.equals(".")) {
        continue;
      }
      if (seg.equals("..")) {
        if (parts.isEmpty()) {
          return null;
        }
        parts.removeLast();
      } else {
        parts.addLast(seg);
      }
    }
    return String.join("/", parts);
  }

  @Override
  InputStream open(String relativePath) throws IOException {
    String defect = ImagePath.relativeDefect(relativePath);
    if (defect != null) {
      throw new FileSystemException(relativePath, null, "refused: path " + defect + " (image " + archive + ")");
    }
    String name = normalise(relativePath);
    for (int hop = 0; hop <= MAX_LINK_HOPS; hop++) {
      Member m = name == null ? null : members.get(name);
      if (m == null) {
        throw new NoSuchFileException(archive + "!/" + relativePath);
      }
      if (m.kind() == Kind.FILE) {
        if (m.sparse()) {
          throw new FileSystemException(relativePath, null, "sparse tar members are not supported (" + archive + ")");
        }
        return new RangeInputStream(channel, m.offset(), m.size());
      }
      if (m.link() == null) {
        throw new FileSystemException(relativePath, null, "hard link target outside the image in " + archive);
      }
      if (m.kind() == Kind.HARD_LINK) {
        name = m.link();
        continue;
      }
      if (m.link().startsWith("/")) {
        throw new FileSystemException(relativePath, null, "refused: absolute symlink to " + m.link() + " in " + archive);
      }
      int slash = name.lastIndexOf('/');
      String resolved = normalise((slash < 0 ? "" : name.substring(0, slash + 1)) + m.link());
      if (resolved == null) {
        throw new FileSystemException(relativePath, null, "refused: symlink leaves the image root in " + archive);
      }
      name = resolved;
    }
    throw new FileSystemException(relativePath, null, "too many links in " + archive);
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      LOG.debug("closing {}: {}", archive, e.toString());
    } finally {
      if (tempTar != null) {
        try {
          Files.deleteIfExists(tempTar);
        } catch (IOException e) {
          LOG.warn("cannot delete the decompressed copy {}: {}", tempTar, e.toString());
        }
      }
    }
  }

  @Override
  public String toString() {
    return "TarImageSource[" + archive + "]";
  }

  /**
   * One member's bytes, read with positional reads so that streams opened by several threads share the
   * channel without sharing a file position.
   */
  private static final class RangeInputStream extends InputStream {
    private final FileChannel channel;
    private long position;
    private final long end;

    RangeInputStream(FileChannel channel, long offset, long length) {
      this.channel = channel;
      this.position = offset;
      this.end = offset + length;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      long left = end - position;
      if (left <= 0) {
        return -1;
      }
      int want = (int) Math.min(len, left);
      int n = channel.read(ByteBuffer.wrap(b, off, want), position);
      if (n < 0) {
        throw new IOException("tar archive is truncated");
      }
      position += n;
      return n;
    }

    @Override
    public int available() {
      return (int) Math.min(Integer.MAX_VALUE, end - position);
    }

    @Override
    public long skip(long n) {
      long s = Math.max(0, Math.min(n, end - position));
      position += s;
      return s;
    }
  }
}
