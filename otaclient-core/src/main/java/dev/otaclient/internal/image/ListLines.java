package dev.otaclient.internal.image;

import java.util.Locale;

/**
 * One list line to one entry and back (reference §1.4–§1.8), without I/O.
 *
 * <p>Quoted fields are read with a left-to-right tokenizer: inside quotes, a {@code '} either starts the
 * escape {@code '\''} or closes the field. For every line the generator can write this yields the same
 * result as the Python client's regular expressions (greedy path for regulars, "first {@code ','} not
 * preceded by {@code '}" for symlinks), and it also handles the one case those get wrong: a symlink path
 * ending in a single quote. Anything the generator cannot have written (an unescaped quote, stray text,
 * a non-octal mode, a path with {@code ..}) is rejected rather than guessed at, because list content
 * decides where the client writes on the standby slot.
 *
 * <p>Parse methods throw {@link IllegalArgumentException} whose message is the bare reason;
 * {@link ListReader} prefixes it with file name and line number.
 */
public final class ListLines {
  /** Largest mode: permission, setuid/setgid and sticky bits; file-type bits are not allowed. */
  public static final int MAX_MODE = 07777;
  /** uid/gid are unsigned 32-bit on Linux. */
  public static final long MAX_ID = 0xFFFF_FFFFL;
  /** Linux limit of a symlink's target ({@code PATH_MAX} minus the NUL). */
  public static final int MAX_TARGET_BYTES = 4095;

  private static final String DIRECTORY_SHAPE = "mode,uid,gid,'path'";
  private static final String SYMLINK_SHAPE = "mode,uid,gid,'path','target'";
  private static final String REGULAR_SHAPE = "mode,uid,gid,nlink,sha256,'path'[,size[,inode[,compress_alg]]]";

  private ListLines() {}

  // ---------------------------------------------------------------- parsing

  public static DirectoryEntry parseDirectory(String line) {
    Cursor c = new Cursor(line, DIRECTORY_SHAPE);
    int mode = mode(c.field());
    long uid = id("uid", c.field());
    long gid = id("gid", c.field());
    String path = c.quoted("path");
    c.expectEnd("path");
    return new DirectoryEntry(ImagePath.check(path), mode, uid, gid);
  }

  public static SymlinkEntry parseSymlink(String line) {
    Cursor c = new Cursor(line, SYMLINK_SHAPE);
    int mode = mode(c.field());
    long uid = id("uid", c.field());
    long gid = id("gid", c.field());
    String path = c.quoted("path");
    c.expectComma("path", "target");
    String target = c.quoted("target");
    c.expectEnd("target");
    return new SymlinkEntry(ImagePath.check(path), checkTarget(target), mode, uid, gid);
  }

  /**
   * Accepts every revision, rev1 to rev4; an empty trailing field means absent. As in the Python
   * client, inode and compression are only honoured when a size is present (they are still
   * validated, so a malformed value is never silently dropped).
   */
  public static RegularEntry parseRegular(String line) {
    Cursor c = new Cursor(line, REGULAR_SHAPE);
    int mode = mode(c.field());
    long uid = id("uid", c.field());
    long gid = id("gid", c.field());
    int nlink = nlink(c.field());
    String sha256 = sha256(c.field());
    String path = c.quoted("path");
    String sizeField = "";
    String inodeField = "";
    String algField = "";
    if (!c.atEnd()) {
      c.expectComma("path", "size");
      sizeField = c.fieldOrRest();
      if (c.hasMoreFields()) {
        inodeField = c.fieldOrRest();
        if (c.hasMoreFields()) {
          algField = c.fieldOrRest();
          if (c.hasMoreFields()) {
            throw new IllegalArgumentException("too many fields after path (expected " + REGULAR_SHAPE + ")");
          }
        }
      }
    }
    long size = sizeField.isEmpty() ? -1 : decimal("size", sizeField, Long.MAX_VALUE);
    String inode = inodeField.isEmpty() ? null : inode(inodeField);
    String alg = algField.isEmpty() ? null : compressAlg(algField);
    if (size < 0) {
      inode = null;
      alg = null;
    }
    return new RegularEntry(ImagePath.check(path), mode, uid, gid, nlink, sha256, size, inode, alg);
  }

  public static PersistentEntry parsePersistent(String line) {
    Cursor c = new Cursor(line, "'path'");
    String path = c.quoted("path");
    c.expectEnd("path");
    return new PersistentEntry(ImagePath.check(path));
  }

  // ---------------------------------------------------------------- formatting

