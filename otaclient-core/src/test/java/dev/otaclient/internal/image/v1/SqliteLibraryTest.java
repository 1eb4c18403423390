package dev.otaclient.internal.image.v1;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.error.OtaException;
import dev.otaclient.testing.JavaChild;
import dev.otaclient.testing.Tmpfs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When SQLite's native library cannot be loaded on this machine, opening a table says so with a
 * platform code; it must not read as a malformed image (E…-205), which would blame the image.
 */
class SqliteLibraryTest {
  /** Child JVM: opens a file table and prints the error code and message. */
  public static final class Probe {
    public static void main(String[] args) {
      try {
        FileTable.open(Path.of(args[0]), List.of()).close();
        System.out.println("OPENED");
      } catch (OtaException e) {
        System.out.println("REFUSED " + e.getMessage());
      }
    }
  }

  @Test
  void aLibraryThatCannotBeUnpackedIsAPlatformErrorNotABadImage(@TempDir Path tmp) throws Exception {
    Path notADirectory = Files.writeString(tmp.resolve("file"), "x");
    Path table = Files.writeString(tmp.resolve("table.sqlite3"), "whatever");
    Process p = JavaChild.start(Probe.class, List.of("-Dorg.sqlite.tmpdir=" + notADirectory),
        List.of(table.toString()));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(out).contains("REFUSED").contains("-301").contains("SQLite library")
        .contains("-Dorg.sqlite.tmpdir").doesNotContain("-205");
  }

  /**
   * As on an ECU whose {@code /tmp} is mounted {@code noexec}: the library unpacks but cannot be
   * mapped. The one line names the directory and the way out; pointing {@code org.sqlite.tmpdir}
   * at a directory that allows executing fixes it.
   */
  @Test
  void aNoexecTemporaryDirectoryIsNamedAndCanBeAvoided(@TempDir Path tmp) throws Exception {
    try (Tmpfs fs = Tmpfs.mount(tmp.resolve("noexec"), "size=16m,noexec")) {
      Path noexec = fs.dir();
      Path table = Files.writeString(tmp.resolve("table.sqlite3"), "whatever");
      String refused = run(List.of("-Djava.io.tmpdir=" + noexec), table);
      assertThat(refused).contains("REFUSED").contains("-301").contains("unpacked into " + noexec)
          .contains("must allow executing it").doesNotContain("-205");

      Path exec = Files.createDirectories(tmp.resolve("exec"));
      String opened = run(List.of("-Djava.io.tmpdir=" + noexec, "-Dorg.sqlite.tmpdir=" + exec), table);
      // the library loads; the table itself is then what is wrong, and said to be
      assertThat(opened).doesNotContain("-301").contains("-205");
    }
  }

  private static String run(List<String> jvmOptions, Path table) throws Exception {
    Process p = JavaChild.start(Probe.class, jvmOptions, List.of(table.toString()));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return out;
  }
}
