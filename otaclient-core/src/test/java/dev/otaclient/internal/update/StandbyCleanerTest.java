package dev.otaclient.internal.update;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.internal.slot.StandbyTree;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-place clean: what it removes and what it keeps. */
class StandbyCleanerTest {
  @TempDir
  Path tmp;

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

    long removed = StandbyCleaner.clean(new StandbyTree(root, root.resolve("boot")), plan, Set.of());

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

  @Test
  void theWorkDirectoryAndTheControllersOwnFilesStay() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("slot"));
    Files.createDirectories(root.resolve(".ota-work"));
    Files.writeString(root.resolve(".ota-work/journal"), "j");
    Files.createDirectories(root.resolve("boot/ota/status"));
    Files.writeString(root.resolve("boot/ota/status/version"), "v2");
    Files.writeString(root.resolve("boot/other"), "o");
    DeltaPlan plan = plan(Set.of(), new HashMap<>());

    long removed = StandbyCleaner.clean(new StandbyTree(root, root.resolve("boot")), plan, Set.of("/boot/ota/status"));

    assertThat(root.resolve(".ota-work/journal")).exists();
    assertThat(root.resolve("boot/ota/status/version")).exists();
    assertThat(root.resolve("boot/other")).doesNotExist();
    assertThat(removed).isEqualTo(1);
  }
}
