package dev.otaclient.internal.boot;

import dev.otaclient.error.ErrorApi;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the system commands the boot controllers need ({@code findmnt}, {@code lsblk}, {@code blkid},
 * {@code mkfs.ext4}, {@code mount}, {@code grub-mkconfig}, {@code nvbootctrl}, {@code reboot}, ...).
 * Every call is logged; a non-zero exit becomes an {@link OtaException} with the code the caller
 * names and the command's stderr in the detail.
 *
 * <p>Tests replace commands without touching the system: executables found in a prefix directory
 * (or named in an override map) win over {@code PATH}, and the prefix is also put in front of the
 * child's {@code PATH} so a fake script's own sub-commands resolve the same way.
 */
public final class CommandRunner {
  /** Long enough for {@code mkfs.ext4} on a large partition; a hung command must still not block forever. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

  private static final Logger LOG = LoggerFactory.getLogger(CommandRunner.class);
  private static final int MAX_DETAIL_CHARS = 2000;

  private final List<Path> prefixDirs;
  private final Map<String, Path> overrides;
  private final Duration timeout;

  public CommandRunner(List<Path> prefixDirs, Map<String, Path> overrides, Duration timeout) {
    this.prefixDirs = List.copyOf(prefixDirs);
    this.overrides = Map.copyOf(overrides);
    this.timeout = timeout;
  }

  /** The real commands from {@code PATH}. */
  public static CommandRunner system() {
    return new CommandRunner(List.of(), Map.of(), DEFAULT_TIMEOUT);
  }

  /** Commands present in {@code dir} replace the system ones; everything else comes from {@code PATH}. */
  public static CommandRunner withPrefix(Path dir) {
    return new CommandRunner(List.of(dir), Map.of(), DEFAULT_TIMEOUT);
  }

  /**
   * Runs {@code argv}; a non-zero exit, a timeout or a command that cannot be started throws an
   * {@link OtaException} with {@code codeOnFailure} (module boot control).
   */
  public CommandResult run(ErrorCode codeOnFailure, List<String> argv) {
    return run(codeOnFailure, Map.of(), argv);
  }

  public CommandResult run(ErrorCode codeOnFailure, String... argv) {
    return run(codeOnFailure, List.of(argv));
  }

  /**
   * As {@link #run(ErrorCode, List)}, with {@code extraEnv} added to the inherited environment (a
   * tool that changes its behaviour by a variable, e.g. {@code FK_FORCE} for flash-kernel in a chroot).
   */
  public CommandResult run(ErrorCode codeOnFailure, Map<String, String> extraEnv, List<String> argv) {
    CommandResult r = execute(codeOnFailure, extraEnv, argv);
    if (!r.succeeded()) {
      throw failure(codeOnFailure, "`" + String.join(" ", argv) + "` exited with " + r.exitCode()
          + describeStderr(r.stderr()), null);
    }
    return r;
  }

  /**
   * Runs {@code argv} and returns whatever exit code it had (for commands whose exit code is the
   * answer, e.g. {@code nvbootctrl is-slot-marked-successful}). Only a timeout or a command that
   * cannot be started throws.
   */
  public CommandResult runAllowingFailure(ErrorCode codeOnFailure, List<String> argv) {
    return execute(codeOnFailure, Map.of(), argv);
  }

  private CommandResult execute(ErrorCode codeOnFailure, Map<String, String> extraEnv, List<String> argv) {
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("empty command");
    }
    List<String> resolved = new ArrayList<>(argv);
    resolved.set(0, resolve(argv.get(0)));
    String shown = String.join(" ", argv);
    LOG.info("run: {}{}", extraEnv.isEmpty() ? "" : extraEnv + " ", shown);
    ProcessBuilder pb = new ProcessBuilder(resolved);
    if (!prefixDirs.isEmpty()) {
      String path = prefixDirs.stream().map(Path::toString).collect(Collectors.joining(":"));
      String inherited = pb.environment().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
      pb.environment().put("PATH", path + ":" + inherited);
    }
    pb.environment().putAll(extraEnv);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw failure(codeOnFailure, "cannot start `" + shown + "`: " + e.getMessage(), e);
    }
    try {
      p.getOutputStream().close();
    } catch (IOException ignored) {
      // the command does not read stdin; a closed pipe is what we want anyway
    }
    Drain out = new Drain(p.getInputStream());
    Drain err = new Drain(p.getErrorStream());
    out.start();
    err.start();
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor();
        throw failure(codeOnFailure, "`" + shown + "` timed out after " + describe(timeout), null);
      }
      out.join();
      err.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw failure(codeOnFailure, "interrupted while running `" + shown + "`", e);
    }
    CommandResult r = new CommandResult(resolved, p.exitValue(), out.text(), err.text());
    if (r.succeeded()) {
      LOG.debug("`{}` ok", shown);
    } else {
      LOG.info("`{}` exited with {}{}", shown, r.exitCode(), describeStderr(r.stderr()));
    }
    return r;
  }

  private String resolve(String command) {
    if (command.contains("/")) {
      return command;
    }
    Path override = overrides.get(command);
    if (override != null) {
      return override.toString();
    }
    for (Path dir : prefixDirs) {
      Path candidate = dir.resolve(command);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return command;
  }

  private static String describe(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }

  private static String describeStderr(String stderr) {
    String s = stderr.strip();
    if (s.isEmpty()) {
      return "";
    }
    if (s.length() > MAX_DETAIL_CHARS) {
      s = s.substring(0, MAX_DETAIL_CHARS) + "...";
    }
    return ": " + s;
  }

  private static OtaException failure(ErrorCode code, String detail, Throwable cause) {
    ErrorApi api = code == ErrorCode.PRE_ROLLBACK ? ErrorApi.ROLLBACK : ErrorApi.UPDATE;
    return new OtaException(code, ErrorModule.BOOT_CONTROL, api, detail, cause);
  }

  /** Reads a child's stream to the end on its own thread so a full pipe never blocks the child. */
  private static final class Drain extends Thread {
    private final InputStream in;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

    Drain(InputStream in) {
      this.in = in;
      setDaemon(true);
      setName("cmd-drain");
    }

    @Override
    public void run() {
      try (in) {
        in.transferTo(buf);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    String text() {
      return buf.toString(StandardCharsets.UTF_8);
    }
  }
}
