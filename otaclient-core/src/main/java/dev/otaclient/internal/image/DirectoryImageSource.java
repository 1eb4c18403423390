package dev.otaclient.internal.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * An image laid out in a local directory exactly as on the HTTP server (reference §1.1). Paths that
 * leave the root, directly ({@code ..}, absolute) or through a symlink, are refused: the names come from
 * list files and must not reach the rest of the file system.
 */
final class DirectoryImageSource extends LocalImageSource {
  private final Path root;

  /** @param location the directory holding metadata.jwt */
  DirectoryImageSource(ImageLocation.Directory location) throws IOException {
    super(location);
    Path real = location.path().toRealPath();
    if (!Files.isDirectory(real)) {
      throw new NotDirectoryException(location.path().toString());
    }
    this.root = real;
  }

  @Override
  InputStream open(String relativePath) throws IOException {
    String defect = ImagePath.relativeDefect(relativePath);
    if (defect != null) {
      throw new FileSystemException(relativePath, null, "refused: path " + defect + " (image " + root + ")");
    }
    Path real = root.resolve(relativePath).toRealPath(); // NoSuchFileException when missing
    if (!real.startsWith(root)) {
      throw new FileSystemException(relativePath, null, "refused: resolves to " + real + ", outside the image root " + root);
    }
    if (!Files.isRegularFile(real)) {
      throw new FileSystemException(relativePath, null, "not a regular file in image " + root);
    }
    return Files.newInputStream(real);
  }

  @Override
  public void close() {
    // nothing held open
  }

  @Override
  public String toString() {
    return "DirectoryImageSource[" + root + "]";
  }
}
