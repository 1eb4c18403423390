package dev.otaclient.internal.boot;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

  private static final CommandRunner SYSTEM = CommandRunner.system();

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

  /**
   * Powers a rig's disk on: attaches {@code work/<part>.img} of each of {@code parts}, in order, to the
   * loop devices the first power-on reserved (here) and recorded in {@code work/devices}, so a device
   * comes back with the same names at every boot, as a disk's partitions do. Returns part → device.
   */
  public static Map<String, String> attach(Path work, List<String> parts) throws IOException {
    Path recorded = work.resolve("devices");
    List<String> known = Files.exists(recorded) ? Files.readAllLines(recorded) : List.of();
    Map<String, String> devices = new LinkedHashMap<>();
    for (int i = 0; i < parts.size(); i++) {
      String dev = i < known.size() ? known.get(i) : reserve();
      SYSTEM.run(ErrorCode.UNRECOVERABLE, "losetup", dev, work.resolve(parts.get(i) + ".img").toString());
      devices.put(parts.get(i), dev);
    }
    if (known.isEmpty()) {
      Files.write(recorded, List.copyOf(devices.values()));
    }
    return devices;
  }

  /**
   * Detaches {@code devices} (their mounts already released) and returns once each is free again: a
   * detach waits for the last reference (a lazy unmount, a mount namespace the kernel tears down later,
   * fusefat letting go after its unmount returned), and the next power-on needs the same devices.
   */
  public static void detach(Collection<String> devices) {
    for (String dev : devices) {
      SYSTEM.runAllowingFailure(ErrorCode.UNRECOVERABLE, List.of("losetup", "-d", dev));
    }
    for (String dev : devices) {
      Await.until(dev + " detached", () -> !inUse(dev));
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
