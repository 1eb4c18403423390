package dev.otaclient.internal.image;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/**
 * Writes a list file exactly as the generator does: one {@link ListLines#format formatted} entry per
 * line, joined by {@code \n}, with no newline after the last line. Entries that cannot be represented
 * are rejected with {@link IllegalArgumentException} before anything of them is written; I/O failures
 * are thrown as {@link UncheckedIOException} (the caller knows which error code they deserve).
 */
public final class ListWriter implements Closeable {
  private final Writer out;
  private boolean first = true;

  public ListWriter(OutputStream out) {
    // A CharsetEncoder (rather than a Charset) makes unpaired surrogates an error, not a '?'.
    this.out = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8.newEncoder()));
  }

  public void write(DirectoryEntry e) {
    writeLine(ListLines.format(e));
  }

  public void write(SymlinkEntry e) {
    writeLine(ListLines.format(e));
  }

  public void write(RegularEntry e) {
    writeLine(ListLines.format(e));
  }

  public void write(PersistentEntry e) {
    writeLine(ListLines.format(e));
  }

  /** Flushes and closes the underlying stream. */
  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException("closing list file failed", e);
    }
  }

  private void writeLine(String line) {
    try {
      if (!first) {
        out.write('\n');
      }
      out.write(line);
      first = false;
    } catch (IOException e) {
      throw new UncheckedIOException("writing list file failed", e);
    }
  }
}
