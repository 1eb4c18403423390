package dev.otaclient.internal.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.OtaException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Backend names (TIER IV's {@code bootloader} values and ours) and the detection behind {@code auto_detect}. */
class BootBackendTest {
  @TempDir Path root;

  @Test
  void namesOfTierIvAndOursAreAcceptedAndOthersRefusedWithTheList() {
    assertThat(BootBackend.parse("rpi_boot")).isEqualTo(BootBackend.RPI_TRYBOOT);
    assertThat(BootBackend.parse("CBOOT")).isEqualTo(BootBackend.JETSON_CBOOT);
    assertThat(BootBackend.parse("jetson-uefi")).isEqualTo(BootBackend.JETSON_UEFI);
    assertThat(BootBackend.isKnown("auto_detect")).isTrue();
    assertThat(BootBackend.isKnown("uboot")).isFalse();
    assertThatThrownBy(() -> BootBackend.parse("auto_detect")).isInstanceOf(OtaException.class);
    assertThatThrownBy(() -> BootBackend.parse("uboot")).isInstanceOf(OtaException.class)
        .hasMessageContaining("'uboot'").hasMessageContaining("jetson-uefi");
  }

  @Test
  void detectionFollowsTheMachinesEvidence() throws Exception {
    assertThat(BootBackend.detect(root, "amd64")).isEqualTo(BootBackend.GRUB);
    Path chip = root.resolve("sys/module/tegra_fuse/parameters/tegra_chip_id");
    Files.createDirectories(chip.getParent());
    Files.writeString(chip, "0x19\n");
    assertThat(BootBackend.detect(root, "aarch64")).isEqualTo(BootBackend.JETSON_CBOOT);
    Files.writeString(chip, "0x23\n");
    assertThat(BootBackend.detect(root, "aarch64")).isEqualTo(BootBackend.JETSON_UEFI);
    Files.delete(chip);
    Path model = root.resolve("proc/device-tree/model");
    Files.createDirectories(model.getParent());
    Files.writeString(model, "Raspberry Pi 4 Model B Rev 1.4\0");
    assertThat(BootBackend.detect(root, "aarch64")).isEqualTo(BootBackend.RPI_TRYBOOT);
    Files.writeString(model, "Raspberry Pi 3 Model B\0");
    assertThatThrownBy(() -> BootBackend.detect(root, "aarch64")).isInstanceOf(OtaException.class)
        .satisfies(e -> assertThat(((OtaException) e).code()).isEqualTo(ErrorCode.PLATFORM_UNSUPPORTED))
        .hasMessageContaining("aarch64");
  }
}
