package dev.otaclient.update;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;

/** SHA-256 of local files, streamed through a per-thread buffer. */
final class ContentHash {
  static final int BUFFER = 1 << 20;
  private static final ThreadLocal<ByteBuffer> BUF = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(BUFFER));
  /** Files hashed by {@link #of} in this JVM: lets tests see that trusted files were not read. */
  private static final AtomicLong FILES_HASHED = new AtomicLong();

  private ContentHash() {}

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from the JDK", e);
    }
  }

  static String hex(MessageDigest d) {
    return HexFormat.of().formatHex(d.digest());
  }

  static long filesHashed() {
    return FILES_HASHED.get();
  }

  static ByteBuffer buffer() {
    ByteBuffer b = BUF.get();
    b.clear();
    return b;
  }

  /** Hashes a regular file without following a symlink at its path. */
  static String of(Path file) throws IOException {
    FILES_HASHED.incrementAndGet();
    MessageDigest d = sha256();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      ByteBuffer b = buffer();
      while (ch.read(b) >= 0) {
        b.flip();
        d.update(b);
        b.clear();
      }
    }
    return hex(d);
  }
}