  /**
   * Exactly the generator's text. Entries that could not be read back identically (invalid path,
   * mode with file-type bits, a name containing a line break, ...) are rejected with
   * {@link IllegalArgumentException}, so a written list always passes {@link ListReader}.
   */
  public static String format(DirectoryEntry e) {
    checkMode(e.mode());
    checkId("uid", e.uid());
    checkId("gid", e.gid());
    return octal(e.mode()) + ',' + e.uid() + ',' + e.gid() + ',' + quotePath(representablePath(e.path()));
  }

  public static String format(SymlinkEntry e) {
    checkMode(e.mode());
    checkId("uid", e.uid());
    checkId("gid", e.gid());
    String target = checkTarget(e.target());
    requireNoLineBreak("target", target);
    return octal(e.mode()) + ',' + e.uid() + ',' + e.gid() + ','
        + quotePath(representablePath(e.path())) + ',' + quotePath(target);
  }

  /** rev4: {@code mode,uid,gid,nlink,sha256,'path',size,inode,compress_alg}, absent fields empty. */
  public static String format(RegularEntry e) {
    checkMode(e.mode());
    checkId("uid", e.uid());
    checkId("gid", e.gid());
    if (e.nlink() < 1) {
      throw new IllegalArgumentException("nlink " + e.nlink() + " is less than 1");
    }
    String sha = sha256(e.sha256() == null ? "" : e.sha256());
    if (e.size() < -1) {
      throw new IllegalArgumentException("size " + e.size() + " is negative");
    }
    String inode = e.inode() == null || e.inode().isEmpty() ? "" : inode(e.inode());
    String alg = e.compressAlg() == null || e.compressAlg().isEmpty() ? "" : compressAlg(e.compressAlg());
    if (!e.hasSize() && !(inode.isEmpty() && alg.isEmpty())) {
      // A reader ignores both without a size, so writing them would not round-trip.
      throw new IllegalArgumentException("inode or compression algorithm given without a size");
    }
    return octal(e.mode()) + ',' + e.uid() + ',' + e.gid() + ',' + e.nlink() + ',' + sha + ','
        + quotePath(representablePath(e.path())) + ','
        + (e.hasSize() ? Long.toString(e.size()) : "") + ',' + inode + ',' + alg;
  }

  public static String format(PersistentEntry e) {
    return quotePath(representablePath(e.path()));
  }

  /** {@code '...'} with every {@code '} written as {@code '\''}, the generator's only escape. */
  public static String quotePath(String path) {
    StringBuilder sb = new StringBuilder(path.length() + 8).append('\'');
    for (int i = 0; i < path.length(); i++) {
      char ch = path.charAt(i);
      if (ch == '\'') {
        sb.append("'\\''");
      } else {
        sb.append(ch);
      }
    }
    return sb.append('\'').toString();
  }

  // ---------------------------------------------------------------- field rules

  static String checkTarget(String target) {
    if (target == null || target.isEmpty()) {
      throw new IllegalArgumentException("empty symlink target");
    }
    if (target.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("symlink target contains NUL: " + ImagePath.describe(target));
    }
    if (ImagePath.utf8Length(target) > MAX_TARGET_BYTES) {
      throw new IllegalArgumentException("symlink target longer than " + MAX_TARGET_BYTES + " bytes");
    }
    return target;
  }

  private static int mode(String field) {
    if (field.isEmpty()) {
      throw new IllegalArgumentException("empty mode field");
    }
    for (int i = 0; i < field.length(); i++) {
      char ch = field.charAt(i);
      if (ch < '0' || ch > '7') {
        throw new IllegalArgumentException("mode " + ImagePath.describe(field) + " is not octal");
      }
    }
    long value = 0;
    for (int i = 0; i < field.length(); i++) {
      value = value * 8 + (field.charAt(i) - '0');
      if (value > MAX_MODE) {
        throw new IllegalArgumentException("mode " + shorten(field) + " outside 07777");
      }
    }
    return (int) value;
  }

  private static long id(String name, String field) {
    return decimal(name, field, MAX_ID);
  }

  private static int nlink(String field) {
    long value = decimal("nlink", field, Integer.MAX_VALUE);
    if (value < 1) {
      throw new IllegalArgumentException("nlink " + value + " is less than 1");
    }
    return (int) value;
  }

  private static String inode(String field) {
    decimal("inode", field, Long.MAX_VALUE);
    return field;
  }

  /** ASCII decimal digits only (no sign, no spaces), value at most {@code max}. */
  private static long decimal(String name, String field, long max) {
    if (field.isEmpty()) {
      throw new IllegalArgumentException("empty " + name + " field");
    }
    for (int i = 0; i < field.length(); i++) {
      char ch = field.charAt(i);
      if (ch < '0' || ch > '9') {
        throw new IllegalArgumentException(name + " " + ImagePath.describe(field) + " is not a decimal number");
      }
    }
    long value = 0;
    for (int i = 0; i < field.length(); i++) {
      int digit = field.charAt(i) - '0';
      if (value > (max - digit) / 10) {
        throw new IllegalArgumentException(name + " " + shorten(field) + " exceeds " + max);
      }
      value = value * 10 + digit;
    }
    return value;
  }

