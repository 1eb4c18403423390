package dev.otaclient.internal.image.build;

import dev.otaclient.internal.fs.TempNames;
import dev.otaclient.internal.fs.ContentHash;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;

/**
 * Puts one regular file into the image: a hard link (or, across file systems, a copy) under
 * {@code data/}, its SHA-256 and size computed streaming, and optionally a zstd blob named by that
 * hash. Thread-safe: several files are ingested in parallel and two files with the same content may
 * race for the same blob, which is harmless because both write identical bytes via temp + rename.
 */
final class RegularFileIngest {
  /** Only files at least this large are tried (generator default {@code --compress-filesize}). */
  static final long COMPRESS_MIN_SIZE = 16 * 1024;
  /** A blob is kept only if original/compressed >= 1.25 (generator default {@code --compress-ratio}). */
  static final int RATIO_NUMERATOR = 125;
  static final int RATIO_DENOMINATOR = 100;
  /** zstd level the Python generator uses. */
  static final int ZSTD_LEVEL = 10;

  private static final int BUFFER = 256 * 1024;

  /** Outcome for one file. {@code compressed} = a blob for {@code sha256} exists in the blob directory. */
  record Result(String sha256, long size, boolean compressed) {}

  private final Path blobDir;
  private final boolean hardLink;

  /**
   * @param blobDir the {@code data.zst} directory, or null when not compressing
   * @param hardLink try a hard link into data/ first (falling back to a copy), else always copy
   */
  RegularFileIngest(Path blobDir, boolean hardLink) {
    this.blobDir = blobDir;
    this.hardLink = hardLink;
  }

  Result ingest(Path source, Path dataTarget) throws IOException {
    HashedSize hs;
    if (hardLink && tryHardLink(source, dataTarget)) {
      hs = hash(dataTarget);
    } else {
      // hash what we copy, so data/ and the list always agree even if the source changes meanwhile
      hs = copyAndHash(source, dataTarget);
    }
    boolean compressed = false;
    if (blobDir != null && hs.size >= COMPRESS_MIN_SIZE) {
      compressed = compressOnce(dataTarget, hs);
    }
    return new Result(hs.sha256, hs.size, compressed);
  }

  private static boolean tryHardLink(Path source, Path target) throws IOException {
    try {
      Files.createLink(target, source);
      return true;
    } catch (FileAlreadyExistsException e) {
      throw e;
    } catch (IOException | UnsupportedOperationException e) {
      return false; // typically EXDEV: output on another file system
    }
  }

  private record HashedSize(String sha256, long size) {}

  private static HashedSize hash(Path file) throws IOException {
    MessageDigest md = ContentHash.sha256();
    long size = 0;
    byte[] buf = new byte[BUFFER];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        md.update(buf, 0, n);
        size += n;
      }
    }
    return new HashedSize(ContentHash.hex(md), size);
  }

  private static HashedSize copyAndHash(Path source, Path target) throws IOException {
    Path tmp = tempNextTo(target);
    try {
      MessageDigest md = ContentHash.sha256();
      long size = 0;
      byte[] buf = new byte[BUFFER];
      try (InputStream in = Files.newInputStream(source); OutputStream out = Files.newOutputStream(tmp)) {
        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
          md.update(buf, 0, n);
          out.write(buf, 0, n);
          size += n;
        }
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      return new HashedSize(ContentHash.hex(md), size);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Writes {@code <sha256>.zst} unless it exists; returns whether a blob is (now) there. */
  private boolean compressOnce(Path file, HashedSize hs) throws IOException {
    Path blob = blobDir.resolve(hs.sha256 + ".zst");
    if (Files.exists(blob)) {
      return true; // one blob per unique content
    }
    Path tmp = tempNextTo(blob);
    try {
      try (InputStream in = Files.newInputStream(file);
           ZstdOutputStreamNoFinalizer z = new ZstdOutputStreamNoFinalizer(Files.newOutputStream(tmp), ZSTD_LEVEL)) {
        byte[] buf = new byte[BUFFER];
        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
          z.write(buf, 0, n);
        }
      }
      long compressedSize = Files.size(tmp);
      // integer form of size / compressed >= 1.25
      if (hs.size * RATIO_DENOMINATOR < compressedSize * RATIO_NUMERATOR) {
        return false;
      }
      Files.move(tmp, blob, StandardCopyOption.ATOMIC_MOVE);
      return true;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * A hidden temp file in the same directory, so the final rename is atomic; world-readable (temp files
   * start as 0600) so a web server running as any user can serve the result.
   */
  private static Path tempNextTo(Path target) throws IOException {
    Path tmp = TempNames.beside(target);
    Files.createFile(tmp);
    Files.setAttribute(tmp, "unix:mode", 0644);
    return tmp;
  }
}
