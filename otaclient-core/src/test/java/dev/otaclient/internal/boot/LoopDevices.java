package dev.otaclient.internal.boot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Loop device numbers held by this JVM. A rig that powers a device off (detaches its loop devices)
 * and on again must get the same devices back, and {@code losetup -f} in any other process (another
 * build on the machine) would take the lowest free device in between. Devices handed out here come
 * from a range {@code losetup -f} does not reach while fewer than {@link #FIRST} devices are in use,
 * and each is locked ({@code flock} on a file in /tmp) for as long as this JVM lives, so that another
 * JVM using this class skips it.
 */
public final class LoopDevices {
  static final int FIRST = 64;
  private static final int LAST = 255;
  private static final List<FileLock> HELD = new ArrayList<>();

  private LoopDevices() {}

  /** A loop device node ({@code /dev/loopN}, created by losetup when it is first attached) for this JVM only. */
  public static synchronized String reserve() {
    List<Integer> candidates = new ArrayList<>();
    for (int n = FIRST; n <= LAST; n++) {
      candidates.add(n);
    }
    Collections.shuffle(candidates);
    for (int n : candidates) {
      FileLock lock = tryLock(Path.of(System.getProperty("java.io.tmpdir"), "otaclient-loop-" + n + ".lock"));
      if (lock == null) {
        continue; // another JVM holds it
      }
      String dev = "/dev/loop" + n;
      if (inUse(dev)) {
        release(lock); // attached by someone who does not lock: leave it alone
        continue;
      }
      HELD.add(lock); // held until this JVM exits
      return dev;
    }
    throw new IllegalStateException("no free loop device between /dev/loop" + FIRST + " and /dev/loop" + LAST);
  }

  private static FileLock tryLock(Path file) {
    try {
      FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = ch.tryLock();
      } catch (java.nio.channels.OverlappingFileLockException e) {
        lock = null; // held by this JVM already (an earlier reservation)
      }
      if (lock == null) {
        ch.close();
      }
      return lock;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void release(FileLock lock) {
    try {
      lock.channel().close();
    } catch (IOException ignored) {
      // released anyway when the channel goes
    }
  }

  /** Whether {@code dev} is attached to a file ({@code losetup <dev>} succeeds only then). */
  private static boolean inUse(String dev) {
    try {
      Process p = new ProcessBuilder("losetup", dev).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return p.waitFor() == 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