  private static String sha256(String field) {
    boolean ok = field.length() == 64;
    for (int i = 0; ok && i < field.length(); i++) {
      char ch = field.charAt(i);
      ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
    }
    if (!ok) {
      throw new IllegalArgumentException("sha256 " + ImagePath.describe(field) + " is not 64 hex digits");
    }
    return field.toLowerCase(Locale.ROOT);
  }

  private static String compressAlg(String field) {
    if (!field.equals("zst") && !field.equals("zstd")) {
      throw new IllegalArgumentException("unsupported compression algorithm " + ImagePath.describe(field));
    }
    return field;
  }

  private static void checkMode(int mode) {
    if (mode < 0 || mode > MAX_MODE) {
      throw new IllegalArgumentException("mode 0" + Integer.toOctalString(mode) + " outside 07777");
    }
  }

  private static void checkId(String name, long id) {
    if (id < 0 || id > MAX_ID) {
      throw new IllegalArgumentException(name + " " + id + " outside 0.." + MAX_ID);
    }
  }

  private static String representablePath(String path) {
    ImagePath.check(path);
    requireNoLineBreak("path", path);
    return path;
  }

  private static void requireNoLineBreak(String what, String value) {
    if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
      throw new IllegalArgumentException(what + " contains a line break, which a list cannot represent: "
          + ImagePath.describe(value));
    }
  }

  /** The generator writes the last four octal digits of st_mode. */
  private static String octal(int mode) {
    String s = Integer.toOctalString(mode);
    return "0000".substring(s.length()) + s;
  }

  private static String shorten(String digits) {
    return digits.length() <= 32 ? digits : digits.substring(0, 32) + "...";
  }

  /** Left-to-right reader over one line. */
  private static final class Cursor {
    private final String line;
    private final String shape;
    private int pos;
    /** Whether the last {@link #fieldOrRest()} stopped at a comma, i.e. another field follows. */
    private boolean lastEndedWithComma;

    Cursor(String line, String shape) {
      if (line == null) {
        throw new IllegalArgumentException("missing line");
      }
      if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
        throw new IllegalArgumentException("line contains a line break");
      }
      this.line = line;
      this.shape = shape;
    }

    /** The text up to the next comma, which is consumed; a comma is required. */
    String field() {
      int comma = line.indexOf(',', pos);
      if (comma < 0) {
        throw new IllegalArgumentException("too few fields (expected " + shape + ")");
      }
      String value = line.substring(pos, comma);
      pos = comma + 1;
      return value;
    }

    /** The text up to the next comma (consumed) or the end of the line. */
    String fieldOrRest() {
      int comma = line.indexOf(',', pos);
      int end = comma < 0 ? line.length() : comma;
      String value = line.substring(pos, end);
      pos = comma < 0 ? line.length() : comma + 1;
      lastEndedWithComma = comma >= 0;
      return value;
    }

    boolean hasMoreFields() {
      return lastEndedWithComma;
    }

    boolean atEnd() {
      return pos == line.length();
    }

    /** A {@code '...'} field, decoded. */
    String quoted(String what) {
      if (pos >= line.length() || line.charAt(pos) != '\'') {
        throw new IllegalArgumentException(what + " does not start with a single quote (expected " + shape + ")");
      }
      StringBuilder sb = new StringBuilder();
      int i = pos + 1;
      while (true) {
        if (i >= line.length()) {
          throw new IllegalArgumentException("unterminated quoted " + what);
        }
        char ch = line.charAt(i);
        if (ch == '\'') {
          if (line.startsWith("\\''", i + 1)) {
            sb.append('\'');
            i += 4;
            continue;
          }
          pos = i + 1;
          return sb.toString();
        }
        sb.append(ch);
        i++;
      }
    }

    void expectComma(String after, String next) {
      if (pos == line.length()) {
        throw new IllegalArgumentException("missing " + next + " (expected " + shape + ")");
      }
      if (line.charAt(pos) != ',') {
        throw unexpectedAfter(after);
      }
      pos++;
    }

    void expectEnd(String after) {
      if (pos != line.length()) {
        throw unexpectedAfter(after);
      }
    }

    private IllegalArgumentException unexpectedAfter(String what) {
      return new IllegalArgumentException("unescaped single quote in " + what
          + " or unexpected text after its closing quote (expected " + shape + ")");
    }
  }
}
