package dev.otaclient.internal.image.v1;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteOpenMode;

/** Opens the image's SQLite tables: read-only, immutable (no journal or lock files), small cache. */
final class Sqlite {
  private Sqlite() {}

  static Connection openReadOnly(Path db) throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setReadOnly(true);
    config.setOpenMode(SQLiteOpenMode.READONLY);
    // the file was verified and nobody writes it: no locking, no -journal/-wal beside it
    config.setPragma(SQLiteConfig.Pragma.CACHE_SIZE, "-2048");
    Properties p = config.toProperties();
    return DriverManager.getConnection("jdbc:sqlite:file:" + db.toAbsolutePath() + "?immutable=1", p);
  }

  static Connection openForWriting(Path db) throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + db.toAbsolutePath());
  }

  /** Closes a connection, statement or result set of a read-only table: nothing to lose on failure. */
  static void close(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception ignored) {
        // read-only and immutable: a failed close loses nothing
      }
    }
  }
}
