package dev.otaclient.reliability;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** Settings of the seeded reliability suites. */
final class Suite {
  private Suite() {}

  /** Whether the long (local) variant of the suites was asked for with {@code -Dreliability.long=true}. */
  static boolean longRun() {
    return Boolean.getBoolean("reliability.long");
  }

  /** The seed of the seeded suites: {@code -Dreliability.seed=N}, else a fixed default so CI is reproducible. */
  static long seed() {
    return Long.getLong("reliability.seed", 20_240_917L);
  }

  /**
   * The seeded moments a crash suite stops at a little after a step: all of {@code candidates} with a
   * long run, else {@code -Dreliability.<suite>.later=N} of them (default 12) drawn with {@code r}. Every
   * step is still stopped at right at it; the sample keeps a suite within minutes on a two-core machine.
   */
  static <T> List<T> laterSample(List<T> candidates, Random r, String suite) {
    List<T> later = new ArrayList<>(candidates);
    Collections.shuffle(later, r);
    int n = longRun() ? later.size() : Math.min(later.size(), Integer.getInteger("reliability." + suite + ".later", 12));
    return later.subList(0, n);
  }
}
