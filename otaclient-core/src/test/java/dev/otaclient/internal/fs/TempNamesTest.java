package dev.otaclient.internal.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TempNamesTest {
  @TempDir Path dir;

  @Test
  void aTempNameSitsBesideItsTargetAndIsRecognisedAsItsOwn() {
    Path target = dir.resolve("grub.cfg");
    Path tmp = TempNames.beside(target);

    assertThat(tmp.getParent()).isEqualTo(dir);
    assertThat(tmp.getFileName().toString()).matches("\\.grub\\.cfg\\.tmp[0-9]+");
    assertThat(TempNames.isTemp(tmp.getFileName().toString())).isTrue();
    assertThat(TempNames.isTempOf(tmp.getFileName().toString(), target)).isTrue();
    assertThat(TempNames.isTempOf(tmp.getFileName().toString(), dir.resolve("grub"))).isFalse();
  }

  @Test
  void everyCallGivesAnotherNameAcrossThreads() throws InterruptedException {
    Path target = dir.resolve("f");
    Set<Path> names = java.util.concurrent.ConcurrentHashMap.newKeySet();
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      threads[t] = new Thread(() -> {
        for (int i = 0; i < 1000; i++) {
          names.add(TempNames.beside(target));
        }
      });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(names).hasSize(4000);
  }

  @Test
  void ordinaryNamesAreNotTempNames() {
    for (String name : new String[] {"grub.cfg", "notes.tmp1", ".hidden", ".x.tmp", ".x.tmpa1", "..tmp1", ".tmp1"}) {
      assertThat(TempNames.isTemp(name)).as(name).isFalse();
    }
    assertThat(TempNames.isTempOf(".grub.tmp", dir.resolve("grub"))).isFalse();
    assertThat(TempNames.isTempOf(".grub.tmp1x", dir.resolve("grub"))).isFalse();
  }

  @Test
  void theLongestFileNameStillGetsAValidTempName() throws IOException {
    // 255 bytes, the most a Linux file name may have; 2-byte characters so a cut could split one
    String longest = "a" + "é".repeat(127);
    assertThat(longest.getBytes(StandardCharsets.UTF_8)).hasSize(255);
    Path target = Files.writeString(dir.resolve(longest), "x");

    Path tmp = TempNames.beside(target);
    Files.writeString(tmp, "y");

    assertThat(tmp.getFileName().toString().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(255);
    assertThat(TempNames.isTempOf(tmp.getFileName().toString(), target)).isTrue();
    assertThat(TempNames.removeLeftoversOf(target)).isEqualTo(1);
    assertThat(target).exists();
  }

  @Test
  void removeLeftoversDeletesTempNamesOnlyAndKeepsDirectories() throws IOException {
    Path kept = Files.writeString(dir.resolve("status"), "SUCCESS");
    Path fromAWrite = Files.writeString(TempNames.beside(kept), "SUCC");
    Path tornLink = Files.createSymbolicLink(TempNames.beside(dir.resolve("link")), Path.of("nowhere"));
    Path notOurs = Files.writeString(dir.resolve("notes.tmp1"), "x");
    Path aDirectory = Files.createDirectory(dir.resolve(".d.tmp1"));

    assertThat(TempNames.removeLeftovers(dir)).isEqualTo(2);

    assertThat(fromAWrite).doesNotExist();
    assertThat(Files.exists(tornLink, java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(kept).exists();
    assertThat(notOurs).exists();
    assertThat(aDirectory).isDirectory();
  }

  @Test
  void removeLeftoversOfOneFileLeavesTheOtherFilesTempNames() throws IOException {
    Path grub = dir.resolve("grub");
    Path mine = Files.writeString(TempNames.beside(grub), "GRUB_");
    Path someoneElses = Files.writeString(TempNames.beside(dir.resolve("keyboard")), "x");
    Path longerName = Files.writeString(TempNames.beside(dir.resolve("grub.d")), "x");

    assertThat(TempNames.removeLeftoversOf(grub)).isEqualTo(1);

    assertThat(mine).doesNotExist();
    assertThat(someoneElses).exists();
    assertThat(longerName).exists();
    assertThat(TempNames.removeLeftoversOf(dir.resolve("missing-dir/x"))).isZero();
  }

  @Test
  void atomicWritesLeaveNothingTheSweepWouldFind() throws IOException {
    AtomicFiles.writeString(dir.resolve("a"), "1");
    AtomicFiles.replaceSymlink(dir.resolve("l"), Path.of("a"));
    AtomicFiles.copy(dir.resolve("a"), dir.resolve("b"));

    Set<String> names = new HashSet<>();
    try (var s = Files.list(dir)) {
      s.forEach(p -> names.add(p.getFileName().toString()));
    }
    assertThat(names).containsExactlyInAnyOrder("a", "l", "b");
    assertThat(Files.readString(dir.resolve("b"))).isEqualTo("1");
  }
}
