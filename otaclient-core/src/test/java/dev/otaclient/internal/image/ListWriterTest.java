package dev.otaclient.internal.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ListWriterTest {
  @Test
  void linesAreJoinedWithoutTrailingNewline() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ListWriter w = new ListWriter(out)) {
      w.write(new DirectoryEntry("/etc", 0755, 0, 0));
      w.write(new DirectoryEntry("/home/autoware/it's here", 0750, 1000, 1000));
    }
    assertThat(out.toString(StandardCharsets.UTF_8))
        .isEqualTo("0755,0,0,'/etc'\n0750,1000,1000,'/home/autoware/it'\\''s here'");
  }

  @Test
  void emptyListIsAnEmptyFile() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new ListWriter(out).close();
    assertThat(out.size()).isZero();
  }

  @Test
  void writesUtf8AndEveryKind() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ListWriter w = new ListWriter(out)) {
      w.write(new SymlinkEntry("/bin", "usr/bin", 0777, 0, 0));
      w.write(new RegularEntry("/ファイル", 0644, 0, 0, 1, ListLinesTest.SHA_HELLO, 6, null, null));
      w.write(new PersistentEntry("/etc/hosts"));
    }
    assertThat(out.toByteArray()).isEqualTo(("0777,0,0,'/bin','usr/bin'\n0644,0,0,1," + ListLinesTest.SHA_HELLO
        + ",'/ファイル',6,,\n'/etc/hosts'").getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void unrepresentableEntryIsRejectedBeforeWriting() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ListWriter w = new ListWriter(out)) {
      w.write(new PersistentEntry("/a"));
      assertThatThrownBy(() -> w.write(new PersistentEntry("/b\nc")))
          .isInstanceOf(IllegalArgumentException.class);
      w.write(new PersistentEntry("/d"));
    }
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("'/a'\n'/d'");
  }

  @Test
  void unpairedSurrogateIsNotSilentlyReplaced() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ListWriter w = new ListWriter(out);
    w.write(new PersistentEntry("/bad\uD800"));
    assertThatThrownBy(w::close).isInstanceOf(java.io.UncheckedIOException.class);
  }
}
