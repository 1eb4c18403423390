package dev.otaclient.reliability;

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
}
