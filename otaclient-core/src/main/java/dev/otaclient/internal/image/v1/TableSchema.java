package dev.otaclient.internal.image.v1;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** The table definitions of the spec, as the builder creates them. */
final class TableSchema {
  private TableSchema() {}

  static void createFileTable(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE ft_inode (inode_id INTEGER PRIMARY KEY, uid INTEGER NOT NULL, gid INTEGER NOT NULL, "
          + "mode INTEGER NOT NULL, links_count INTEGER, xattrs BLOB)");
      s.execute("CREATE TABLE ft_regular (path TEXT PRIMARY KEY, inode_id INTEGER NOT NULL, resource_id INTEGER) "
          + "WITHOUT ROWID");
      s.execute("CREATE TABLE ft_non_regular (path TEXT PRIMARY KEY, inode_id INTEGER NOT NULL, meta BLOB) WITHOUT ROWID");
      s.execute("CREATE TABLE ft_dir (path TEXT PRIMARY KEY, inode_id INTEGER NOT NULL) WITHOUT ROWID");
      s.execute("CREATE TABLE ft_resource (resource_id INTEGER PRIMARY KEY, digest BLOB NOT NULL UNIQUE, "
          + "size INTEGER NOT NULL, contents BLOB)");
      s.execute("CREATE INDEX fr_inode_id_index ON ft_regular (inode_id)");
      s.execute("CREATE INDEX fr_resource_id_index ON ft_regular (resource_id)");
    }
  }

  static void createResourceTable(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      // the spec makes the digest unique: one row per content, whatever file, slice or bundle has it
      s.execute("CREATE TABLE rs_manifest (resource_id INTEGER PRIMARY KEY, digest BLOB NOT NULL UNIQUE, "
          + "size INTEGER NOT NULL, filter_applied BLOB, meta BLOB)");
    }
  }
}
