package dev.otaclient.internal.image.v1;

import dev.otaclient.error.OtaException;
import dev.otaclient.internal.image.DirectoryEntry;
import dev.otaclient.internal.image.EntryReader;
import dev.otaclient.internal.image.ImagePath;
import dev.otaclient.internal.image.ImageTree;
import dev.otaclient.internal.image.PersistentEntry;
import dev.otaclient.internal.image.RegularEntry;
import dev.otaclient.internal.image.SymlinkEntry;
import dev.otaclient.internal.image.WhiteoutEntry;
import dev.otaclient.internal.image.Xattrs;
import dev.otaclient.internal.fs.ContentHash;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A payload's file table (SQLite, verified against its descriptor), read as the entries of an
 * {@link ImageTree}: rows are streamed one at a time and turned into the same entries as legacy list
 * lines, so the planner and the steps do not know which format they install. Every row is checked
 * (path, file type in the mode, owner, digest, size, extended attributes) and a bad row is refused
 * naming its table, row number and path.
 *
 * <p>Reading: {@code mode} is the full {@code st_mode}; its file-type bits must fit the table.
 * {@code /} itself (the slot root) is skipped. A regular file is hard-linked to the others of its
 * inode when {@code links_count > 1}. Non-regular rows are symlinks (target in {@code meta}) and
 * character devices, which are overlayfs whiteouts (created 0/0 whatever {@code meta} says); other
 * types are skipped with a warning, as the image library's own client does.
 */
