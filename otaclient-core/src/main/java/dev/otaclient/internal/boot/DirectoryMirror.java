package dev.otaclient.internal.boot;

import dev.otaclient.internal.fs.AtomicFiles;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Makes one directory tree identical to another (files, symlinks, directories; permissions and
 * times copied): add or replace everything of the source, then delete what the source does not
 * have. Used for the Jetson standby eMMC boot partition when the rootfs lives on NVMe.
 */
final class DirectoryMirror {
  private DirectoryMirror() {}

  public static void mirror(Path source, Path target) throws IOException {
    Files.createDirectories(target);
    Files.walkFileTree(source, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        Path t = target.resolve(source.relativize(dir).toString());
        if (Files.exists(t, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(t, LinkOption.NOFOLLOW_LINKS)) {
          Files.delete(t);
        }
        Files.createDirectories(t);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Path t = target.resolve(source.relativize(file).toString());
        if (attrs.isSymbolicLink()) {
          AtomicFiles.deleteTree(t);
          Files.createSymbolicLink(t, Files.readSymbolicLink(file));
        } else if (!sameContent(file, t)) {
          if (Files.isDirectory(t, LinkOption.NOFOLLOW_LINKS)) {
            AtomicFiles.deleteTree(t); // a directory where the source now has a file
          }
          Files.copy(file, t, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES,
              LinkOption.NOFOLLOW_LINKS);
        }
        return FileVisitResult.CONTINUE;
      }
    });
    Files.walkFileTree(target, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        if (!dir.equals(target) && !Files.exists(source.resolve(target.relativize(dir).toString()), LinkOption.NOFOLLOW_LINKS)) {
          AtomicFiles.deleteTree(dir);
          return FileVisitResult.SKIP_SUBTREE;
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        if (!Files.exists(source.resolve(target.relativize(file).toString()), LinkOption.NOFOLLOW_LINKS)) {
          Files.delete(file);
        }
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private static boolean sameContent(Path a, Path b) throws IOException {
    if (!Files.isRegularFile(b, LinkOption.NOFOLLOW_LINKS) || Files.size(a) != Files.size(b)) {
      return false;
    }
    return Files.mismatch(a, b) == -1;
  }
}
