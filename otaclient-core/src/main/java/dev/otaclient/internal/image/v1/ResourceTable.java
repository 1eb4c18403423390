package dev.otaclient.internal.image.v1;

import dev.otaclient.error.OtaException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;

/**
 * The image-wide resource table ({@code rs_manifest}): for each content digest, its size and how the
 * blob storage holds it (see {@link ResourceFilter}). Looked up one row at a time, from many threads.
 */
public final class ResourceTable implements AutoCloseable {
  private final Connection conn;

  /** One row. */
  public record Resource(long id, byte[] digest, long size, ResourceFilter filter) {
    public String hex() {
      return HexFormat.of().formatHex(digest);
    }
  }

  private ResourceTable(Connection conn) {
    this.conn = conn;
  }

  /**
   * @throws OtaException METADATA_VERIFICATION when the file is not a resource table
   */
  public static ResourceTable open(Path file) {
    Connection c = null;
    try {
      c = Sqlite.openReadOnly(file);
      try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM sqlite_master WHERE type='table' AND name='rs_manifest'");
           ResultSet r = s.executeQuery()) {
        if (!r.next()) {
          throw BadImage.metadata("resource table has no table rs_manifest");
        }
      }
      return new ResourceTable(c);
    } catch (SQLException e) {
      Sqlite.close(c);
      throw BadImage.metadata("resource table is not a readable SQLite database: " + e.getMessage(), e);
    } catch (OtaException e) {
      Sqlite.close(c);
      throw e;
    }
  }

  /** The resource with this digest, or null. */
  public Resource byDigest(byte[] digest) {
    return one("digest", ps -> ps.setBytes(1, digest), "digest " + HexFormat.of().formatHex(digest));
  }

  /** The resource with this id, or null. */
  public Resource byId(long id) {
    return one("resource_id", ps -> ps.setLong(1, id), "resource_id " + id);
  }

  private interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  private synchronized Resource one(String column, Binder binder, String what) {
    try (PreparedStatement ps = conn.prepareStatement(
        "SELECT resource_id, digest, size, filter_applied FROM rs_manifest WHERE " + column + " = ? LIMIT 1")) {
      binder.bind(ps);
      try (ResultSet r = ps.executeQuery()) {
        if (!r.next()) {
          return null;
        }
        long id = r.getLong(1);
        byte[] digest = r.getBytes(2);
        long size = r.getLong(3);
        if (digest == null || digest.length != 32 || size < 0) {
          throw BadImage.metadata("resource table row " + what + ": digest is not 32 bytes or size is negative");
        }
        byte[] filter = r.getBytes(4);
        ResourceFilter f;
        try {
          f = filter == null || filter.length == 0 ? null : ResourceFilter.parse(filter);
        } catch (IllegalArgumentException e) {
          throw BadImage.metadata("resource table row " + what + ": filter_applied: " + e.getMessage(), e);
        }
        return new Resource(id, digest, size, f);
      }
    } catch (SQLException e) {
      throw BadImage.metadata("resource table: cannot read " + what + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void close() {
    Sqlite.close(conn);
  }
}
