package dev.otaclient.internal.update;

import dev.otaclient.internal.fs.Sha256;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The content groups of a plan by sha256, iterated in list order (so files are placed roughly
 * directory by directory). An open-addressing table of the groups themselves: 8 bytes per group
 * where a {@code LinkedHashMap} entry took 40.
 */
final class ContentGroups implements Iterable<ContentGroup> {
  private ContentGroup[] table = new ContentGroup[256];
  private ContentGroup[] order = new ContentGroup[128];
  private int n;

  /** The group of {@code sha256}, created with {@code size} when it is new. */
  ContentGroup getOrAdd(Sha256 sha256, long size) {
    int i = slot(sha256);
    ContentGroup g = table[i];
    if (g != null) {
      return g;
    }
    g = new ContentGroup(sha256, size);
    table[i] = g;
    if (n == order.length) {
      order = Arrays.copyOf(order, n + (n >> 1));
    }
    order[n++] = g;
    if (n * 2 > table.length) {
      rehash();
    }
    return g;
  }

  ContentGroup get(Sha256 sha256) {
    return table[slot(sha256)];
  }

  int size() {
    return n;
  }

  private int slot(Sha256 sha256) {
    int mask = table.length - 1;
    int i = sha256.hashCode() & mask;
    while (table[i] != null && !table[i].sha256.equals(sha256)) {
      i = (i + 1) & mask;
    }
    return i;
  }

  private void rehash() {
    table = new ContentGroup[table.length * 2];
    for (int k = 0; k < n; k++) {
      table[slot(order[k].sha256)] = order[k];
    }
  }

  @Override
  public Iterator<ContentGroup> iterator() {
    return new Iterator<>() {
      private int k;

      @Override
      public boolean hasNext() {
        return k < n;
      }

      @Override
      public ContentGroup next() {
        if (k >= n) {
          throw new NoSuchElementException();
        }
        return order[k++];
      }
    };
  }
}
