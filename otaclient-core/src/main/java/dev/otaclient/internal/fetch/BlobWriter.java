package dev.otaclient.internal.fetch;

import com.github.luben.zstd.RecyclingBufferPool;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fs.ContentHash;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;

/**
 * The pipeline shared by every fetcher: transport bytes, optional zstd decoding, SHA-256 and byte count
 * over the decoded bytes, written to the destination. It never holds more than one buffer of the blob
 * and stops as soon as the decoded content is longer than the listed size, so a wrong blob or a zstd
 * bomb cannot fill the standby slot.
 *
 * <p>Three outcomes besides success, kept apart because the callers treat them differently:
 * an {@link IOException} is a transport failure (retryable over HTTP); a {@link ContentMismatchException}
 * means the bytes arrived but are not the listed content; an {@link OtaException} is a destination
 * failure (full or broken standby slot), never retried.
 */
public final class BlobWriter {
  /**
   * Chunk size for reading, decoding and writing. 128 KiB: larger chunks saved no measurable time
   * (the socket delivers far less per read) but cost memory twice per fetching thread, once here and
   * once in the JDK's cached direct buffer that a heap-buffer write goes through (1 MiB chunks were
   * about 16 MiB of the peak RSS with 8 threads; docs/benchmarks.md, "Memory, round three").
   */
  public static final int BUFFER_SIZE = 1 << 17;
  /**
   * One buffer per fetching thread: an update writes tens of thousands of mostly small files, and a
   * fresh array per file would be pure garbage-collector load on a small ECU.
   */
  private static final ThreadLocal<byte[]> BUFFERS = ThreadLocal.withInitial(() -> new byte[BUFFER_SIZE]);

  private BlobWriter() {}

  /** Bytes taken from the transport and decoded bytes written. */
  public record Written(long wireBytes, long writtenBytes) {}

  /** The received content is not the requested one: wrong size, wrong hash or a corrupt zstd frame. */
  public static final class ContentMismatchException extends Exception {
    private static final long serialVersionUID = 1L;

    public ContentMismatchException(String message) {
      super(message);
    }

    public ContentMismatchException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Streams {@code transport} into {@code destination} (created or truncated) and verifies it against
   * {@code request}. Does not close {@code transport}.
   *
   * @throws IOException the transport failed (or the thread was interrupted: InterruptedIOException)
   * @throws ContentMismatchException the content is not the requested one
   * @throws OtaException the destination could not be written
   */
  public static Written write(InputStream transport, BlobRequest request, Path destination,
                              FetchListener listener) throws IOException, ContentMismatchException {
    if (request.compressAlg() != null && !request.isZstd()) {
      // an image asking for a codec we do not know is a bad image, not a transport problem
      throw new ContentMismatchException("unsupported compression '" + request.compressAlg() + "'");
    }
    CountingStream wire = new CountingStream(transport, listener);
    MessageDigest sha = ContentHash.sha256();
    long written = 0;
    byte[] buf = BUFFERS.get();
    try (FileChannel out = openDestination(destination);
         InputStream decoded = request.isZstd() ? zstd(wire) : wire) {
      while (true) {
        if (Thread.currentThread().isInterrupted()) {
          throw new InterruptedIOException("interrupted");
        }
        int n = readChunk(decoded, buf, wire, request);
        if (n <= 0) {
          break;
        }
        if (request.size() >= 0 && written + n > request.size()) {
          throw new ContentMismatchException("content is longer than the listed size " + request.size()
              + " (at least " + (written + n) + " bytes)");
        }
        sha.update(buf, 0, n);
        writeFully(out, buf, n, destination);
        written += n;
      }
    }
    if (request.size() >= 0 && written != request.size()) {
      throw new ContentMismatchException("size mismatch: got " + written + " bytes, expected " + request.size());
    }
    if (request.sha256() != null) {
      String actual = ContentHash.hex(sha);
      if (!actual.equalsIgnoreCase(request.sha256())) {
        throw new ContentMismatchException("sha256 mismatch: got " + actual + ", expected " + request.sha256());
      }
    }
    return new Written(wire.count, written);
  }

  /**
   * A zstd decoder whose input buffers are recycled: a new one per blob, for thousands of small
   * blobs, grew the heap to its cap. Closed by the caller, so no finalizer is needed either.
   */
  private static InputStream zstd(InputStream wire) throws IOException {
    return new ZstdInputStreamNoFinalizer(wire, RecyclingBufferPool.INSTANCE);
  }

  /** Fills {@code buf} as far as the stream allows; separates decoder errors from transport errors. */
  private static int readChunk(InputStream decoded, byte[] buf, CountingStream wire, BlobRequest request)
      throws IOException, ContentMismatchException {
    try {
      return decoded.readNBytes(buf, 0, buf.length);
    } catch (IOException e) {
      if (wire.failure != null || e instanceof InterruptedIOException) {
        throw e;
      }
      // The transport delivered bytes (or a clean EOF) and the decoder refused them.
      throw new ContentMismatchException((request.isZstd() ? "zstd: " : "") + e.getMessage(), e);
    }
  }

  private static FileChannel openDestination(Path destination) {
    try {
      return FileChannel.open(destination, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING);
    } catch (IOException e) {
      throw destinationFailure(destination, e);
    }
  }

  private static void writeFully(FileChannel out, byte[] buf, int n, Path destination) throws IOException {
    ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
    try {
      while (bb.hasRemaining()) {
        out.write(bb);
      }
    } catch (ClosedByInterruptException e) {
      InterruptedIOException ie = new InterruptedIOException("interrupted while writing " + destination);
      ie.initCause(e);
      throw ie;
    } catch (IOException e) {
      throw destinationFailure(destination, e);
    }
  }

  /** ENOSPC is the standby slot being too small (unrecoverable); anything else a broken destination. */
  static OtaException destinationFailure(Path destination, IOException e) {
    if (isNoSpace(destination, e)) {
      return new OtaException(ErrorCode.STANDBY_SPACE, ErrorModule.STANDBY_SLOT,
          destination + ": no space left on the standby slot", e);
    }
    return new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.STANDBY_SLOT,
        destination + ": cannot write: " + e, e);
  }

  private static boolean isNoSpace(Path destination, IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains("No space left on device")) {
        return true;
      }
    }
    try {
      Path dir = destination.toAbsolutePath().getParent();
      return dir != null && Files.getFileStore(dir).getUsableSpace() == 0;
    } catch (IOException | RuntimeException ignored) {
      return false;
    }
  }

  /** Counts raw transport bytes, reports them live, and remembers whether the transport itself failed. */
  private static final class CountingStream extends FilterInputStream {
    private final FetchListener listener;
    long count;
    IOException failure;

    CountingStream(InputStream in, FetchListener listener) {
      super(in);
      this.listener = listener;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n <= 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n;
      try {
        n = in.read(b, off, len);
      } catch (IOException e) {
        failure = e;
        throw e;
      }
      if (n > 0) {
        count += n;
        listener.onBytes(n);
      }
      return n;
    }

    /** The caller owns the transport; closing the decoder must not close it. */
    @Override
    public void close() {}

    @Override
    public long skip(long n) throws IOException {
      // decoders never skip; refusing keeps the byte count exact
      return 0;
    }
  }
}