public final class FileTable implements ImageTree, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FileTable.class);
  static final int S_IFMT = 0170000;
  static final int S_IFDIR = 0040000;
  static final int S_IFREG = 0100000;
  static final int S_IFLNK = 0120000;
  static final int S_IFCHR = 0020000;
  static final List<String> TABLES = List.of("ft_inode", "ft_regular", "ft_non_regular", "ft_dir", "ft_resource");

  private final Path file;
  private final List<String> persistents;
  private final Connection lookup;

  private FileTable(Path file, List<String> persistents, Connection lookup) {
    this.file = file;
    this.persistents = List.copyOf(persistents);
    this.lookup = lookup;
  }

  /**
   * Opens the table and checks that it is an SQLite database with the five tables.
   *
   * @param persistents the payload's {@code persist_files} (from its sys_config)
   * @throws OtaException METADATA_VERIFICATION when it is not a file table
   */
  public static FileTable open(Path file, List<String> persistents) {
    Connection c = null;
    try {
      c = Sqlite.openReadOnly(file);
      for (String t : TABLES) {
        try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?")) {
          s.setString(1, t);
          try (ResultSet r = s.executeQuery()) {
            if (!r.next()) {
              throw BadImage.metadata("file table has no table " + t);
            }
          }
        }
      }
      return new FileTable(file, persistents, c);
    } catch (SQLException e) {
      Sqlite.close(c);
      throw BadImage.metadata("file table is not a readable SQLite database: " + e.getMessage(), e);
    } catch (OtaException e) {
      Sqlite.close(c);
      throw e;
    }
  }

  public Path file() {
    return file;
  }

  /** Rows of one table, for limits checked before planning. */
  public long count(String table) {
    if (!TABLES.contains(table)) {
      throw new IllegalArgumentException(table);
    }
    synchronized (lookup) {
      try (PreparedStatement s = lookup.prepareStatement("SELECT COUNT(*) FROM " + table);
           ResultSet r = s.executeQuery()) {
        return r.next() ? r.getLong(1) : 0;
      } catch (SQLException e) {
        throw BadImage.metadata("file table " + table + ": cannot count rows: " + e.getMessage(), e);
      }
    }
  }

  /**
   * The inline content of {@code digest} ({@code ft_resource.contents}), or null when the table has
   * none for it. Safe from many threads.
   */
  public byte[] inlineContent(byte[] digest) {
    synchronized (lookup) {
      try (PreparedStatement s = lookup.prepareStatement(
          "SELECT contents FROM ft_resource WHERE digest = ? AND contents IS NOT NULL LIMIT 1")) {
        s.setBytes(1, digest);
        try (ResultSet r = s.executeQuery()) {
          return r.next() ? r.getBytes(1) : null;
        }
      } catch (SQLException e) {
        throw BadImage.metadata("file table ft_resource: cannot read the inline content of "
            + HexFormat.of().formatHex(digest) + ": " + e.getMessage(), e);
      }
    }
  }

  @Override
  public EntryReader<DirectoryEntry> readDirectories() {
    return new Rows<>("ft_dir", "SELECT d.path, i.uid, i.gid, i.mode, i.xattrs FROM ft_dir d "
        + "LEFT JOIN ft_inode i ON i.inode_id = d.inode_id") {
      @Override
      DirectoryEntry map(ResultSet r, String path) throws SQLException {
        int mode = mode(r, 4, S_IFDIR, "a directory");
        return new DirectoryEntry(path, mode, id(r, 2, "uid"), id(r, 3, "gid"));
      }
    };
  }

  @Override
  public EntryReader<SymlinkEntry> readSymlinks() {
    return new Rows<>("ft_non_regular", "SELECT n.path, i.uid, i.gid, i.mode, i.xattrs, n.meta FROM ft_non_regular n "
        + "LEFT JOIN ft_inode i ON i.inode_id = n.inode_id") {
      @Override
      SymlinkEntry map(ResultSet r, String path) throws SQLException {
        if (!isType(r, S_IFLNK)) {
          return null;
        }
        byte[] meta = r.getBytes(6);
        if (meta == null || meta.length == 0) {
          throw bad("symlink has no target");
        }
        String target = utf8(meta, "symlink target");
        if (target.indexOf('\0') >= 0 || meta.length > ImagePath.MAX_PATH_BYTES) {
          throw bad("symlink target contains NUL or is longer than " + ImagePath.MAX_PATH_BYTES + " bytes");
        }
        return new SymlinkEntry(path, target, 0777, id(r, 2, "uid"), id(r, 3, "gid"));
      }
    };
  }

  @Override
  public EntryReader<WhiteoutEntry> readWhiteouts() {
    return new Rows<>("ft_non_regular", "SELECT n.path, i.uid, i.gid, i.mode, i.xattrs FROM ft_non_regular n "
        + "LEFT JOIN ft_inode i ON i.inode_id = n.inode_id") {
      @Override
      WhiteoutEntry map(ResultSet r, String path) throws SQLException {
        if (!isType(r, S_IFCHR)) {
          if (!isType(r, S_IFLNK)) {
            LOG.warn("{}: {} has file type {}, neither symlink nor whiteout: skipped", position(), path,
                Integer.toOctalString(r.getInt(4) & S_IFMT));
          }
          return null;
        }
        return new WhiteoutEntry(path, r.getInt(4) & 07777, id(r, 2, "uid"), id(r, 3, "gid"));
      }
    };
  }

  @Override
  public EntryReader<RegularEntry> readRegulars() {
    return new Rows<>("ft_regular", "SELECT f.path, i.uid, i.gid, i.mode, i.xattrs, i.links_count, s.digest, s.size, "
        + "f.inode_id, s.resource_id FROM ft_regular f LEFT JOIN ft_inode i ON i.inode_id = f.inode_id "
        + "LEFT JOIN ft_resource s ON s.resource_id = f.resource_id") {
      @Override
      RegularEntry map(ResultSet r, String path) throws SQLException {
        int mode = mode(r, 4, S_IFREG, "a regular file");
        r.getLong(10);
        if (r.wasNull()) {
          throw bad("regular file has no resource in ft_resource");
        }
        byte[] digest = r.getBytes(7);
        if (digest == null || digest.length != 32) {
          throw bad("resource digest is not 32 bytes of sha256");
        }
        long size = r.getLong(8);
        if (r.wasNull() || size < 0) {
          throw bad("resource size is missing or negative");
        }
        long links = r.getLong(6);
        int nlink = r.wasNull() ? 1 : (int) Math.max(1, Math.min(Integer.MAX_VALUE, links));
        String inode = nlink > 1 ? Long.toString(r.getLong(9)) : null;
        return new RegularEntry(path, mode, id(r, 2, "uid"), id(r, 3, "gid"), nlink, HexFormat.of().formatHex(digest),
            size, inode, null);
      }
    };
  }

  @Override
  public EntryReader<PersistentEntry> readPersistents() {
    java.util.Iterator<String> it = persistents.iterator();
    return new EntryReader<>() {
      private int n;

      @Override
      public String position() {
        return "sys_config persist_files[" + (n - 1) + "]";
      }

      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public PersistentEntry next() {
        n++;
        return new PersistentEntry(it.next());
      }

      @Override
      public void close() {}
    };
  }

  @Override
  public void close() {
    synchronized (lookup) {
      Sqlite.close(lookup);
    }
  }

  /**
   * Streams the rows of one query on a connection of its own (the workers' inline lookups use another),
   * skipping rows {@link #map} returns null for.
   */
  private abstract class Rows<T> implements EntryReader<T> {
    private final String table;
    private Connection conn;
    private PreparedStatement stmt;
    private ResultSet rs;
    private long row;
    private String path = "";
    private T pending;
    private Xattrs pendingXattrs;
    private Xattrs currentXattrs;
    private OtaException failure;

    Rows(String table, String sql) {
      this.table = table;
      try {
        conn = Sqlite.openReadOnly(file);
        stmt = conn.prepareStatement(sql);
        rs = stmt.executeQuery();
      } catch (SQLException e) {
        close();
        throw BadImage.metadata("file table " + table + ": cannot read: " + e.getMessage(), e);
      }
    }

    /** The entry of the current row, or null to skip it; {@code path} is already checked. */
    abstract T map(ResultSet r, String path) throws SQLException;

    @Override
    public String position() {
      return "file table " + table + " row " + row + (path.isEmpty() ? "" : " (" + ImagePath.describe(path) + ")");
    }

    @Override
    public Xattrs xattrs() {
      return currentXattrs;
    }

    @Override
    public boolean hasNext() {
      if (failure != null) {
        throw failure;
      }
      try {
        while (pending == null) {
          if (Thread.currentThread().isInterrupted()) {
            throw BadImage.metadata(position() + ": interrupted");
          }
          if (rs == null || !rs.next()) {
            close();
            return false;
          }
          row++;
          path = "";
          byte[] rawPath = rs.getBytes(1);
          if (rawPath == null) {
            throw bad("path is NULL");
          }
          path = utf8(rawPath, "path");
          if (path.equals("/")) {
            continue; // the slot root itself: the standby's own
          }
          try {
            ImagePath.check(path);
          } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
          }
          rs.getLong(2);
          if (rs.wasNull()) {
            throw bad("inode is missing from ft_inode");
          }
          T entry = map(rs, path);
          if (entry != null) {
            pendingXattrs = xattrs(rs.getBytes(5));
            pending = entry;
          }
        }
        return true;
      } catch (SQLException e) {
        failure = bad("cannot read: " + e.getMessage());
        failure.initCause(e);
        close();
        throw failure;
      } catch (OtaException e) {
        failure = e;
        close();
        throw e;
      }
    }

    @Override
    public T next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      T t = pending;
      currentXattrs = pendingXattrs;
      pending = null;
      return t;
    }

    OtaException bad(String reason) {
      return BadImage.metadata(position() + ": " + reason);
    }

    boolean isType(ResultSet r, int type) throws SQLException {
      return (r.getInt(4) & S_IFMT) == type;
    }

    int mode(ResultSet r, int col, int type, String what) throws SQLException {
      long m = r.getLong(col);
      if (r.wasNull() || m < 0 || m > 0177777 || (m & S_IFMT) != type) {
        throw bad("mode " + (r.wasNull() ? "NULL" : Long.toOctalString(m)) + " is not that of " + what);
      }
      return (int) (m & 07777);
    }

    long id(ResultSet r, int col, String what) throws SQLException {
      long v = r.getLong(col);
      if (r.wasNull() || v < 0 || v > 0xffffffffL) {
        throw bad(what + " is not a 32-bit id");
      }
      return v;
    }

    String utf8(byte[] b, String what) {
      try {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
      } catch (CharacterCodingException e) {
        throw bad(what + " is not valid UTF-8");
      }
    }

    private Xattrs xattrs(byte[] packed) {
      if (packed == null || packed.length == 0) {
        return Xattrs.NONE;
      }
      Object v;
      try {
        v = MsgPack.decode(packed);
      } catch (MsgPack.MalformedException e) {
        throw bad("xattrs are not MessagePack: " + e.getMessage());
      }
      if (!(v instanceof Map<?, ?> m)) {
        throw bad("xattrs are not a MessagePack map");
      }
      Map<String, byte[]> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!(e.getKey() instanceof String k) || !(e.getValue() instanceof byte[] val)) {
          throw bad("xattrs map is not name (str) to value (bin)");
        }
        out.put(k, val);
      }
      try {
        return Xattrs.of(out);
      } catch (IllegalArgumentException e) {
        throw bad(e.getMessage());
      }
    }

    @Override
    public void close() {
      Sqlite.close(rs);
      Sqlite.close(stmt);
      Sqlite.close(conn);
      rs = null;
    }
  }

  /** The sha256 of an empty file, which the tables list like any other content. */
  static final String EMPTY_SHA256 = ContentHash.of(new byte[0]);
}
