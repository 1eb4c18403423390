package dev.otaclient.internal.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.status.OtaStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SlotFilesTest {
  @TempDir Path dir;

  private List<String> names() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void writesExactContentWithoutNewlineAndLeavesNoTempFile() throws IOException {
    SlotFiles f = new SlotFiles(dir);
    f.writeStatus(OtaStatus.UPDATING);
    f.writeVersion("1.2.3-rc");
    f.writeSlotInUse("nvme0n1p2");
    f.writeFailureReason("E2-0101-303: x");

    assertThat(Files.readAllBytes(dir.resolve("status"))).isEqualTo("UPDATING".getBytes(StandardCharsets.UTF_8));
    assertThat(Files.readString(dir.resolve("version"))).isEqualTo("1.2.3-rc");
    assertThat(Files.readString(dir.resolve("slot_in_use"))).isEqualTo("nvme0n1p2");
    assertThat(Files.readString(dir.resolve("failure_reason"))).isEqualTo("E2-0101-303: x");
    assertThat(names()).containsExactly("failure_reason", "slot_in_use", "status", "version");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("status")))).isEqualTo("rw-r--r--");
  }

  @Test
  void overwriteReplacesWholeContent() throws IOException {
    SlotFiles f = new SlotFiles(dir);
    f.writeVersion("a-very-long-version-string");
    f.writeVersion("v2");
    assertThat(Files.readString(dir.resolve("version"))).isEqualTo("v2");
    assertThat(f.version()).isEqualTo("v2");
    assertThat(names()).containsExactly("version");
  }

  @Test
  void readsWhatThePythonClientWrites() throws IOException {
    Files.writeString(dir.resolve("status"), "success\n");
    Files.writeString(dir.resolve("version"), " 123.x\n");
    Files.writeString(dir.resolve("slot_in_use"), "sda3");
    SlotFiles f = new SlotFiles(dir);
    assertThat(f.status()).contains(OtaStatus.SUCCESS);
    assertThat(f.version()).isEqualTo("123.x");
    assertThat(f.slotInUse()).contains("sda3");
    assertThat(f.failureReason()).isEmpty();
  }

  @Test
  void missingBlankAndUnknownStatus() throws IOException {
    SlotFiles f = new SlotFiles(dir);
    assertThat(f.status()).isEmpty();
    assertThat(f.version()).isEmpty();
    assertThat(f.slotInUse()).isEmpty();
    Files.writeString(dir.resolve("status"), "");
    assertThat(f.status()).isEmpty();
    Files.writeString(dir.resolve("status"), "BROKEN");
    assertThat(f.status()).contains(OtaStatus.FAILURE);
  }

  @Test
  void emptyFailureReasonRemovesTheFile() throws IOException {
    SlotFiles f = new SlotFiles(dir);
    f.writeFailureReason("E1-0103-100: net");
    assertThat(f.failureReason()).isEqualTo("E1-0103-100: net");
    f.writeFailureReason("");
    assertThat(Files.exists(dir.resolve("failure_reason"))).isFalse();
    assertThat(f.failureReason()).isEmpty();
    assertThat(names()).isEmpty();
  }

  @Test
  void symlinkReplacementIsAtomicAndLeavesNoTemp() throws IOException {
    Path link = dir.resolve("ota-partition");
    AtomicFiles.replaceSymlink(link, Path.of("ota-partition.sda2"));
    AtomicFiles.replaceSymlink(link, Path.of("ota-partition.sda3"));
    assertThat(Files.readSymbolicLink(link)).isEqualTo(Path.of("ota-partition.sda3"));
    assertThat(names()).containsExactly("ota-partition");
  }

  @Test
  void emptyDirectoryDoesNotFollowSymlinks() throws IOException {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.writeString(outside.resolve("keep"), "x");
    Path slot = Files.createDirectories(dir.resolve("slot"));
    Files.createDirectories(slot.resolve("a/b"));
    Files.writeString(slot.resolve("a/b/f"), "y");
    Files.createSymbolicLink(slot.resolve("link"), outside);
    Files.createSymbolicLink(slot.resolve("a/dirlink"), outside);
    Files.writeString(slot.resolve("status"), "kept");

    AtomicFiles.emptyDirectory(slot, java.util.Set.of("status"));

    try (Stream<Path> s = Files.list(slot)) {
      assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("status");
    }
    assertThat(Files.readString(outside.resolve("keep"))).isEqualTo("x");
  }

  @Test
  void versionDetailIsAJsonObjectBesideTheVersionAndEmptyRemovesIt() throws IOException {
    SlotFiles f = new SlotFiles(dir);
    assertThat(f.versionDetail()).isEqualTo(dev.otaclient.status.VersionDetail.NONE);
    f.writeVersionDetail(new dev.otaclient.status.VersionDetail("req-1", "rel \"x\"", "rid", ""));
    assertThat(Files.readString(dir.resolve("version_detail"))).isEqualTo(
        "{\"request_id\":\"req-1\",\"release_name\":\"rel \\\"x\\\"\",\"release_id\":\"rid\",\"image_id\":\"\"}");
    assertThat(f.versionDetail()).isEqualTo(new dev.otaclient.status.VersionDetail("req-1", "rel \"x\"", "rid", ""));
    f.writeVersionDetail(dev.otaclient.status.VersionDetail.NONE);
    assertThat(names()).doesNotContain("version_detail");
  }

  @Test
  void aVersionDetailThatIsNoObjectIsIgnored() throws IOException {
    SlotFiles f = new SlotFiles(dir);
    for (String bad : List.of("not json", "[1]", "{\"request_id\": 5}", "")) {
      Files.writeString(dir.resolve("version_detail"), bad);
      assertThat(f.versionDetail()).as(bad).isEqualTo(
          bad.startsWith("{") ? new dev.otaclient.status.VersionDetail("", "", "", "")
              : dev.otaclient.status.VersionDetail.NONE);
    }
  }
}
