package dev.otaclient.internal.update;

import dev.otaclient.internal.fs.Sha256;
import java.util.Arrays;

/**
 * The placement records loaded at the start of an update, in primitive arrays: per record a 64-bit
 * hash of the path and nine longs (sha256, size, mtime, ctime, device, inode), about 80 bytes where a
 * map of strings took several hundred. Filled by one thread, then {@link #seal() sealed} and only read.
 *
 * <p>Keying by a hash of the path instead of the path is safe: a record is accepted only when the file
 * at the looked-up path is the very inode the record names, unchanged since (ctime), so a record of
 * another path that collided could only ever describe the same file.
 */
final class PlacementRecords {
  private static final int STRIDE = 9;

  private long[] keys = new long[64];
  private long[] data = new long[64 * STRIDE];
  private int count;
  /** Open addressing over record numbers + 1 (0 = free); built by {@link #seal()}. */
  private int[] table;
  private int distinct;

  void add(String path, Sha256 sha, long size, long mtimeNanos, long ctimeNanos, long dev, long ino) {
    if (table != null) {
      throw new IllegalStateException("sealed");
    }
    if (count == keys.length) {
      int n = keys.length + (keys.length >> 1);
      keys = Arrays.copyOf(keys, n);
      data = Arrays.copyOf(data, n * STRIDE);
    }
    keys[count] = pathHash(path);
    int o = count * STRIDE;
    for (int i = 0; i < 4; i++) {
      data[o + i] = sha.word(i);
    }
    data[o + 4] = size;
    data[o + 5] = mtimeNanos;
    data[o + 6] = ctimeNanos;
    data[o + 7] = dev;
    data[o + 8] = ino;
    count++;
  }

  /** Indexes the records; for a path recorded more than once the last record wins. */
  void seal() {
    keys = Arrays.copyOf(keys, count);
    data = Arrays.copyOf(data, count * STRIDE);
    int cap = Integer.highestOneBit(Math.max(2, count) * 2 - 1) << 1;
    table = new int[cap];
    for (int r = 0; r < count; r++) {
      int slot = find(keys[r]);
      if (table[slot] == 0) {
        distinct++;
      }
      table[slot] = r + 1;
    }
  }

  /** Number of distinct paths recorded. */
  int size() {
    return distinct;
  }

  /** True when {@code path} is recorded with {@code sha} and {@code now} is that file, unchanged. */
  boolean matches(String path, Sha256 sha, FileStat now) {
    int r = recordOf(path);
    return r >= 0 && holds(r, sha) && describes(r, now);
  }

  /** The number of {@code path}'s record, or -1. */
  int recordOf(String path) {
    if (table == null || count == 0) {
      return -1;
    }
    return table[find(pathHash(path))] - 1;
  }

  /** Whether record {@code r} vouches for {@code sha}. */
  boolean holds(int r, Sha256 sha) {
    int o = r * STRIDE;
    for (int i = 0; i < 4; i++) {
      if (data[o + i] != sha.word(i)) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code now} is the file record {@code r} names, unchanged since. */
  boolean describes(int r, FileStat now) {
    int o = r * STRIDE;
    return data[o + 4] == now.size() && data[o + 5] == now.mtimeNanos() && data[o + 6] == now.ctimeNanos()
        && data[o + 7] == now.dev() && data[o + 8] == now.ino();
  }

  /** The {@code lstat} that record {@code r} pins, completed with the fields a record does not hold. */
  FileStat stat(int r, int mode, int uid, int gid) {
    int o = r * STRIDE;
    return new FileStat(mode, data[o + 4], data[o + 5], data[o + 6], data[o + 7], data[o + 8], uid, gid);
  }

  private int find(long key) {
    int mask = table.length - 1;
    int i = (int) mix(key) & mask;
    while (table[i] != 0 && keys[table[i] - 1] != key) {
      i = (i + 1) & mask;
    }
    return i;
  }

  /** 64-bit FNV-1a over the UTF-16 code units. */
  static long pathHash(String path) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < path.length(); i++) {
      h ^= path.charAt(i);
      h *= 0x100000001b3L;
    }
    return h;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }
}
