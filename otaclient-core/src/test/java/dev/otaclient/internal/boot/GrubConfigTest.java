package dev.otaclient.internal.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class GrubConfigTest {
  private static final String CFG = String.join("\n",
      "set default=\"0\"",
      "menuentry 'Ubuntu' --class ubuntu {",
      "\tlinux\t/vmlinuz-ota.standby root=UUID=aaaa ro  quiet splash $vt_handoff",
      "\tinitrd\t/initrd.img-ota.standby",
      "}",
      "menuentry 'Ubuntu, with Linux ota.standby' {",
      "\tlinux\t/vmlinuz-ota.standby root=UUID=aaaa ro  quiet splash $vt_handoff",
      "}",
      "menuentry 'Ubuntu, with Linux ota' {",
      "\techo\t'Loading Linux ota ...'",
      "\tlinux\t/vmlinuz-ota root=UUID=aaaa ro  quiet splash $vt_handoff",
      "}",
      "menuentry 'Ubuntu, with Linux 5.15.0-27-generic' {",
      "\tlinux\t(hd0,gpt2)/vmlinuz-5.15.0-27-generic ro",
      "}",
      "");

  @Test
  void entryIndexMatchesTheExactKernelName() {
    assertThat(GrubConfig.menuEntryIndex(CFG, "vmlinuz-ota")).isEqualTo(OptionalInt.of(2));
    assertThat(GrubConfig.menuEntryIndex(CFG, "vmlinuz-ota.standby")).isEqualTo(OptionalInt.of(0));
    assertThat(GrubConfig.menuEntryIndex(CFG, "vmlinuz-5.15.0-27-generic")).isEqualTo(OptionalInt.of(3));
    assertThat(GrubConfig.menuEntryIndex(CFG, "vmlinuz-6.0")).isEmpty();
  }

  @Test
  void standbyEntriesGetTheStandbyRootOthersUnchanged() {
    String out = GrubConfig.rewriteStandbyRoot(CFG, "bbbb");
    assertThat(out).isEqualTo(CFG.replace(
        "/vmlinuz-ota.standby root=UUID=aaaa", "/vmlinuz-ota.standby root=UUID=bbbb"));
    assertThat(out).contains("\tlinux\t/vmlinuz-ota root=UUID=aaaa ro");
    assertThat(GrubConfig.rewriteStandbyRoot("\tlinux /vmlinuz-ota.standby ro quiet", "u"))
        .isEqualTo("\tlinux /vmlinuz-ota.standby ro quiet root=UUID=u");
  }

  @Test
  void defaultsAreReplacedInPlaceOrAppendedCommentsKept() {
    String in = "# keep me\nGRUB_DEFAULT=saved\nGRUB_TIMEOUT=10\n#GRUB_TIMEOUT=3\nGRUB_CMDLINE_LINUX=\"\"\n";
    String out = GrubConfig.rewriteDefaults(in, GrubConfig.FORCED_DEFAULTS);
    assertThat(out).isEqualTo("# keep me\nGRUB_DEFAULT=saved\nGRUB_TIMEOUT=0\n#GRUB_TIMEOUT=3\nGRUB_CMDLINE_LINUX=\"\"\n"
        + "GRUB_TIMEOUT_STYLE=menu\nGRUB_DISABLE_SUBMENU=y\nGRUB_DISABLE_OS_PROBER=true\nGRUB_DISABLE_RECOVERY=true\n");
    // Q10 fixed: index 0 is written like any other
    assertThat(GrubConfig.rewriteDefaults(out, Map.of("GRUB_DEFAULT", "0"))).startsWith("# keep me\nGRUB_DEFAULT=0\n");
  }

  @Test
  void bootedKernelFromCmdline() {
    assertThat(GrubConfig.bootedKernel("BOOT_IMAGE=/vmlinuz-5.15.0-27-generic root=UUID=x ro quiet\n"))
        .contains("vmlinuz-5.15.0-27-generic");
    assertThat(GrubConfig.bootedKernel("BOOT_IMAGE=(hd0,gpt2)/vmlinuz-ota root=UUID=x")).contains("vmlinuz-ota");
    assertThat(GrubConfig.bootedKernel("root=/dev/sda2 ro")).isEmpty();
  }

  @Test
  void slotIdsFromDeviceNames() {
    assertThat(GrubController.slotId("/dev/vda2")).isEqualTo("vda2");
    assertThat(GrubController.slotId("/dev/nvme0n1p2")).isEqualTo("nvme0n1p2");
    assertThat(GrubController.slotId("/dev/sda3")).isEqualTo("sda3");
    assertThat(GrubController.slotId("/dev/loop12")).isEqualTo("loop12");
  }

  @Test
  void versionOrder() {
    assertThat(GrubController.compareVersions("vmlinuz-5.15.0-27-generic", "vmlinuz-5.4.0-99-generic")).isPositive();
    assertThat(GrubController.compareVersions("vmlinuz-5.15.0-100-generic", "vmlinuz-5.15.0-27-generic")).isPositive();
    assertThat(GrubController.compareVersions("a", "a")).isZero();
  }
}
