package dev.otaclient.internal.slot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.internal.image.ListKind;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SlotLayoutTest {
  @Test
  void theStandardLayoutIsWhereSlotsOnDevicesAlreadyHaveTheirFiles() {
    SlotLayout l = SlotLayout.STANDARD;
    // a changed name would orphan every slot written before it: these are pinned
    assertThat(l.journal()).isEqualTo("/.ota-work/journal");
    assertThat(l.manifest()).isEqualTo("/opt/ota/image-meta/slot-manifest");
    assertThat(l.savedList(ListKind.DIRECTORIES)).isEqualTo("/opt/ota/image-meta/dirs.txt");
    assertThat(l.savedList(ListKind.SYMLINKS)).isEqualTo("/opt/ota/image-meta/symlinks.txt");
    assertThat(l.savedList(ListKind.REGULARS)).isEqualTo("/opt/ota/image-meta/regulars.txt");
    assertThat(l.savedList(ListKind.PERSISTENTS)).isEqualTo("/opt/ota/image-meta/persistents.txt");
    assertThat(SlotLayout.in(Path.of("/mnt/standby"), l.manifest()))
        .isEqualTo(Path.of("/mnt/standby/opt/ota/image-meta/slot-manifest"));
  }

  @Test
  void theWorkDirMustSitAtTheTopOfTheSlot() {
    // the delta scan skips it by its top-level name
    assertThatThrownBy(() -> new SlotLayout("/var/.ota-work", "/opt/ota/image-meta"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SlotLayout(".ota-work", "/opt/ota/image-meta"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SlotLayout("/.ota-work", "opt/ota/image-meta"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
