package dev.otaclient.internal.boot;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * Stand-in system commands for boot-controller tests, as shell scripts in one directory that a
 * {@link CommandRunner#withPrefix} puts first. Every fake appends its argv to {@code calls.log}.
 * State lives in small table files ({@code t_<name>}) in the same directory:
 * <ul>
 *   <li>{@code mounts}: "MOUNTPOINT SOURCE" lines, read by findmnt, changed by mount/umount;</li>
 *   <li>{@code blkid}: "DEVICE UUID PARTUUID [LABEL]" lines;</li>
 *   <li>{@code disk} / {@code children}: what lsblk answers for PKNAME / NAME,FSTYPE;</li>
 *   <li>{@code t_nvbootctrl/}: current, active, successful_N, unbootable_N (a tiny A/B simulator).</li>
 * </ul>
 * Only commands installed with {@link #install} are faked; others run for real.
 */
final class FakeSystem {
  static final String FINDMNT = """
      last=""; for a in "$@"; do last="$a"; done
      while read -r m s; do
        if [ "$m" = "$last" ]; then
          case "$*" in *SOURCE*) echo "$s" ;; *) echo "$m $s" ;; esac
          exit 0
        fi
      done < "$D/t_mounts"
      exit 1
      """;
  static final String MOUNT = """
      n=$#; eval src=\\${$((n-1))}; eval mnt=\\${$n}
      keep=""
      while read -r m s; do [ "$m" = "$mnt" ] || keep="$keep$m $s
      "; done < "$D/t_mounts"
      printf '%s%s %s\\n' "$keep" "$mnt" "$src" > "$D/t_mounts"
      """;
  static final String UMOUNT = """
      last=""; for a in "$@"; do last="$a"; done
      keep=""; found=0
      while read -r m s; do
        if [ "$m" = "$last" ]; then found=1; else keep="$keep$m $s
      "; fi
      done < "$D/t_mounts"
      [ $found = 1 ] || { echo "umount: $last: not mounted." >&2; exit 32; }
      printf '%s' "$keep" > "$D/t_mounts"
      """;
  static final String BLKID = """
      last=""; for a in "$@"; do last="$a"; done
      case "$*" in
        *"-t PARTUUID="*) want=${last#PARTUUID=}; field=dev ;;
        *PARTUUID*) field=partuuid ;;
        *LABEL*) field=label ;;
        *UUID*) field=uuid ;;
      esac
      while read -r d u p l; do
        case $field in
          dev) [ "$p" = "$want" ] && echo "$d" ;;
          partuuid) [ "$d" = "$last" ] && echo "$p" ;;
          label) [ "$d" = "$last" ] && [ -n "$l" ] && echo "$l" ;;
          uuid) [ "$d" = "$last" ] && echo "$u" ;;
        esac
      done < "$D/t_blkid"
      exit 0
      """;
  static final String LSBLK = """
      case "$*" in
        *PKNAME*) while IFS= read -r l; do echo "$l"; done < "$D/t_disk" ;;
        *NAME,FSTYPE*) while IFS= read -r l; do echo "$l"; done < "$D/t_children" ;;
        *) exit 1 ;;
      esac
      """;
  static final String DUMPE2FS = """
      echo "dumpe2fs 1.47.0 (5-Feb-2023)" >&2
      echo "Filesystem volume name:   <none>"
      state=clean; [ -f "$D/t_fsstate" ] && read -r state < "$D/t_fsstate"
      echo "Filesystem state:         $state"
      """;
  static final String NVBOOTCTRL = """
      S="$D/t_nvbootctrl"; mkdir -p "$S"
      [ "$1" = "-t" ] && shift 2
      case "$1" in
        get-current-slot) cat "$S/current" ;;
        set-active-boot-slot) echo "$2" > "$S/active"; rm -f "$S/successful_$2" "$S/unbootable_$2" ;;
        mark-boot-successful) touch "$S/successful_$2" ;;
        set-slot-as-unbootable) touch "$S/unbootable_$2"; rm -f "$S/successful_$2" ;;
        is-slot-bootable) [ ! -e "$S/unbootable_$2" ] ;;
        is-slot-marked-successful) [ -e "$S/successful_$2" ] ;;
        *) echo "nvbootctrl: unknown command $1" >&2; exit 2 ;;
      esac
      """;
  static final String RECORD_ONLY = ":\n";

  final Path dir;

  FakeSystem(Path dir) throws IOException {
    this.dir = Files.createDirectories(dir);
    Files.writeString(dir.resolve("t_mounts"), "");
    Files.writeString(dir.resolve("calls.log"), "");
  }

  CommandRunner runner() {
    return CommandRunner.withPrefix(dir);
  }

  FakeSystem install(String name, String body) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, "#!/bin/sh\nD=\"" + dir + "\"\necho \"" + name + " $*\" >> \"$D/calls.log\"\n" + body);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return this;
  }

  /** The grub-mkconfig stand-in built from the fixtures, for a given boot and root mount point. */
  FakeSystem installGrubMkconfig(Path boot, Path root) throws IOException {
    Path fix = Files.createDirectories(dir.resolve("grub-fixtures"));
    for (String f : List.of("mkconfig-header.cfg", "mkconfig-simple-entry.cfg", "mkconfig-entry.cfg", "mkconfig-footer.cfg")) {
      Files.writeString(fix.resolve(f), resource("boot/grub/" + f));
    }
    String script = resource("boot/grub/grub-mkconfig.sh.in")
        .replace("@FAKEDIR@", dir.toString())
        .replace("@BOOT@", boot.toString())
        .replace("@ROOT@", root.toString())
        .replace("@FIX@", fix.toString());
    Path p = dir.resolve("grub-mkconfig");
    Files.writeString(p, script);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return this;
  }

  void table(String name, String... lines) throws IOException {
    Files.writeString(dir.resolve("t_" + name), lines.length == 0 ? "" : String.join("\n", lines) + "\n");
  }

  void mount(Path mountPoint, String source) throws IOException {
    List<String> keep = Files.readAllLines(dir.resolve("t_mounts")).stream()
        .filter(l -> !l.startsWith(mountPoint + " ")).toList();
    Files.write(dir.resolve("t_mounts"), keep);
    Files.writeString(dir.resolve("t_mounts"), mountPoint + " " + source + "\n", StandardOpenOption.APPEND);
  }

  boolean mounted(Path mountPoint) throws IOException {
    return Files.readAllLines(dir.resolve("t_mounts")).stream().anyMatch(l -> l.startsWith(mountPoint + " "));
  }

  List<String> calls() throws IOException {
    return Files.readAllLines(dir.resolve("calls.log"));
  }

  void clearCalls() throws IOException {
    Files.writeString(dir.resolve("calls.log"), "");
  }

  Path nv(String file) {
    return dir.resolve("t_nvbootctrl").resolve(file);
  }

  static String resource(String name) {
    try (InputStream in = FakeSystem.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalArgumentException("missing test resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
