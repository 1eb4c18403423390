package dev.otaclient.internal.update;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PathSetTest {
  @Test
  void marksStayWithTheirPathsThroughTheTableGrowingBeforehand() {
    PathSet s = new PathSet();
    for (int i = 0; i < 1000; i++) {
      assertThat(s.add("/usr/lib/f" + i)).isTrue();
    }
    assertThat(s.add("/usr/lib/f7")).isFalse();
    assertThat(s.isMarked("/usr/lib/f7")).isFalse();

    s.markSlot(s.indexOf("/usr/lib/f7"));
    s.markSlot(s.indexOf("/usr/lib/f999"));

    assertThat(s.isMarked("/usr/lib/f7")).isTrue();
    assertThat(s.isMarked("/usr/lib/f999")).isTrue();
    assertThat(s.isMarked("/usr/lib/f8")).isFalse();
    assertThat(s.isMarked("/not/there")).isFalse();
    assertThat(s.size()).isEqualTo(1000);
  }

  @Test
  void onlyMembersAreMarkedAndMarkingEndsAdding() {
    PathSet s = new PathSet();
    s.add("/a");
    assertThatThrownBy(() -> s.markSlot(s.indexOf("/b"))).isInstanceOf(IllegalArgumentException.class);
    s.markSlot(s.indexOf("/a"));
    // a later add could move paths to other slots, where the marks would no longer be theirs
    assertThatThrownBy(() -> s.add("/c")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aSlotFromIndexOfMarksItsPath() {
    PathSet s = new PathSet();
    s.add("/a");
    s.add("/b");
    assertThat(s.indexOf("/c")).isEqualTo(-1);

    s.markSlot(s.indexOf("/b"));

    assertThat(s.isMarked("/b")).isTrue();
    assertThat(s.isMarked("/a")).isFalse();
    int empty = 0;
    while (empty == s.indexOf("/a") || empty == s.indexOf("/b")) {
      empty++;
    }
    int free = empty;
    assertThatThrownBy(() -> s.markSlot(free)).isInstanceOf(IllegalArgumentException.class);
  }
}
