package dev.otaclient.internal.update;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.internal.fs.Sha256;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Placement records: every pinned field must match, bad lines are skipped, later records win. */
class PlacementJournalTest {
  static final Sha256 A = Sha256.ofHex("ab".repeat(32));
  static final Sha256 B = Sha256.ofHex("cd".repeat(32));
  static final FileStat ST = new FileStat(0100644, 10, 1_000_000_123L, 2_000_000_456L, 65024, 77, 0, 0);

  static PlacementRecords records(String... lines) {
    PlacementRecords r = new PlacementRecords();
    for (String l : lines) {
      PlacementJournal.parse(l, r);
    }
    r.seal();
    return r;
  }

  @Test
  void aRecordMatchesOnlyItsPathShaAndExactStat() {
    PlacementRecords r = records(PlacementJournal.format("/etc/x", A, ST));
    assertThat(r.size()).isEqualTo(1);
    assertThat(r.matches("/etc/x", A, ST)).isTrue();
    // mode and owner are not pinned (ctime covers their changes)
    assertThat(r.matches("/etc/x", A, new FileStat(0100600, 10, ST.mtimeNanos(), ST.ctimeNanos(), 65024, 77, 5, 5))).isTrue();
    assertThat(r.matches("/etc/y", A, ST)).isFalse();
    assertThat(r.matches("/etc/x", B, ST)).isFalse();
    List<FileStat> changed = List.of(
        new FileStat(0100644, 11, ST.mtimeNanos(), ST.ctimeNanos(), 65024, 77, 0, 0),
        new FileStat(0100644, 10, ST.mtimeNanos() + 1, ST.ctimeNanos(), 65024, 77, 0, 0),
        new FileStat(0100644, 10, ST.mtimeNanos(), ST.ctimeNanos() + 1, 65024, 77, 0, 0),
        new FileStat(0100644, 10, ST.mtimeNanos(), ST.ctimeNanos(), 65025, 77, 0, 0),
        new FileStat(0100644, 10, ST.mtimeNanos(), ST.ctimeNanos(), 65024, 78, 0, 0));
    for (FileStat c : changed) {
      assertThat(r.matches("/etc/x", A, c)).as(c.toString()).isFalse();
    }
  }

  @Test
  void corruptTornAndForeignLinesAreSkipped() {
    String good = PlacementJournal.format("/a b\tc", A, ST);
    String flipped = good.replaceFirst("\tab", "\tac");
    String torn = PlacementJournal.format("/torn", A, ST);
    PlacementRecords r = records(good, flipped.replace("/a b", "/other"), torn.substring(0, torn.length() - 3),
        "garbage", "", "0\t" + "ab".repeat(32) + "\t1\t2\t3\t4\t5\t/no-crc");
    assertThat(r.size()).isEqualTo(1);
    assertThat(r.matches("/a b\tc", A, ST)).as("a tab in the path survives").isTrue();
    assertThat(r.matches("/torn", A, ST)).isFalse();
    assertThat(r.matches("/no-crc", A, ST)).isFalse();
  }

  @Test
  void theLaterRecordOfAPathWins() {
    FileStat later = new FileStat(0100644, 10, ST.mtimeNanos(), ST.ctimeNanos() + 5, 65024, 90, 0, 0);
    PlacementRecords r = records(PlacementJournal.format("/p", A, ST), PlacementJournal.format("/p", B, later));
    assertThat(r.size()).isEqualTo(1);
    assertThat(r.matches("/p", A, ST)).isFalse();
    assertThat(r.matches("/p", B, later)).isTrue();
  }

  @Test
  void manyRecordsAreAllFound() {
    PlacementRecords r = new PlacementRecords();
    for (int i = 0; i < 5000; i++) {
      r.add("/usr/lib/file-" + i, A, i, i, i, 1, i);
    }
    r.seal();
    assertThat(r.size()).isEqualTo(5000);
    for (int i = 0; i < 5000; i++) {
      assertThat(r.matches("/usr/lib/file-" + i, A, new FileStat(0100644, i, i, i, 1, i, 0, 0))).isTrue();
    }
    assertThat(r.matches("/usr/lib/file-5000", A, new FileStat(0100644, 5000, 5000, 5000, 1, 5000, 0, 0))).isFalse();
  }

  @Test
  void aJournalWithATornTailIsResumedAndPromotedToTheManifest(@TempDir Path tmp) throws Exception {
    Path journal = tmp.resolve("journal");
    String torn = PlacementJournal.format("/torn", A, ST);
    Files.writeString(journal, PlacementJournal.HEADER + "\n" + PlacementJournal.format("/kept", A, ST) + "\n"
        + torn.substring(0, 20), StandardCharsets.UTF_8);
    Path manifest = Files.createDirectories(tmp.resolve("meta")).resolve("slot-manifest");
    try (PlacementJournal j = PlacementJournal.open(journal, manifest, tmp)) {
      assertThat(j.trustedCount()).isEqualTo(1);
      assertThat(j.isTrusted("/kept", A, ST)).isTrue();
      j.placed("/new", B, ST);
      j.promoteTo(manifest);
    }
    assertThat(journal).doesNotExist();
    try (PlacementJournal again = PlacementJournal.open(tmp.resolve("journal2"), manifest, tmp)) {
      assertThat(again.trustedCount()).isEqualTo(2);
      assertThat(again.isTrusted("/new", B, ST)).as("the record appended after the torn line").isTrue();
      assertThat(again.isTrusted("/kept", A, ST)).isTrue();
    }
  }

  @Test
  void onlyABatchWithAWrittenFileSyncsTheFilesystemFirst(@TempDir Path tmp) throws Exception {
    AtomicInteger syncs = new AtomicInteger();
    Path journal = tmp.resolve("journal");
    try (PlacementJournal j = PlacementJournal.open(journal, null, tmp, fs -> syncs.incrementAndGet())) {
      // kept files an earlier record vouched for: that record was written after a sync of its own
      j.placed("/kept1", A, ST, true);
      j.placed("/kept2", A, ST, true);
      j.flush();
      assertThat(syncs).as("no sync for records of files this build did not write").hasValue(0);
      j.placed("/kept3", A, ST, true);
      j.placed("/written", B, ST, false);
      j.flush();
      assertThat(syncs).as("a written file's data is synced before its record").hasValue(1);
      j.placed("/kept4", A, ST, true);
      j.flush();
      assertThat(syncs).as("the flag goes with the batch it was set in").hasValue(1);
      j.placed("/plain", B, ST);
      j.flush();
      assertThat(syncs).as("placed without the flag is a written file").hasValue(2);
    }
    try (PlacementJournal again = PlacementJournal.open(journal, null, tmp, fs -> { })) {
      assertThat(again.trustedCount()).as("every record appended, synced or not").isEqualTo(6);
    }
  }

  @Test
  void theManifestIsReadAlthoughItIsRemovedRightAfterOpening(@TempDir Path tmp) throws Exception {
    // the in-place clean runs while the records load, and removes the manifest unless the image lists it
    Path manifest = tmp.resolve("slot-manifest");
    Files.writeString(manifest, PlacementJournal.HEADER + "\n" + PlacementJournal.format("/a", A, ST) + "\n"
        + PlacementJournal.format("/b", B, ST) + "\n", StandardCharsets.UTF_8);
    try (PlacementJournal j = PlacementJournal.open(tmp.resolve("journal"), manifest, tmp, fs -> { })) {
      Files.delete(manifest);
      assertThat(j.trustedCount()).isEqualTo(2);
      assertThat(j.isTrusted("/b", B, ST)).isTrue();
    }
  }
}
