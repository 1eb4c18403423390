package dev.otaclient.internal.image;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams the entries of one list file, one line at a time. Lists of real images have hundreds of
 * thousands of lines, and a hostile image may serve one endless line, so the reader keeps only the
 * current line (at most {@link #MAX_LINE_BYTES}) in memory.
 *
 * <p>Every problem, from an I/O error to an invalid mode, surfaces from {@link #hasNext()} or
 * {@link #next()} as {@link OtaException} ({@link ErrorCode#METADATA_VERIFICATION},
 * {@link ErrorModule#STANDBY_SLOT}) with detail {@code <fileName>:<line>: <reason>}. Once failed, the
 * reader keeps throwing the same exception.
 *
 * <p>Framing (stricter than the generator needs, so nothing ambiguous slips through): lines end with
 * {@code \n}; one final {@code \n} or {@code \r\n} is tolerated; any other {@code \r} and any empty
 * line is an error; bytes must be well-formed UTF-8.
 */
public final class ListReader<T> implements EntryReader<T> {
  /** Longest accepted line in bytes, without its terminator. A valid line needs far less (two 4 KiB paths). */
  public static final int MAX_LINE_BYTES = 64 * 1024;

  private static final Logger LOG = LoggerFactory.getLogger(ListReader.class);
  private static final int READ_CHUNK = 8 * 1024;

  private final InputStream in;
  private final String fileName;
  private final Function<String, T> parser;
  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);

  private final byte[] buf = new byte[READ_CHUNK];
  private int bufPos;
  private int bufLimit;
  private boolean eof;

  private byte[] line = new byte[1024];
  private int lineLen;

  /** Number of the line most recently read from the stream. */
  private int linesRead;
  private int returnedLine;
  private T pending;
  private int pendingLine;
  private boolean finished;
  private boolean closed;
  private OtaException failure;

  private ListReader(InputStream in, String fileName, Function<String, T> parser) {
    this.in = Objects.requireNonNull(in, "in");
    this.fileName = Objects.requireNonNull(fileName, "fileName");
    this.parser = parser;
  }

  public static ListReader<DirectoryEntry> directories(InputStream in, String fileName) {
    return new ListReader<>(in, fileName, ListLines::parseDirectory);
  }

  public static ListReader<SymlinkEntry> symlinks(InputStream in, String fileName) {
    return new ListReader<>(in, fileName, ListLines::parseSymlink);
  }

  public static ListReader<RegularEntry> regulars(InputStream in, String fileName) {
    return new ListReader<>(in, fileName, ListLines::parseRegular);
  }

  public static ListReader<PersistentEntry> persistents(InputStream in, String fileName) {
    return new ListReader<>(in, fileName, ListLines::parsePersistent);
  }

  /** Opens {@code file} as a list of the given kind; errors name the file by its last path element. */
  @SuppressWarnings("unchecked")
  public static <T> ListReader<T> open(ListKind kind, Path file) {
    Path last = file.getFileName();
    String name = last == null ? file.toString() : last.toString();
    InputStream in;
    try {
      in = Files.newInputStream(file);
    } catch (IOException e) {
      throw new OtaException(ErrorCode.METADATA_VERIFICATION, ErrorModule.STANDBY_SLOT,
          name + ": cannot open: " + e, e);
    }
    return (ListReader<T>) switch (kind) {
      case DIRECTORIES -> directories(in, name);
      case SYMLINKS -> symlinks(in, name);
      case REGULARS -> regulars(in, name);
      case PERSISTENTS -> persistents(in, name);
    };
  }

  /** 1-based number of the line last returned by {@link #next()}; 0 before the first. */
  /** {@code <file name>:<line number>} of the entry last returned. */
  @Override
  public String position() {
    return fileName + ":" + lineNumber();
  }

  public int lineNumber() {
    return returnedLine;
  }

  @Override
  public boolean hasNext() {
    if (failure != null) {
      throw failure;
    }
    if (closed) {
      throw new IllegalStateException(fileName + ": reader is closed");
    }
    if (pending != null) {
      return true;
    }
    if (finished) {
      return false;
    }
    try {
      String text = readLine();
      if (text == null) {
        return false;
      }
      pending = parser.apply(text);
      pendingLine = linesRead;
      return true;
    } catch (IllegalArgumentException e) {
      throw fail(e.getMessage(), null);
    } catch (IOException e) {
      throw fail("read error: " + e, e);
    }
  }

  @Override
  public T next() {
    if (!hasNext()) {
      throw new NoSuchElementException(fileName + ": no more entries after line " + linesRead);
    }
    T entry = pending;
    pending = null;
    returnedLine = pendingLine;
    return entry;
  }

  /** Closes the stream. A failure to close an input stream loses no data, so it is only logged. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      in.close();
    } catch (IOException e) {
      LOG.debug("closing {} failed", fileName, e);
    }
  }

  private OtaException fail(String reason, Throwable cause) {
    failure = new OtaException(ErrorCode.METADATA_VERIFICATION, ErrorModule.STANDBY_SLOT,
        fileName + ":" + linesRead + ": " + reason, cause);
    return failure;
  }

  /**
   * The next line, decoded, or null at the end of the list. Throws IllegalArgumentException with the
   * reason for framing errors; {@link #linesRead} is then the number of the offending line.
   */
  private String readLine() throws IOException {
    linesRead++;
    lineLen = 0;
    boolean terminated = false;
    while (bufPos < bufLimit || fill()) {
      int i = bufPos;
      while (i < bufLimit && buf[i] != '\n') {
        i++;
      }
      append(i - bufPos);
      bufPos = i;
      if (i < bufLimit) {
        bufPos++;
        terminated = true;
        break;
      }
    }
    if (!terminated && lineLen == 0) {
      // Only an empty file ends here: after a "\n" we always know whether more bytes follow.
      linesRead--;
      finished = true;
      return null;
    }
    boolean last = !terminated || !(bufPos < bufLimit || fill());
    if (last) {
      finished = true;
      if (terminated && lineLen > 0 && line[lineLen - 1] == '\r') {
        lineLen--;   // the tolerated final "\r\n"
      }
    }
    if (lineLen == 0) {
      if (last && linesRead == 1) {
        linesRead--;   // a file holding just "\n" is an empty list
        return null;
      }
      throw new IllegalArgumentException("empty line");
    }
    boolean ascii = true;
    for (int i = 0; i < lineLen; i++) {
      byte b = line[i];
      if (b == '\r') {
        throw new IllegalArgumentException("carriage return in line at byte " + (i + 1)
            + " (CRLF line endings are not allowed)");
      }
      ascii &= b >= 0;
    }
    if (ascii) {
      // nearly every line: ASCII is UTF-8 as it is, and one copy into a compact string beats the
      // decoder's two (a list of 60 000 lines is read several times per update)
      return new String(line, 0, lineLen, StandardCharsets.ISO_8859_1);
    }
    ByteBuffer bytes = ByteBuffer.wrap(line, 0, lineLen);
    try {
      return decoder.decode(bytes).toString();
    } catch (CharacterCodingException e) {
      // On a coding error the decoder leaves the buffer positioned at the offending bytes.
      throw new IllegalArgumentException("invalid UTF-8 at byte " + (bytes.position() + 1));
    }
  }

  private void append(int count) {
    if (lineLen + count > MAX_LINE_BYTES) {
      throw new IllegalArgumentException("line longer than " + MAX_LINE_BYTES + " bytes");
    }
    if (lineLen + count > line.length) {
      byte[] bigger = new byte[Math.min(MAX_LINE_BYTES, Math.max(line.length * 2, lineLen + count))];
      System.arraycopy(line, 0, bigger, 0, lineLen);
      line = bigger;
    }
    System.arraycopy(buf, bufPos, line, lineLen, count);
    lineLen += count;
  }

  private boolean fill() throws IOException {
    if (eof) {
      return false;
    }
    int n;
    do {
      n = in.read(buf, 0, buf.length);
    } while (n == 0);
    if (n < 0) {
      eof = true;
      return false;
    }
    bufPos = 0;
    bufLimit = n;
    return true;
  }
}
