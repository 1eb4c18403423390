package dev.otaclient.internal.boot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The stand-in commands of the loop-device rigs that a crash suite stops at, and the stop itself,
 * shared by every back-end's rig and by the child JVM ({@code DeviceCrashProbe}).
 *
 * <p>With {@code OTA_PROBE_EVENTS} set (a child JVM under test), a wrapped command prints
 * {@code EV CMD <name>} before and {@code EV CMD-DONE <name>} after it runs on the JVM's stdout. When
 * the event and its occurrence match {@code OTA_PROBE_STOP_AT}/{@code OTA_PROBE_STOP_NTH}, the stop
 * script {@code ota-stop} is started in a session of its own: after the delay it freezes the JVM's
 * process group (SIGSTOP, so nothing moves while the power goes), cuts the power, and SIGKILLs the group
 * (the JVM and every command it runs, as systemd stops a service).
 *
 * <p>The power cut, as a device sees it: each ext4 mount point of {@code OTA_PROBE_CUT} that is a loop
 * device's gets {@code EXT4_IOC_SHUTDOWN} without flushing (see {@code LoopFs}); each image file of
 * {@code OTA_PROBE_SNAPSHOT} (a FAT partition served by fusefat, which cannot be shut down) is copied as
 * its loop device has written it so far, to {@code <image>.cut}, which {@link #restoreCutImages} puts in
 * place once the device is off: whatever sat in the loop device's buffers is lost.
 */
public final class ProbeStandIns {
  /**
   * EXT4_IOC_SHUTDOWN with EXT4_GOING_FLAGS_NOLOGFLUSH on each mount point in @ARGV. A mount point
   * whose file system is not on a loop device (major 7) is skipped: a mount gone by now would leave the
   * host's own file system under the path, which must never be shut down.
   */
  public static final String CUT_PERL = "for my $m (@ARGV) { open(my $f, \"<\", $m) or die \"open $m: $!\"; "
      + "my $d = (stat($f))[0]; next unless ((($d >> 8) & 0xfff) | (($d >> 32) & ~0xfff)) == 7; "
      + "ioctl($f, 0x8004587d, pack(\"L\", 2)) or die \"ioctl $m: $!\"; }";

  private static final String STOP = """
      #!/bin/sh
      # ota-stop <process group> <delay in seconds>
      g=$1
      sleep "$2"
      kill -STOP -"$g"
      cut=""
      for m in $OTA_PROBE_CUT; do
        case $(findmnt -n -o SOURCE --mountpoint "$m") in /dev/loop*) cut="$cut $m" ;; esac
      done
      [ -z "$cut" ] || perl -e '@CUT@' $cut
      for img in $OTA_PROBE_SNAPSHOT; do cp --sparse=always "$img" "$img.cut"; done
      kill -KILL -"$g"
      """;

  private ProbeStandIns() {}

  /** Installs {@code name} as {@code command} (a shell line; {@code $D} is the stand-in directory) with its events. */
  static void wrapped(FakeSystem fake, String name, String command) throws IOException {
    installStop(fake.dir);
    fake.install(name, """
        ev() {
          [ -n "$OTA_PROBE_EVENTS" ] || return 0
          echo "EV $1 @NAME@" > /proc/$PPID/fd/1
          [ "$OTA_PROBE_STOP_AT" = "$1 @NAME@" ] || return 0
          n=0; [ -f "$D/stop.count" ] && read -r n < "$D/stop.count"; n=$((n + 1)); echo $n > "$D/stop.count"
          [ "$n" = "$OTA_PROBE_STOP_NTH" ] || return 0
          : > "$D/stop.pending"
          # right at the event: wait for the stop here (this command is frozen and killed with the group)
          case "$OTA_PROBE_STOP_DELAY" in
            0|0.000000) setsid -w sh "$D/ota-stop" $PPID 0 </dev/null >/dev/null 2>&1 ;;
            *) setsid sh "$D/ota-stop" $PPID "$OTA_PROBE_STOP_DELAY" </dev/null >/dev/null 2>&1 & ;;
          esac
        }
        ev CMD
        @COMMAND@
        rc=$?
        ev CMD-DONE
        exit $rc
        """.replace("@NAME@", name).replace("@COMMAND@", command));
  }

  private static void installStop(Path dir) throws IOException {
    Path p = dir.resolve("ota-stop");
    if (!Files.exists(p)) {
      Files.writeString(p, STOP.replace("@CUT@", CUT_PERL));
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  /**
   * {@code mount} and {@code umount} for rigs with a FAT partition served by fusefat (this kernel has no
   * vfat driver): a mount of {@code fatDevice} starts fusefat, its unmount flushes the loop device's
   * buffers afterwards, as the kernel's vfat driver writes everything back at unmount.
   */
  static void fatAwareMounts(FakeSystem fake, String fatDevice) throws IOException {
    wrapped(fake, "mount", "n=$#; eval src=\\${$((n-1))}; eval mnt=\\${$n}\n"
        + "if [ \"$src\" = '" + fatDevice + "' ]; then fusefat -o rw+,fsname=\"$src\" \"$src\" \"$mnt\"; "
        + "else /usr/bin/mount \"$@\"; fi");
    wrapped(fake, "umount", "last=\"\"; for a in \"$@\"; do last=\"$a\"; done\n"
        + "fs=$(findmnt -n -o FSTYPE --mountpoint \"$last\"); src=$(findmnt -n -o SOURCE --mountpoint \"$last\")\n"
        + "/usr/bin/umount \"$@\" && case \"$fs\" in fuse*) blockdev --flushbufs \"$src\" ;; esac");
    syncStandIn(fake);
  }

  /**
   * {@code sync} (the client's {@code sync -f}, run through the child JVM's PATH): on a fusefat mount,
   * which implements neither syncfs nor fsync, the loop device's buffers are flushed instead, which is
   * what the kernel's vfat driver does for a syncfs; elsewhere the real sync.
   */
  static void syncStandIn(FakeSystem fake) throws IOException {
    wrapped(fake, "sync", "for a in \"$@\"; do case \"$a\" in -*) ;; *) t=\"$a\" ;; esac; done\n"
        + "if [ -n \"$t\" ] && findmnt -n -o FSTYPE --target \"$t\" | grep -q '^fuse'; then "
        + "blockdev --flushbufs \"$(findmnt -n -o SOURCE --target \"$t\")\"; else /usr/bin/sync \"$@\"; fi");
  }

  /**
   * The environment of a child JVM that must stop at the {@code nth} event {@code event} (e.g.
   * {@code CMD-DONE mount}, {@code WRITE boot/ota-slot_b/status}), {@code delayMicros} later, cutting the
   * power of {@code cutMounts} (ext4) and {@code snapshotImages} (FAT) first when {@code cut}. The stand-in
   * directory goes first on the child's PATH (its {@code sync}). The child must run in its own process
   * group.
   */
  static Map<String, String> stopAt(Path fakeDir, String event, int nth, long delayMicros, boolean cut,
      List<Path> cutMounts, List<Path> snapshotImages) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("OTA_PROBE_STOP_AT", event);
    env.put("OTA_PROBE_STOP_NTH", Integer.toString(nth));
    env.put("OTA_PROBE_STOP_DELAY", String.format(Locale.ROOT, "%.6f", delayMicros / 1e6));
    env.put("OTA_PROBE_CUT", cut ? join(cutMounts) : "");
    env.put("OTA_PROBE_SNAPSHOT", cut ? join(snapshotImages) : "");
    env.put("PATH", fakeDir + ":" + System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
    return env;
  }

  /** Puts each {@code <image>.cut} left by a power cut in place of its image (the device must be off). */
  public static void restoreCutImages(List<Path> images) throws IOException {
    for (Path img : images) {
      Path cut = img.resolveSibling(img.getFileName() + ".cut");
      if (Files.exists(cut)) {
        Files.move(cut, img, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  private static String join(List<Path> paths) {
    return String.join(" ", paths.stream().map(Path::toString).toList());
  }
}
