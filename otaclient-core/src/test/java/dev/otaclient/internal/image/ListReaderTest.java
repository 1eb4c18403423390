package dev.otaclient.internal.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ListReaderTest {
  private static final String SHA = ListLinesTest.SHA_A;
  private static final String REG = "0644,0,0,1," + SHA + ",";

  // ------------------------------------------------------------ happy paths

  @Test
  void readsEntriesInOrderWithLineNumbers() {
    String text = "0755,0,0,'/etc'\n0755,0,0,'/usr/lib/python3/dist-packages'\n1777,0,0,'/var/tmp'\n"
        + "0750,1000,1000,'/home/autoware/it'\\''s here'";
    try (ListReader<DirectoryEntry> r = ListReader.directories(stream(text), "dirs.txt")) {
      assertThat(r.lineNumber()).isZero();
      assertThat(r.next()).isEqualTo(new DirectoryEntry("/etc", 0755, 0, 0));
      assertThat(r.lineNumber()).isEqualTo(1);
      assertThat(r.next().path()).isEqualTo("/usr/lib/python3/dist-packages");
      assertThat(r.hasNext()).isTrue();
      assertThat(r.lineNumber()).isEqualTo(2);   // hasNext reads ahead but does not move lineNumber
      assertThat(r.next().mode()).isEqualTo(01777);
      assertThat(r.next().path()).isEqualTo("/home/autoware/it's here");
      assertThat(r.lineNumber()).isEqualTo(4);
      assertThat(r.hasNext()).isFalse();
      assertThatThrownBy(r::next).isInstanceOf(NoSuchElementException.class);
    }
  }

  @Test
  void readsEveryKind() {
    assertThat(readAll(ListReader.symlinks(stream(
        "0777,0,0,'/bin','usr/bin'\n0777,0,0,'/var/lib/ieee-data/iab.csv','../../ieee-data/'\\'','\\''iab.csv'"),
        "symlinks.txt"))).extracting(SymlinkEntry::target).containsExactly("usr/bin", "../../ieee-data/','iab.csv");
    assertThat(readAll(ListReader.regulars(stream(REG + "'/a',1,,zst\n" + REG + "'/b'"), "regulars.txt")))
        .extracting(RegularEntry::path, RegularEntry::size, RegularEntry::compressAlg)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("/a", 1L, "zst"),
            org.assertj.core.groups.Tuple.tuple("/b", -1L, null));
    assertThat(readAll(ListReader.persistents(stream("'/etc/hosts'\n'/etc/hostname'"), "persistents.txt")))
        .containsExactly(new PersistentEntry("/etc/hosts"), new PersistentEntry("/etc/hostname"));
  }

  @Test
  void trailingNewlineIsTolerated() {
    assertThat(readAll(ListReader.persistents(stream("'/a'\n'/b'\n"), "p.txt"))).hasSize(2);
    assertThat(readAll(ListReader.persistents(stream("'/a'\n'/b'\r\n"), "p.txt")))
        .containsExactly(new PersistentEntry("/a"), new PersistentEntry("/b"));
  }

  @Test
  void emptyListsHaveNoEntries() {
    assertThat(readAll(ListReader.persistents(stream(""), "p.txt"))).isEmpty();
    assertThat(readAll(ListReader.persistents(stream("\n"), "p.txt"))).isEmpty();
    assertThat(readAll(ListReader.persistents(stream("\r\n"), "p.txt"))).isEmpty();
  }

  @Test
  void openReadsAFileWrittenByListWriter(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("regulars.txt");
    RegularEntry a = new RegularEntry("/usr/bin/bash", 0755, 0, 0, 1, SHA, 1183448, null, "zst");
    RegularEntry b = new RegularEntry(ListLinesTest.HOSTILE, 0644, 0, 0, 2, SHA, 5, "77", null);
    try (ListWriter w = new ListWriter(Files.newOutputStream(file))) {
      w.write(a);
      w.write(b);
    }
    try (ListReader<RegularEntry> r = ListReader.open(ListKind.REGULARS, file)) {
      assertThat(readAll(r)).containsExactly(a, b);
    }
  }

  @Test
  void openNamesTheMissingFile(@TempDir Path dir) {
    OtaException e = catchThrowableOfType(
        () -> ListReader.open(ListKind.DIRECTORIES, dir.resolve("dirs.txt")), OtaException.class);
    assertThat(e.code()).isEqualTo(ErrorCode.METADATA_VERIFICATION);
    assertThat(e.detail()).startsWith("dirs.txt: cannot open: java.nio.file.NoSuchFileException");
  }

  // ------------------------------------------------------------ validation through the reader

  static Stream<Arguments> badLines() {
    String big = "9".repeat(40);
    return Stream.of(
        // paths
        dirs("0755,0,0,'etc'", "path is not absolute: \"etc\""),
        dirs("0755,0,0,'/'", "path is the root directory itself"),
        dirs("0755,0,0,''", "empty path"),
        dirs("0755,0,0,'/a//b'", "path has an empty component ('//'): \"/a//b\""),
        dirs("0755,0,0,'/a/'", "path ends with '/': \"/a/\""),
        dirs("0755,0,0,'/a/./b'", "path has a '.' component: \"/a/./b\""),
        dirs("0755,0,0,'/a/../../b'", "path has a '..' component: \"/a/../../b\""),
        dirs("0755,0,0,'/a\0b'", "path contains NUL: \"/a\\x00b\""),
        dirs("0755,0,0,'/" + "a".repeat(4096) + "'", "path longer than 4096 bytes"),
        persistents("'/etc/../shadow'", "path has a '..' component: \"/etc/../shadow\""),
        symlinks("0777,0,0,'/a/..','b'", "path has a '..' component: \"/a/..\""),
        regulars(REG + "'../x',1,,", "path is not absolute: \"../x\""),
        // symlink targets
        symlinks("0777,0,0,'/a',''", "empty symlink target"),
        symlinks("0777,0,0,'/a','b\0'", "symlink target contains NUL: \"b\\x00\""),
        symlinks("0777,0,0,'/a','" + "t".repeat(4096) + "'", "symlink target longer than 4095 bytes"),
        // mode
        dirs("0855,0,0,'/a'", "mode \"0855\" is not octal"),
        dirs("0x1ed,0,0,'/a'", "mode \"0x1ed\" is not octal"),
        dirs(",0,0,'/a'", "empty mode field"),
        regulars("0100644,0,0,1," + SHA + ",'/a',1,,", "mode 0100644 outside 07777"),
        symlinks("0120777,0,0,'/a','b'", "mode 0120777 outside 07777"),
        dirs("10000,0,0,'/a'", "mode 10000 outside 07777"),
        // uid / gid
        dirs("0755,-1,0,'/a'", "uid \"-1\" is not a decimal number"),
        dirs("0755, 0,0,'/a'", "uid \" 0\" is not a decimal number"),
        dirs("0755,4294967296,0,'/a'", "uid 4294967296 exceeds 4294967295"),
        dirs("0755,0,4294967296,'/a'", "gid 4294967296 exceeds 4294967295"),
        dirs("0755,0,,'/a'", "empty gid field"),
        dirs("0755,0," + big + ",'/a'", "gid " + "9".repeat(32) + "... exceeds 4294967295"),
        // nlink
        regulars("0644,0,0,0," + SHA + ",'/a',1,,", "nlink 0 is less than 1"),
        regulars("0644,0,0,2147483648," + SHA + ",'/a',1,,", "nlink 2147483648 exceeds 2147483647"),
        regulars("0644,0,0,one," + SHA + ",'/a',1,,", "nlink \"one\" is not a decimal number"),
        // sha256
        regulars("0644,0,0,1," + SHA.substring(1) + ",'/a',1,,", "sha256 \"" + SHA.substring(1) + "\" is not 64 hex digits"),
        regulars("0644,0,0,1,g" + SHA.substring(1) + ",'/a',1,,", "sha256 \"g" + SHA.substring(1) + "\" is not 64 hex digits"),
        // size / inode / compression
        regulars(REG + "'/a',12a,,", "size \"12a\" is not a decimal number"),
        regulars(REG + "'/a',9223372036854775808,,", "size 9223372036854775808 exceeds 9223372036854775807"),
        regulars(REG + "'/a',1,-5,", "inode \"-5\" is not a decimal number"),
        regulars(REG + "'/a',1,9223372036854775808,", "inode 9223372036854775808 exceeds 9223372036854775807"),
        regulars(REG + "'/a',1,,gz", "unsupported compression algorithm \"gz\""),
        regulars(REG + "'/a',1,,ZST", "unsupported compression algorithm \"ZST\""),
        regulars(REG + "'/a',1,2,zst,", "too many fields after path (expected mode,uid,gid,nlink,sha256,'path'[,size[,inode[,compress_alg]]])"),
        // structure
        dirs("0755,0,'/a'", "too few fields (expected mode,uid,gid,'path')"),
        dirs("0755,0,0,/a", "path does not start with a single quote (expected mode,uid,gid,'path')"),
        dirs("0755,0,0,'/a", "unterminated quoted path"),
        dirs("0755,0,0,'/a'b'", "unescaped single quote in path or unexpected text after its closing quote (expected mode,uid,gid,'path')"),
        regulars(REG + "'/a'b',1,,", "unescaped single quote in path or unexpected text after its closing quote (expected mode,uid,gid,nlink,sha256,'path'[,size[,inode[,compress_alg]]])"),
        symlinks("0777,0,0,'/a'", "missing target (expected mode,uid,gid,'path','target')"),
        symlinks("0777,0,0,'/a',b", "target does not start with a single quote (expected mode,uid,gid,'path','target')"),
        symlinks("0777,0,0,'/a','b',", "unescaped single quote in target or unexpected text after its closing quote (expected mode,uid,gid,'path','target')"),
        persistents("'/a' ", "unescaped single quote in path or unexpected text after its closing quote (expected 'path')"),
        persistents("/etc/hosts", "path does not start with a single quote (expected 'path')"));
  }

  @ParameterizedTest
  @MethodSource("badLines")
  void badLineIsReportedWithFileLineAndReason(String file, BiFunction<InputStream, String, ListReader<?>> factory,
      String goodLine, String badLine, String reason) {
    ListReader<?> r = factory.apply(stream(goodLine + "\n" + badLine + "\n" + goodLine), file);
    assertThat(r.next()).isNotNull();
    OtaException e = catchThrowableOfType(r::hasNext, OtaException.class);
    assertThat(e).as("line %s", badLine).isNotNull();
    assertThat(e.detail()).isEqualTo(file + ":2: " + reason);
    assertThat(e.code()).isEqualTo(ErrorCode.METADATA_VERIFICATION);
    assertThat(e.module()).isEqualTo(ErrorModule.STANDBY_SLOT);
    assertThat(e.failureReason()).startsWith("E1-0102-205: OTA image metadata verification failed: ").endsWith(file + ":2: " + reason);
    // a failed reader stays failed
    assertThatThrownBy(r::next).isSameAs(e);
    assertThat(r.lineNumber()).isEqualTo(1);
  }

  private static Arguments dirs(String bad, String reason) {
    return Arguments.of("dirs.txt", (BiFunction<InputStream, String, ListReader<?>>) ListReader::directories,
        "0755,0,0,'/ok'", bad, reason);
  }

  private static Arguments symlinks(String bad, String reason) {
    return Arguments.of("symlinks.txt", (BiFunction<InputStream, String, ListReader<?>>) ListReader::symlinks,
        "0777,0,0,'/ok','x'", bad, reason);
  }

  private static Arguments regulars(String bad, String reason) {
    return Arguments.of("regulars.txt", (BiFunction<InputStream, String, ListReader<?>>) ListReader::regulars,
        REG + "'/ok',1,,", bad, reason);
  }

  private static Arguments persistents(String bad, String reason) {
    return Arguments.of("persistents.txt", (BiFunction<InputStream, String, ListReader<?>>) ListReader::persistents,
        "'/ok'", bad, reason);
  }

  // ------------------------------------------------------------ framing

  @Test
  void emptyLineInTheMiddleIsAnError() {
    assertThat(failure(ListReader.persistents(stream("'/a'\n\n'/b'"), "p.txt"))).isEqualTo("p.txt:2: empty line");
    assertThat(failure(ListReader.persistents(stream("\n'/a'"), "p.txt"))).isEqualTo("p.txt:1: empty line");
  }

  @Test
  void onlyOneTrailingNewlineIsTolerated() {
    assertThat(failure(ListReader.persistents(stream("'/a'\n'/b'\n\n"), "p.txt"))).isEqualTo("p.txt:3: empty line");
    assertThat(failure(ListReader.persistents(stream("'/a'\r\n\r\n"), "p.txt")))
        .isEqualTo("p.txt:1: carriage return in line at byte 5 (CRLF line endings are not allowed)");
  }

  @Test
  void carriageReturnsAreRejectedExceptInTheFinalTerminator() {
    assertThat(failure(ListReader.persistents(stream("'/a'\r\n'/b'\r\n"), "p.txt")))
        .isEqualTo("p.txt:1: carriage return in line at byte 5 (CRLF line endings are not allowed)");
    assertThat(failure(ListReader.persistents(stream("'/a'\n'/b'\r"), "p.txt")))
        .isEqualTo("p.txt:2: carriage return in line at byte 5 (CRLF line endings are not allowed)");
    assertThat(failure(ListReader.persistents(stream("'/a\rb'"), "p.txt")))
        .isEqualTo("p.txt:1: carriage return in line at byte 4 (CRLF line endings are not allowed)");
  }

  @Test
  void malformedUtf8IsAnErrorNotAReplacementCharacter() {
    byte[] prefix = "0755,0,0,'/a".getBytes(StandardCharsets.US_ASCII);   // 12 bytes
    for (byte[] bad : List.of(new byte[] {(byte) 0xff}, new byte[] {(byte) 0xc0, (byte) 0xaf},
        new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, new byte[] {(byte) 0xe3, (byte) 0x83})) {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      line.writeBytes("0755,0,0,'/ok'\n".getBytes(StandardCharsets.US_ASCII));
      line.writeBytes(prefix);
      line.writeBytes(bad);
      line.writeBytes("'".getBytes(StandardCharsets.US_ASCII));
      ListReader<DirectoryEntry> r = ListReader.directories(new ByteArrayInputStream(line.toByteArray()), "dirs.txt");
      assertThat(failure(r)).isEqualTo("dirs.txt:2: invalid UTF-8 at byte 13");
    }
  }

  @Test
  void validMultiByteUtf8IsDecoded() {
    byte[] bytes = ("'" + ListLinesTest.HOSTILE + "'\n'/😀'").getBytes(StandardCharsets.UTF_8);
    assertThat(readAll(ListReader.persistents(new ByteArrayInputStream(bytes), "p.txt")))
        .containsExactly(new PersistentEntry(ListLinesTest.HOSTILE), new PersistentEntry("/😀"));
  }

  @Test
  void endlessLineFailsAfterBoundedReading() {
    CountingStream endless = new CountingStream(() -> "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    ListReader<PersistentEntry> r = ListReader.persistents(endless, "persistents.txt");
    assertThat(failure(r)).isEqualTo("persistents.txt:1: line longer than 65536 bytes");
    assertThat(endless.produced).isLessThanOrEqualTo(ListReader.MAX_LINE_BYTES + 16 * 1024);
  }

  @Test
  void lineLengthLimitBoundary() {
    // exactly MAX_LINE_BYTES passes framing and is judged by the parser; one more byte does not
    String atLimit = "'/" + "a".repeat(ListReader.MAX_LINE_BYTES - 3) + "'";
    assertThat(atLimit.length()).isEqualTo(ListReader.MAX_LINE_BYTES);
    assertThat(failure(ListReader.persistents(stream("'/ok'\n" + atLimit), "p.txt")))
        .isEqualTo("p.txt:2: path longer than 4096 bytes");
    assertThat(failure(ListReader.persistents(stream("'/ok'\n" + atLimit + "x"), "p.txt")))
        .isEqualTo("p.txt:2: line longer than 65536 bytes");
  }

  @Test
  void ioErrorsBecomeMetadataErrorsWithTheCause() {
    IOException boom = new IOException("connection reset");
    InputStream failing = new InputStream() {
      private final InputStream head = stream("'/a'\n'/b");

      @Override
      public int read() throws IOException {
        int b = head.read();
        if (b < 0) {
          throw boom;
        }
        return b;
      }
    };
    ListReader<PersistentEntry> r = ListReader.persistents(failing, "persistents.txt");
    assertThat(r.next().path()).isEqualTo("/a");
    OtaException e = catchThrowableOfType(r::hasNext, OtaException.class);
    assertThat(e.getCause()).isSameAs(boom);
    assertThat(e.code()).isEqualTo(ErrorCode.METADATA_VERIFICATION);
    assertThat(e.detail()).isEqualTo("persistents.txt:2: read error: java.io.IOException: connection reset");
  }

  @Test
  void closeClosesTheStream() {
    boolean[] closed = {false};
    InputStream in = new ByteArrayInputStream(new byte[0]) {
      @Override
      public void close() {
        closed[0] = true;
      }
    };
    ListReader<PersistentEntry> r = ListReader.persistents(in, "p.txt");
    r.close();
    assertThat(closed[0]).isTrue();
    assertThatThrownBy(r::hasNext).isInstanceOf(IllegalStateException.class);
  }

  // ------------------------------------------------------------ streaming

  @Test
  void twoHundredThousandLinesAreStreamed() {
    int lines = 200_000;
    int[] next = {0};
    CountingStream generated = new CountingStream(() -> {
      int i = next[0]++;
      if (i >= lines) {
        return null;
      }
      String hex = String.format("%064x", i);
      String alg = i % 3 == 0 ? "zst" : "";
      String inode = i % 5 == 0 ? Integer.toString(1_000_000 + i / 2) : "";
      int nlink = inode.isEmpty() ? 1 : 2;
      return "0644," + (i % 7) + ",0," + nlink + "," + hex + ",'/data/d" + (i / 1000) + "/f'\\''" + i + ",x'," + i
          + "," + inode + "," + alg + (i == lines - 1 ? "" : "\n");
    });
    long count = 0;
    long sizeSum = 0;
    int compressed = 0;
    try (ListReader<RegularEntry> r = ListReader.regulars(generated, "regulars.txt")) {
      assertThat(r.next().path()).isEqualTo("/data/d0/f'0,x");
      count++;
      // after the first entry only a read-ahead buffer's worth has been pulled from the stream
      assertThat(generated.produced).isLessThan(32 * 1024);
      while (r.hasNext()) {
        RegularEntry e = r.next();
        count++;
        sizeSum += e.size();
        if (e.isCompressed()) {
          compressed++;
        }
        if (count == 123_457) {
          assertThat(e).isEqualTo(new RegularEntry("/data/d123/f'123456,x", 0644, 123456 % 7, 0, 1,
              String.format("%064x", 123456), 123456, null, "zst"));
        }
      }
      assertThat(r.lineNumber()).isEqualTo(lines);
    }
    assertThat(count).isEqualTo(lines);
    assertThat(sizeSum).isEqualTo((long) lines * (lines - 1) / 2);   // sizes 1..199999 after entry 0
    assertThat(compressed).isEqualTo((lines - 1) / 3);               // every third entry except entry 0
    assertThat(generated.produced).isGreaterThan(lines * 100L);
  }

  // ------------------------------------------------------------ helpers

  static InputStream stream(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
  }

  static <T> List<T> readAll(ListReader<T> r) {
    List<T> out = new ArrayList<>();
    while (r.hasNext()) {
      out.add(r.next());
    }
    return out;
  }

  /** Reads until the reader fails and returns the failure's detail. */
  static String failure(ListReader<?> r) {
    OtaException e = catchThrowableOfType(() -> {
      while (r.hasNext()) {
        r.next();
      }
    }, OtaException.class);
    assertThat(e).as("expected the reader to fail").isNotNull();
    return e.detail();
  }

  /** Bytes produced on demand from a line supplier (null = end), counting what the reader pulled. */
  static final class CountingStream extends InputStream {
    private final java.util.function.Supplier<String> chunks;
    private byte[] current = new byte[0];
    private int pos;
    long produced;

    CountingStream(java.util.function.Supplier<String> chunks) {
      this.chunks = chunks;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      while (pos == current.length) {
        String next = chunks.get();
        if (next == null) {
          return -1;
        }
        current = next.getBytes(StandardCharsets.UTF_8);
        pos = 0;
      }
      int n = Math.min(len, current.length - pos);
      System.arraycopy(current, pos, b, off, n);
      pos += n;
      produced += n;
      return n;
    }
  }
}
