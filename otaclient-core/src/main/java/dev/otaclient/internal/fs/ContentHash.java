package dev.otaclient.internal.fs;

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

/**
 * SHA-256, the content hash of OTA images, in lower-case hex as the lists and the servers' blob names
 * spell it. Local files are streamed through a per-thread direct buffer.
 */
public final class ContentHash {
  /** 256 KiB per hashing thread: bigger reads hashed no faster, and each worker holds one. */
  static final int BUFFER = 1 << 18;
  private static final ThreadLocal<ByteBuffer> BUF = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(BUFFER));
  /** Files hashed by {@link #of(Path)} in this JVM: lets tests see that trusted files were not read. */
  private static final AtomicLong FILES_HASHED = new AtomicLong();

  private ContentHash() {}

  /** A fresh SHA-256 digest; every JDK has the algorithm. */
  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from the JDK", e);
    }
  }

  /** Completes {@code d} and returns its value in lower-case hex. */
  public static String hex(MessageDigest d) {
    return HexFormat.of().formatHex(d.digest());
  }

  /** SHA-256 of {@code data}, lower-case hex. */
  public static String of(byte[] data) {
    MessageDigest d = sha256();
    d.update(data);
    return hex(d);
  }

  /** Hashes a regular file without following a symlink at its path. */
  public static String of(Path file) throws IOException {
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

  /**
   * This thread's cleared direct buffer, for a caller that streams a file through a digest
   * itself (copying while hashing). Not to be kept: the next call on this thread hands it out again.
   */
  public static ByteBuffer buffer() {
    ByteBuffer b = BUF.get();
    b.clear();
    return b;
  }

  public static long filesHashed() {
    return FILES_HASHED.get();
  }
}
