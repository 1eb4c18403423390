package dev.otaclient.internal.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.OtaException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared block-device work against the fake commands of {@link FakeSystem}. */
class PartitionsTest {
  static final String UUID = "0f0e0d0c-0b0a-4908-8706-050403020100";

  @TempDir Path tmp;
  FakeSystem fake;
  Partitions partitions;

  @BeforeEach
  void setUp() throws IOException {
    fake = new FakeSystem(tmp.resolve("fake"))
        .install("findmnt", FakeSystem.FINDMNT)
        .install("mount", FakeSystem.MOUNT)
        .install("umount", FakeSystem.UMOUNT)
        .install("blkid", FakeSystem.BLKID)
        .install("dumpe2fs", FakeSystem.DUMPE2FS)
        .install("mkfs.ext4", FakeSystem.RECORD_ONLY);
    fake.table("blkid", "/dev/sda3 " + UUID + " part-3 rootfs_b", "/dev/sda4 " + UUID + " part-4");
    partitions = new Partitions(fake.runner());
  }

  @Test
  void mountSourceNamesTheDeviceAlsoOfABindMount() throws IOException {
    fake.mount(tmp.resolve("root"), "/dev/sda2");
    fake.mount(tmp.resolve("ref"), "/dev/sda2[/sub]");

    assertThat(partitions.mountSource(tmp.resolve("root"))).contains("/dev/sda2");
    assertThat(partitions.mountSource(tmp.resolve("ref"))).contains("/dev/sda2");
    assertThat(partitions.mountSource(tmp.resolve("nothing"))).isEmpty();
  }

  @Test
  void formattingKeepsTheUuidAndTheLabel() throws IOException {
    partitions.formatExt4("/dev/sda3");
    partitions.formatExt4("/dev/sda4");
    partitions.formatExt4("/dev/sda9");

    assertThat(fake.calls()).filteredOn(l -> l.startsWith("mkfs")).containsExactly(
        "mkfs.ext4 -F -q -U " + UUID + " -L rootfs_b /dev/sda3",
        "mkfs.ext4 -F -q -U " + UUID + " /dev/sda4",
        "mkfs.ext4 -F -q /dev/sda9");
  }

  @Test
  void aCleanFileSystemIsReusedOnlyWhenAskedFor() throws IOException {
    assertThat(partitions.reuseOrFormat("/dev/sda4", true)).isTrue();
    assertThat(fake.calls()).containsExactly("dumpe2fs -h /dev/sda4");

    fake.clearCalls();
    assertThat(partitions.reuseOrFormat("/dev/sda4", false)).isFalse();
    assertThat(fake.calls()).noneMatch(l -> l.startsWith("dumpe2fs")).anyMatch(l -> l.startsWith("mkfs.ext4"));

    fake.table("fsstate", "not clean with errors");
    fake.clearCalls();
    assertThat(partitions.reuseOrFormat("/dev/sda4", true)).isFalse();
    assertThat(fake.calls()).containsSubsequence("dumpe2fs -h /dev/sda4", "mkfs.ext4 -F -q -U " + UUID + " /dev/sda4");
  }

  @Test
  void aDeviceDumpe2fsCannotReadIsNotClean() throws IOException {
    fake.install("dumpe2fs", "echo 'Bad magic number in super-block' >&2; exit 1\n");
    assertThat(partitions.isClean("/dev/sda4")).isFalse();
  }

  @Test
  void theStandbyIsMountedPrivateAndTheRootBoundReadOnly() throws IOException {
    Path standby = tmp.resolve("mnt/standby");
    Path refroot = tmp.resolve("mnt/refroot");
    partitions.mountStandby("/dev/sda4", standby);
    partitions.bindReadOnly(tmp.resolve("root"), refroot);

    assertThat(standby).isDirectory();
    assertThat(refroot).isDirectory();
    assertThat(fake.calls()).containsExactly(
        "mount -o rw --make-private --make-unbindable /dev/sda4 " + standby,
        "mount -o bind,ro,unbindable " + tmp.resolve("root") + " " + refroot);
    assertThat(partitions.mountSource(standby)).contains("/dev/sda4");
  }

  @Test
  void releaseUnmountsWhatIsMountedTriesEveryOneAndThrowsTheFirstFailure() throws IOException {
    Path a = tmp.resolve("a");
    Path busy = tmp.resolve("busy");
    Path b = tmp.resolve("b");
    fake.mount(busy, "/dev/sda3");
    fake.mount(b, "/dev/sda4");
    fake.install("umount", "case \"$1\" in */busy) echo 'target is busy' >&2; exit 32 ;; esac\n" + FakeSystem.UMOUNT);

    assertThatThrownBy(() -> partitions.release(ErrorCode.POST_UPDATE, List.of(a, busy, b)))
        .isInstanceOfSatisfying(OtaException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.POST_UPDATE);
          assertThat(e.detail()).contains("target is busy");
        });
    assertThat(fake.calls()).filteredOn(l -> l.startsWith("umount")).containsExactly("umount " + busy, "umount " + b);
    assertThat(fake.mounted(b)).isFalse();
    assertThat(fake.mounted(busy)).isTrue();
  }

  @Test
  void aMissingUuidFailsWithTheCallersCode() {
    assertThatThrownBy(() -> partitions.uuid("/dev/sda9", ErrorCode.POST_UPDATE))
        .isInstanceOfSatisfying(OtaException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.POST_UPDATE);
          assertThat(e.detail()).isEqualTo("no file-system UUID on /dev/sda9");
        });
    assertThat(partitions.tag("/dev/sda3", "PARTUUID", ErrorCode.POST_UPDATE)).contains("part-3");
  }
}
