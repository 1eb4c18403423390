package dev.otaclient.internal.boot;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FstabMergeTest {
  @Test
  void identicalFstabsOnlyChangeTheRootDevice() {
    String fstab = "# comment\nUUID=44d1e0c2-0000-4000-8000-0000000000aa\t/\text4\terrors=remount-ro\t0\t1\n"
        + "UUID=0000-1111\t/boot/efi\tvfat\tumask=0077\t0\t1\n";
    String merged = FstabMerge.merge(fstab, fstab, "bbbbbbbb-1111-4000-8000-000000000000");
    assertThat(merged).isEqualTo("# comment\nUUID=bbbbbbbb-1111-4000-8000-000000000000\t/\text4\terrors=remount-ro\t0\t1\n"
        + "UUID=0000-1111\t/boot/efi\tvfat\tumask=0077\t0\t1");
  }

  @Test
  void activeEntriesKeptImageEntriesReplaceOrAppendImageRootDropped() {
    String merged = FstabMerge.merge(FakeSystem.resource("boot/grub/fstab.active"),
        FakeSystem.resource("boot/grub/fstab.image"), "bbbbbbbb-0000-4000-8000-000000000002");
    assertThat(merged).isEqualTo(FakeSystem.resource("boot/grub/fstab.merged.expected"));
  }

  @Test
  void blankAndUnparseableLinesAreVerbatimAndSpacesBecomeTabs() {
    String active = "UUID=a  /  ext4  defaults  0  1\n\n  weird line\n/dev/sdb1 /data ext4 defaults\n";
    String image = "";
    assertThat(FstabMerge.merge(active, image, "u"))
        .isEqualTo("UUID=u\t/\text4\tdefaults\t0\t1\n\n  weird line\n/dev/sdb1\t/data\text4\tdefaults");
  }
}
