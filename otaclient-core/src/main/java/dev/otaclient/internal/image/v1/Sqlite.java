package dev.otaclient.internal.image.v1;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.SQLiteOpenMode;

/** Opens the image's SQLite tables: read-only, immutable (no journal or lock files), small cache. */
final class Sqlite {
  private Sqlite() {}

  /**
   * Loads the driver's native library before any table is opened. Without this, a library that cannot
   * be loaded (a noexec temporary directory, an unsupported platform) surfaces as "not a readable
   * SQLite database" and the image would be blamed for a problem of this machine.
   *
   * @throws OtaException PLATFORM_UNSUPPORTED naming the cause and where the library is unpacked
   */
  static void requireNativeLibrary() {
    Throwable cause = null;
    try {
      if (SQLiteJDBCLoader.initialize()) {
        return;
      }
    } catch (Exception | LinkageError e) {
      cause = e;
    }
    String dir = System.getProperty("org.sqlite.tmpdir", System.getProperty("java.io.tmpdir"));
    throw new OtaException(ErrorCode.PLATFORM_UNSUPPORTED, ErrorModule.GENERAL, "the SQLite library that OTA image v1 "
        + "tables need cannot be loaded (unpacked into " + dir + ", which must allow executing it; set "
        + "-Djava.io.tmpdir or -Dorg.sqlite.tmpdir)" + (cause == null ? "" : ": " + cause), cause);
  }

  static Connection openReadOnly(Path db) throws SQLException {
    requireNativeLibrary();
    SQLiteConfig config = new SQLiteConfig();
    config.setReadOnly(true);
    config.setOpenMode(SQLiteOpenMode.READONLY);
    // the file was verified and nobody writes it: no locking, no -journal/-wal beside it
    config.setPragma(SQLiteConfig.Pragma.CACHE_SIZE, "-2048");
    Properties p = config.toProperties();
    return DriverManager.getConnection("jdbc:sqlite:file:" + db.toAbsolutePath() + "?immutable=1", p);
  }

  static Connection openForWriting(Path db) throws SQLException {
    requireNativeLibrary();
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
