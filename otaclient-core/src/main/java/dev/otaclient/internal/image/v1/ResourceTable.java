package dev.otaclient.internal.image.v1;

import dev.otaclient.error.OtaException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

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

  /**
   * Ids of the slices that more than one sliced resource is made of (a common prefix of two large
   * files, runs of zeros). Read once per update from the rows with a slice filter.
   */
  public synchronized Set<Long> sharedSlices() {
    Map<Long, Long> firstUser = new HashMap<>();
    Set<Long> shared = new HashSet<>();
    // 's:' (hex 733A) is the slice filter's code (ResourceFilter.Sliced), whether the column holds a blob or text
    try (PreparedStatement ps = conn.prepareStatement(
        "SELECT resource_id, filter_applied FROM rs_manifest WHERE hex(substr(filter_applied, 1, 2)) = '733A'");
         ResultSet r = ps.executeQuery()) {
      while (r.next()) {
        long id = r.getLong(1);
        ResourceFilter f;
        try {
          f = ResourceFilter.parse(r.getBytes(2));
        } catch (IllegalArgumentException e) {
          continue; // refused with its reason when the resource itself is fetched
        }
        for (long slice : f.parts()) {
          Long prev = firstUser.putIfAbsent(slice, id);
          if (prev != null && prev != id) {
            shared.add(slice);
          }
        }
      }
    } catch (SQLException e) {
      throw BadImage.metadata("resource table: cannot read the slice filters: " + e.getMessage(), e);
    }
    return shared;
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
