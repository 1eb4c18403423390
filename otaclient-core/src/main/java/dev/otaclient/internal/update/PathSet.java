package dev.otaclient.internal.update;

/**
 * A set of image paths in an open-addressing table: 8 bytes per path where a {@code HashSet} node took
 * about 40. {@link #get} returns the stored instance, so other structures can share it.
 */
final class PathSet {
  private String[] table = new String[256];
  private int n;
  /** One bit per table slot ({@link #markSlot}); null until the first mark. */
  private java.util.BitSet marks;

  /** Adds {@code path}; false when it was already present. */
  boolean add(String path) {
    if (marks != null) {
      throw new IllegalStateException("marked paths are final");
    }
    int i = slot(path);
    if (table[i] != null) {
      return false;
    }
    table[i] = path;
    if (++n * 2 > table.length) {
      String[] old = table;
      table = new String[old.length * 2];
      for (String p : old) {
        if (p != null) {
          table[slot(p)] = p;
        }
      }
    }
    return true;
  }

  boolean contains(String path) {
    return table[slot(path)] != null;
  }

  /** The stored instance equal to {@code path}, or null. */
  String get(String path) {
    return table[slot(path)];
  }

  int size() {
    return n;
  }

  /**
   * Marks the path in slot {@code i} ({@link #indexOf}), which must hold one: the caller already has
   * the slot and looks up no path again. No path can be added afterwards. Threads may mark at the same
   * time (the in-place clean walks directories in parallel); marks are read after a hand-over (the end
   * of the clean's tasks, then a task submission).
   */
  synchronized void markSlot(int i) {
    if (i < 0 || i >= table.length || table[i] == null) {
      throw new IllegalArgumentException("no path in slot " + i);
    }
    if (marks == null) {
      marks = new java.util.BitSet(table.length);
    }
    marks.set(i);
  }

  /**
   * The table slot of {@code path}, or -1 when it is not in the set: an index for arrays kept beside
   * the set ({@link #capacity()} long), stable once paths are marked (no path can be added then).
   */
  int indexOf(String path) {
    int i = slot(path);
    return table[i] == null ? -1 : i;
  }

  int capacity() {
    return table.length;
  }

  boolean isMarked(String path) {
    return marks != null && marks.get(slot(path));
  }

  private int slot(String path) {
    int mask = table.length - 1;
    // Fibonacci hashing: the top bits of the product mix all bits of String.hashCode, whose low bits
    // alone would put paths that differ in their last character into neighbouring slots
    int i = (path.hashCode() * 0x9E3779B9) >>> (32 - Integer.numberOfTrailingZeros(table.length));
    while (table[i] != null && !table[i].equals(path)) {
      i = (i + 1) & mask;
    }
    return i;
  }
}
