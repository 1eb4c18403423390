package dev.otaclient.internal.fetch;

import com.github.luben.zstd.Zstd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Test data helpers: deterministic random content, digests, zstd frames, a recording listener. */
public final class Blobs {
  private Blobs() {}

  public static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  public static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static byte[] zstd(byte[] data) {
    return Zstd.compress(data, 3);
  }

  public static Path put(Path root, String relative, byte[] data) throws IOException {
    Path p = root.resolve(relative);
    Files.createDirectories(p.getParent());
    Files.write(p, data);
    return p;
  }

  /** Counts callbacks; thread-safe. */
  public static final class Recorder implements FetchListener {
    public final AtomicInteger retries = new AtomicInteger();
    public final AtomicLong bytes = new AtomicLong();
    public final CopyOnWriteArrayList<Integer> retriedAttempts = new CopyOnWriteArrayList<>();
    public final CopyOnWriteArrayList<Exception> causes = new CopyOnWriteArrayList<>();

    @Override
    public void onRetry(BlobRequest r, int attempt, Exception cause) {
      retries.incrementAndGet();
      retriedAttempts.add(attempt);
      causes.add(cause);
    }

    @Override
    public void onBytes(long wireBytes) {
      bytes.addAndGet(wireBytes);
    }
  }
}
