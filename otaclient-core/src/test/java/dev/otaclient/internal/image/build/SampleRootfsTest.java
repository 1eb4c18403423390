package dev.otaclient.internal.image.build;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.testing.SampleRootfs;
import dev.otaclient.testing.TreeSnapshot;
import dev.otaclient.testing.TreeSnapshot.Node;
import dev.otaclient.testing.TreeSnapshot.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared fixture must really contain what its Javadoc promises; many later tests rely on it. */
class SampleRootfsTest {

  @Test
  void sampleTreeHasTheNastyEntries(@TempDir Path tmp) throws Exception {
    Path root = SampleRootfs.create(tmp.resolve("v1"));
    TreeSnapshot s = TreeSnapshot.of(root);

    assertThat(s.get("/tmp").mode()).isEqualTo(01777);
    assertThat(s.get("/root").mode()).isEqualTo(0700);
    assertThat(s.get("/usr").mode()).isEqualTo(0755);
    assertThat(s.get(SampleRootfs.SETUID).mode()).isEqualTo(04755);
    assertThat(s.get(SampleRootfs.USER_FILE)).extracting(Node::uid, Node::gid, Node::mode)
        .containsExactly(1000, 1000, 0640);
    assertThat(s.get(SampleRootfs.SYMLINK_OWNED)).extracting(Node::type, Node::uid, Node::gid)
        .containsExactly(Type.SYMLINK, 1000, 1000);
    assertThat(s.get("/home/autoware")).extracting(Node::uid, Node::mode).containsExactly(1000, 0750);

    assertThat(s.linkGroups()).containsExactlyInAnyOrder(
        List.of("/usr/share/doc/pair-a", "/usr/share/doc/pair-b"),
        List.of("/opt/triple/one", "/srv/triple-two", "/usr/lib/triple-three"));
    assertThat(s.get(SampleRootfs.DUPLICATES.get(0)).sha256())
        .isEqualTo(s.get(SampleRootfs.DUPLICATES.get(1)).sha256());
    for (String empty : SampleRootfs.EMPTY_FILES) {
      assertThat(s.get(empty).size()).isZero();
      assertThat(s.get(empty).sha256())
          .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
    for (String odd : SampleRootfs.ODD_NAMES) {
      assertThat(s.get(odd)).as(odd).isNotNull();
      assertThat(s.get(odd).type()).isEqualTo(Type.REGULAR);
    }
    assertThat(s.get(SampleRootfs.ODD_DIR).type()).isEqualTo(Type.DIRECTORY);
    assertThat(Files.exists(root.resolve("path;adf.ae?qu.er\\y=str#fragファイルement"))).isTrue();

    assertThat(s.get(SampleRootfs.SYMLINK_RELATIVE).target()).isEqualTo("usr/bin");
    assertThat(s.get(SampleRootfs.SYMLINK_ABSOLUTE).target()).isEqualTo("/usr/share/zoneinfo/Etc/UTC");
    assertThat(s.get(SampleRootfs.SYMLINK_QUOTED).target()).isEqualTo("../../ieee-data/','iab.csv");
    assertThat(Files.exists(SampleRootfs.at(root, SampleRootfs.SYMLINK_DANGLING))).isFalse();
    assertThat(s.get(SampleRootfs.SYMLINK_DANGLING).type()).isEqualTo(Type.SYMLINK);

    assertThat(s.get(SampleRootfs.COMPRESSIBLE).size()).isGreaterThan(64 * 1024);
    assertThat(s.get(SampleRootfs.RANDOM).size()).isEqualTo(64 * 1024);
    assertThat(s.get(SampleRootfs.KERNEL).type()).isEqualTo(Type.REGULAR);
    assertThat(s.get(SampleRootfs.INITRD).type()).isEqualTo(Type.REGULAR);
    assertThat(s.get(SampleRootfs.PASSWD).type()).isEqualTo(Type.REGULAR);
    assertThat(s.get(SampleRootfs.GROUP).type()).isEqualTo(Type.REGULAR);
  }

  @Test
  void twoSampleTreesAreEqualAndExclusionsWork(@TempDir Path tmp) {
    TreeSnapshot a = TreeSnapshot.of(SampleRootfs.create(tmp.resolve("a")));
    TreeSnapshot b = TreeSnapshot.of(SampleRootfs.create(tmp.resolve("b")));
    assertThat(a.diff(b)).isEmpty();
    assertThat(a).isEqualTo(b);

    TreeSnapshot withoutOdd = TreeSnapshot.of(tmp.resolve("b"), Set.of("/odd", SampleRootfs.PASSWD));
    assertThat(withoutOdd.nodes().keySet()).noneMatch(p -> p.startsWith("/odd"));
    assertThat(withoutOdd.get(SampleRootfs.PASSWD)).isNull();
    assertThat(a.diff(withoutOdd)).contains("- /odd/a,b:").contains("- /etc/passwd:");
  }

  @Test
  void v2DiffersExactlyAsDocumented(@TempDir Path tmp) {
    Path v1 = SampleRootfs.create(tmp.resolve("v1"));
    Path v2 = SampleRootfs.v2From(v1, tmp.resolve("v2"));
    TreeSnapshot s1 = TreeSnapshot.of(v1);
    TreeSnapshot s2 = TreeSnapshot.of(v2);

    List<String> lines = s1.diff(s2).lines().toList();
    assertThat(lines).hasSize(8);
    assertThat(lines).anyMatch(l -> l.startsWith("~ /etc/passwd:"))
        .anyMatch(l -> l.startsWith("~ /usr/share/big.txt:"))
        .anyMatch(l -> l.startsWith("~ /etc/group: regular mode=0644") && l.contains("-> regular mode=0600"))
        .anyMatch(l -> l.startsWith("- /usr/share/doc/README:"))
        .anyMatch(l -> l.startsWith("+ /opt/README:"))
        .anyMatch(l -> l.startsWith("- /srv/old.txt:"))
        .anyMatch(l -> l.startsWith("+ /opt/new-tool.conf:"))
        .anyMatch(l -> l.startsWith("+ /etc/new.conf:"));
    assertThat(s2.get(SampleRootfs.V2_MODE_CHANGED).mode()).isEqualTo(SampleRootfs.V2_NEW_MODE);
    assertThat(s2.get(SampleRootfs.V2_MOVED_TO).sha256()).isEqualTo(s1.get(SampleRootfs.MOVED_FROM).sha256());
    assertThat(s2.linkGroups()).isEqualTo(s1.linkGroups());
    assertThat(s2.get(SampleRootfs.USER_FILE).uid()).isEqualTo(1000);
  }
}
