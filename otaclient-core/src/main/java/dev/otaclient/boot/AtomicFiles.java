package dev.otaclient.boot;

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
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Crash-safe file operations used for everything the boot loader or the next start-up reads: a
 * reader sees either the old or the new content/target, never a torn one, even across power loss.
 * I/O errors surface as {@link UncheckedIOException}; the controllers turn them into the
 * {@code OtaException} of the phase they are in.
 */
public final class AtomicFiles {
  private static final Logger log = LoggerFactory.getLogger(AtomicFiles.class);
  /** The temporary names of {@link #tempFor}: {@code .<name>.tmp<digits>}. */
  private static final Pattern LEFTOVER = Pattern.compile("\\..+\\.tmp[0-9]+");

  private AtomicFiles() {}

  /** Writes {@code content} exactly (UTF-8, no newline added): temp file in the same dir, fsync, rename, fsync dir. */
  public static void writeString(Path file, String content) {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = tempFor(file);
    try {
      Files.createDirectories(dir);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      // status files are read by tools and humans; the temp-file default of 0600 would be surprising
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      fsyncDirectory(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(tmp);
    }
  }

  /** A fresh temporary name beside {@code file}; {@link #removeLeftoverTemps} recognises its shape. */
  private static Path tempFor(Path file) {
    return file.toAbsolutePath().resolveSibling(
        "." + file.getFileName() + ".tmp" + ThreadLocalRandom.current().nextInt(1 << 30));
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
    Path dir = link.toAbsolutePath().getParent();
    Path tmp = tempFor(link);
    try {
      Files.createDirectories(dir);
      Files.createSymbolicLink(tmp, target);
      Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      fsyncDirectory(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot point " + link + " at " + target + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(tmp);
    }
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
        fsyncDirectory(file.toAbsolutePath().getParent());
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
      fsyncDirectory(dir);
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
   * Deletes the temporary names ({@code .<name>.tmp<digits>}) that {@link #writeString} and
   * {@link #replaceSymlink} leave in {@code dir} when a crash or power cut stops them before their
   * rename. Only for directories whose every file is written through this class, and only where no
   * write is in progress (start-up). Returns how many were removed.
   */
  public static int removeLeftoverTemps(Path dir) {
    return removeMatching(dir, LEFTOVER);
  }

  /** The same for the temporary names of one file, in a directory shared with others (/etc/default). */
  public static int removeLeftoverTempsOf(Path file) {
    Path dir = file.toAbsolutePath().getParent();
    return removeMatching(dir, Pattern.compile("\\." + Pattern.quote(file.getFileName().toString()) + "\\.tmp[0-9]+"));
  }

  private static int removeMatching(Path dir, Pattern names) {
    if (dir == null || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return 0;
    }
    int n = 0;
    try (var entries = Files.newDirectoryStream(dir, p -> names.matcher(p.getFileName().toString()).matches())) {
      for (Path p : entries) {
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && Files.deleteIfExists(p)) {
          n++;
        }
      }
    } catch (IOException e) {
      log.warn("cannot remove leftover temporary files in {}: {}", dir, e.toString());
    }
    return n;
  }

  static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // only a leftover temp name; the next write uses a fresh one
    }
  }
}
