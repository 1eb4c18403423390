package dev.otaclient.internal.fs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * Crash-safe file operations used for everything the boot loader or the next start-up reads: a
 * reader sees either the old or the new content/target, never a torn one, even across power loss.
 * I/O errors surface as {@link UncheckedIOException}; the controllers turn them into the
 * {@code OtaException} of the phase they are in.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Writes {@code content} exactly (UTF-8, no newline added): temp file in the same dir, fsync, rename, fsync dir. */
  public static void writeString(Path file, String content) {
    replace(file, "cannot write " + file, tmp -> {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      // status files are read by tools and humans; the temp-file default of 0600 would be surprising.
      // A file system without Unix modes (FAT: the ESP) refuses the change (EPERM, ENOSYS under FUSE)
      // and keeps its mount's mode, which is as good there.
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
      } catch (java.nio.file.FileSystemException | UnsupportedOperationException e) {
        // the content is what matters; the mode is the mount's
      }
    });
  }

  /** Copies {@code source} (with its attributes) to {@code target} the same way. */
  public static void copy(Path source, Path target) {
    replace(target, "cannot copy " + source + " to " + target, tmp -> {
      Files.copy(source, tmp, StandardCopyOption.COPY_ATTRIBUTES);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
    });
  }

  /** Content of {@code file}, or empty when it does not exist. */
  public static Optional<String> readString(Path file) {
    try {
      return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Points {@code link} at {@code target} (stored verbatim, relative or absolute) by renaming a fresh link over it. */
  public static void replaceSymlink(Path link, Path target) {
    replace(link, "cannot point " + link + " at " + target, tmp -> Files.createSymbolicLink(tmp, target));
  }

  /** The stored target of a symlink, or empty when {@code link} is missing or not a symlink. */
  public static Optional<Path> readSymlink(Path link) {
    if (!Files.isSymbolicLink(link)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Files.readSymbolicLink(link));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read link " + link + ": " + e.getMessage(), e);
    }
  }

  /** Deletes a file and makes the removal durable. */
  public static void delete(Path file) {
    try {
      if (Files.deleteIfExists(file)) {
        Fsync.directory(file.toAbsolutePath().getParent());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + file + ": " + e.getMessage(), e);
    }
  }

  /** Removes everything below {@code dir} (never following symlinks), keeping {@code dir} itself. */
  public static void emptyDirectory(Path dir, java.util.Set<String> keepTopLevel) {
    try (var children = Files.list(dir)) {
      for (Path child : (Iterable<Path>) children::iterator) {
        if (!keepTopLevel.contains(child.getFileName().toString())) {
          deleteTree(child);
        }
      }
      Fsync.directory(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot empty " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Deletes a file, symlink or directory tree without following symlinks; returns the number of
   * entries removed (0 when nothing was there).
   */
  public static long deleteTree(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return 0;
    }
    if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      Files.delete(path);
      return 1;
    }
    long[] n = {0};
    Files.walkFileTree(path, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        n[0]++;
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
        if (exc != null) {
          throw exc;
        }
        Files.delete(d);
        n[0]++;
        return FileVisitResult.CONTINUE;
      }
    });
    return n[0];
  }

  /**
   * The one way this class changes a name: {@code fill} creates the new content under a fresh temporary
   * name beside {@code file} (a file fsynced), which is then renamed over {@code file}, and
   * the directory is fsynced so the rename survives a power cut. The temp name is gone afterwards
   * whatever happened; only a crash can leave it, for {@link TempNames#removeLeftovers}.
   */
  private static void replace(Path file, String failure, TempFill fill) {
    Path absolute = file.toAbsolutePath();
    Path dir = absolute.getParent();
    Path tmp = TempNames.beside(absolute);
    try {
      Files.createDirectories(dir);
      fill.into(tmp);
      Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      Fsync.directory(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(failure + ": " + e.getMessage(), e);
    } finally {
      discard(tmp);
    }
  }

  @FunctionalInterface
  private interface TempFill {
    void into(Path tmp) throws IOException;
  }

  /**
   * Removes a temporary or partial file, best effort: a failure here must not hide the failure that
   * made the file useless, and what stays behind is swept by {@link TempNames} or overwritten.
   */
  public static void discard(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      LoggerFactory.getLogger(AtomicFiles.class).debug("cannot delete {}: {}", p, e.toString());
    }
  }
}
