package dev.otaclient.internal.update;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fs.Sha256;
import dev.otaclient.internal.slot.StandbyTree;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-place clean: what it removes, what it keeps, and what it tells the regular step. */
class StandbyCleanerTest {
  @TempDir
  Path tmp;

  private final ExecutorService pool = Executors.newFixedThreadPool(4);

  @AfterEach
  void stopPool() {
    pool.shutdownNow();
  }

  private static DeltaPlan plan(Set<String> dirs, Map<String, String> symlinks, String... regulars) {
    PathSet paths = new PathSet();
    for (String r : regulars) {
      paths.add(r);
    }
    return new DeltaPlan(new ContentGroups(), dirs, symlinks, paths, regulars.length, 0);
  }

  @Test
  void removesWhatTheImageLacksAtItsPathWithItsType() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("slot"));
    Files.createDirectories(root.resolve("usr/lib"));
    Files.createDirectories(root.resolve("old/deep"));
    Files.writeString(root.resolve("usr/lib/keep.so"), "k");
    Files.writeString(root.resolve("usr/lib/stale.so"), "s");
    Files.writeString(root.resolve("old/deep/x"), "x");
    Files.createSymbolicLink(root.resolve("usr/lib/link"), Path.of("keep.so"));
    Files.createSymbolicLink(root.resolve("usr/lib/moved"), Path.of("elsewhere"));
    // a directory where the image now has a regular file
    Files.createDirectories(root.resolve("usr/lib/now-a-file"));
    Map<String, String> links = new HashMap<>(Map.of("/usr/lib/link", "keep.so", "/usr/lib/moved", "keep.so"));
    DeltaPlan plan = plan(Set.of("/usr", "/usr/lib"), links, "/usr/lib/keep.so", "/usr/lib/now-a-file");

    long removed = StandbyCleaner.clean(new StandbyTree(root, root.resolve("boot")), plan, Set.of(), null, pool);

    // stale.so, the retargeted link, old/ with its two entries, now-a-file/
    assertThat(removed).isEqualTo(6);
    assertThat(root.resolve("usr/lib/keep.so")).exists();
    assertThat(root.resolve("usr/lib/link")).isSymbolicLink();
    assertThat(root.resolve("old")).doesNotExist();
    assertThat(root.resolve("usr/lib/moved")).doesNotExist();
    assertThat(root.resolve("usr/lib/now-a-file")).doesNotExist();
    assertThat(plan.standbyDirectories).containsExactlyInAnyOrder("/usr", "/usr/lib");
    assertThat(plan.mayBeInStandby("/usr/lib/keep.so")).isTrue();
    assertThat(plan.mayBeInStandby("/usr/lib/now-a-file")).isFalse();
  }

  private static final Sha256 A = Sha256.ofHex("ab".repeat(32));
  private static final Sha256 B = Sha256.ofHex("cd".repeat(32));

  private static PlacementRecords recordsOf(Map<String, FileStat> files, Sha256 sha) {
    PlacementRecords r = new PlacementRecords();
    files.forEach((path, st) -> r.add(path, sha, st.size(), st.mtimeNanos(), st.ctimeNanos(), st.dev(), st.ino()));
    r.seal();
    return r;
  }

  @Test
  void aKeptFileUnchangedSinceItsRecordNeedsNoSecondLstat() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("slot"));
    Files.createDirectories(root.resolve("usr"));
    Path same = Files.writeString(root.resolve("usr/same"), "s");
    Path changed = Files.writeString(root.resolve("usr/changed"), "c");
    Path other = Files.writeString(root.resolve("usr/other-content"), "o");
    Files.writeString(root.resolve("usr/unrecorded"), "u");
    PlacementRecords records = recordsOf(Map.of("/usr/same", FileStat.of(same), "/usr/changed", FileStat.of(changed),
        "/usr/other-content", FileStat.of(other)), A);
    Files.writeString(changed, "changed after its record");
    DeltaPlan plan = plan(Set.of("/usr"), new HashMap<>(), "/usr/same", "/usr/changed", "/usr/other-content",
        "/usr/unrecorded");

    StandbyCleaner.clean(new StandbyTree(root, root.resolve("boot")), plan, Set.of(),
        new KeptFiles(plan.regularPaths, records), pool);

    KeptFiles kept = plan.keptFiles;
    FileStat known = kept.take("/usr/same", A);
    assertThat(known).isEqualTo(FileStat.of(same));
    assertThat(kept.take("/usr/same", A)).as("once per path").isNull();
    assertThat(kept.take("/usr/changed", A)).as("changed since its record").isNull();
    assertThat(kept.take("/usr/other-content", B)).as("its record vouches for another content").isNull();
    assertThat(kept.take("/usr/unrecorded", A)).isNull();
    assertThat(plan.mayBeInStandby("/usr/changed")).as("still kept, for the regular step to look at").isTrue();
  }

  @Test
  void aFileInTheRootfsBootDirectorySaysNothingAboutTheSeparateBootDirectory() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("slot"));
    Path bootDir = Files.createDirectories(tmp.resolve("bootpart"));
    Files.createDirectories(root.resolve("boot"));
    Path shadow = Files.writeString(root.resolve("boot/vmlinuz"), "the mount point's own file, not the image's");
    Path etc = Files.writeString(root.resolve("etc"), "e");
    PlacementRecords records = recordsOf(Map.of("/boot/vmlinuz", FileStat.of(shadow), "/etc", FileStat.of(etc)), A);
    DeltaPlan plan = plan(Set.of("/boot"), new HashMap<>(), "/boot/vmlinuz", "/etc");

    StandbyCleaner.clean(new StandbyTree(root, bootDir), plan, Set.of(), new KeptFiles(plan.regularPaths, records), pool);

    assertThat(plan.keptFiles.take("/boot/vmlinuz", A)).isNull();
    assertThat(plan.keptFiles.take("/etc", A)).isEqualTo(FileStat.of(etc));
  }

  @Test
  void theWorkDirectoryAndTheControllersOwnFilesStay() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("slot"));
    Files.createDirectories(root.resolve(".ota-work"));
    Files.writeString(root.resolve(".ota-work/journal"), "j");
    Files.createDirectories(root.resolve("boot/ota/status"));
    Files.writeString(root.resolve("boot/ota/status/version"), "v2");
    Files.writeString(root.resolve("boot/other"), "o");
    DeltaPlan plan = plan(Set.of(), new HashMap<>());

    long removed = StandbyCleaner.clean(new StandbyTree(root, root.resolve("boot")), plan, Set.of("/boot/ota/status"), null, pool);

    assertThat(root.resolve(".ota-work/journal")).exists();
    assertThat(root.resolve("boot/ota/status/version")).exists();
    assertThat(root.resolve("boot/other")).doesNotExist();
    assertThat(removed).isEqualTo(1);
  }

  @Test
  void aWideDeepTreeIsCleanedWholeByParallelTasks() throws Exception {
    // 4 areas x 6 packages x 3 levels, each directory with a kept file, a recorded file, a stale file
    // and a stale directory: every mark, every record hand-over and every removal must survive the
    // tasks running side by side
    Path root = Files.createDirectories(tmp.resolve("slot"));
    Set<String> dirs = new HashSet<>();
    List<String> regulars = new ArrayList<>();
    Map<String, FileStat> recorded = new HashMap<>();
    int staleEntries = 0;
    for (int a = 0; a < 4; a++) {
      for (int p = 0; p < 6; p++) {
        String dir = "/area" + a + "/pkg" + p;
        for (int depth = 0; depth < 3; depth++) {
          dir = dir + "/d" + depth;
          Path d = Files.createDirectories(root.resolve(dir.substring(1)));
          Files.writeString(d.resolve("kept"), dir);
          Path rec = Files.writeString(d.resolve("recorded"), dir);
          Files.writeString(d.resolve("stale"), dir);
          Files.createDirectories(d.resolve("stale-dir/below"));
          staleEntries += 3; // stale, stale-dir, stale-dir/below
          regulars.add(dir + "/kept");
          regulars.add(dir + "/recorded");
          recorded.put(dir + "/recorded", FileStat.of(rec));
        }
        for (String prefix = dir; prefix.lastIndexOf('/') > 0; prefix = prefix.substring(0, prefix.lastIndexOf('/'))) {
          dirs.add(prefix);
        }
        dirs.add("/area" + a);
      }
    }
    PlacementRecords records = recordsOf(recorded, A);
    DeltaPlan plan = plan(dirs, new HashMap<>(), regulars.toArray(String[]::new));

    long removed = StandbyCleaner.clean(new StandbyTree(root, root.resolve("boot")), plan, Set.of(),
        new KeptFiles(plan.regularPaths, records), pool);

    assertThat(removed).isEqualTo(staleEntries);
    assertThat(plan.standbyDirectories).containsExactlyInAnyOrderElementsOf(dirs);
    for (String r : regulars) {
      assertThat(plan.mayBeInStandby(r)).as(r).isTrue();
      assertThat(root.resolve(r.substring(1))).exists();
    }
    for (String r : recorded.keySet()) {
      assertThat(plan.keptFiles.take(r, A)).as(r).isEqualTo(recorded.get(r));
    }
    try (var walk = Files.walk(root)) {
      assertThat(walk.filter(f -> f.getFileName().toString().startsWith("stale"))).isEmpty();
    }
  }

  @Test
  void aStoppedPoolEndsTheCleanAsACancelNotAHang() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("slot"));
    Files.createDirectories(root.resolve("usr"));
    Files.writeString(root.resolve("usr/stale"), "s");
    DeltaPlan plan = plan(Set.of("/usr"), new HashMap<>());
    pool.shutdownNow(); // what a cancel does to the update's workers

    assertThatThrownBy(() -> StandbyCleaner.clean(new StandbyTree(root, root.resolve("boot")), plan, Set.of(), null, pool))
        .isInstanceOf(OtaException.class)
        .hasMessageContaining("cancelled");
    assertThat(root.resolve("usr/stale")).as("nothing removed once stopped").exists();
  }
}
