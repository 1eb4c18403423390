package dev.otaclient.internal.boot;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fs.Fsync;
import dev.otaclient.internal.fs.TempNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /boot/grub/grubenv}, the 1 KiB environment block GRUB reads at boot ({@code load_env}) and
 * writes when it consumes a one-shot entry. Written only through Debian's {@code grub-editenv} (so
 * the block is always in GRUB's own format) into a temporary file beside it, which is then synced and
 * renamed over it: a power cut leaves either the old block or the new one. Every write replaces the
 * whole set, so callers always name the default ({@code saved_entry}) too.
 */
final class GrubEnv {
  private final CommandRunner cmd;
  private final Path file;

  GrubEnv(CommandRunner cmd, Path file) {
    this.cmd = cmd;
    this.file = file;
  }

  Path file() {
    return file;
  }

  /** The variables as {@code grub-editenv list} reads them; empty when the file does not exist. */
  Map<String, String> read(ErrorCode code) {
    Map<String, String> out = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return out;
    }
    for (String line : cmd.run(code, "grub-editenv", file.toString(), "list").stdout().split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        out.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return out;
  }

  Optional<String> get(String name, ErrorCode code) {
    return Optional.ofNullable(read(code).get(name)).filter(s -> !s.isEmpty());
  }

  /** Replaces the block with exactly {@code vars} (in order), atomically, and checks what was written. */
  void write(Map<String, String> vars, ErrorCode code) throws IOException {
    Path tmp = TempNames.beside(file);
    try {
      List<String> argv = new ArrayList<>(List.of("grub-editenv", tmp.toString(), "set"));
      vars.forEach((k, v) -> argv.add(k + "=" + v));
      cmd.run(code, argv);
      try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      Fsync.directory(file.getParent());
    } finally {
      Files.deleteIfExists(tmp);
    }
    Map<String, String> back = read(code);
    if (!back.equals(vars)) {
      throw new OtaException(code, ErrorModule.BOOT_CONTROL, file + " holds " + back + " after writing " + vars);
    }
  }
}
