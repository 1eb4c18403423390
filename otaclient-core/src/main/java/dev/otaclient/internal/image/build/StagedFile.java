package dev.otaclient.internal.image.build;

import dev.otaclient.internal.fs.TempNames;
import dev.otaclient.internal.fs.ContentHash;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;

/**
 * An output file written under a temporary name and renamed into place by {@link #commit()}, so a
 * reader (or a crash) never sees a half-written file under the final name. The SHA-256 of everything
 * written is kept because {@code metadata.jwt} must name each file's hash.
 */
final class StagedFile implements Closeable {
  private final Path target;
  private final Path tmp;
  private final MessageDigest digest;
  private final OutputStream out;
  private boolean committed;

  StagedFile(Path target) throws IOException {
    this.target = target;
    this.tmp = TempNames.beside(target);
    this.digest = ContentHash.sha256();
    this.out = new DigestOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 64 * 1024), digest);
    Files.setAttribute(tmp, "unix:mode", 0644);
  }

  /** Where to write; closing it is allowed (a ListWriter does) and does not commit. */
  OutputStream stream() {
    return out;
  }

  /** Closes the stream (if still open), renames the file into place and returns its SHA-256 hex. */
  String commit() throws IOException {
    out.close();
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    committed = true;
    return ContentHash.hex(digest);
  }

  Path target() {
    return target;
  }

  /** Discards the temporary file unless committed. */
  @Override
  public void close() throws IOException {
    if (!committed) {
      try {
        out.close();
      } finally {
        Files.deleteIfExists(tmp);
      }
    }
  }
}
