package dev.otaclient.reliability;

import dev.otaclient.testing.JavaChild;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Runs {@link CrashProbe} (or another probe) in a child JVM on the test classpath and SIGKILLs it
 * ({@link Process#destroyForcibly()}) a given time after the first event line that matches.
 */
final class ChildProbe {
  /** The events a run printed, and whether it was killed (rather than ending by itself). */
  record Run(List<String> events, boolean killed, int exitCode, Path log) {
    /** The last event printed before the process ended: where a kill landed, at the earliest. */
    String last() {
      return events.isEmpty() ? "(none)" : events.get(events.size() - 1);
    }

    /** The first event line starting with {@code prefix}, or null. */
    String first(String prefix) {
      return events.stream().filter(e -> e.startsWith(prefix)).findFirst().orElse(null);
    }
  }

  private ChildProbe() {}

  static Run run(Path log, List<String> args) {
    return run(log, args, e -> false, 0);
  }

  /**
   * Starts the probe and reads its events; once an event satisfies {@code killAt}, waits
   * {@code delayMicros} and sends SIGKILL. Lines printed before the process died are still collected.
   */
  static Run run(Path log, List<String> args, Predicate<String> killAt, long delayMicros) {
    return run(log, args, killAt, delayMicros, () -> { });
  }

  /** As above, running {@code beforeKill} (e.g. cutting the power of its file system) just before the SIGKILL. */
  static Run run(Path log, List<String> args, Predicate<String> killAt, long delayMicros, Runnable beforeKill) {
    return run(CrashProbe.class, log, args, killAt, delayMicros, beforeKill);
  }

  /** The same with another probe's {@code main}; the child gets {@code OTA_PROBE_EVENTS=1} (stand-in commands report). */
  static Run run(Class<?> probe, Path log, List<String> args, Predicate<String> killAt, long delayMicros,
      Runnable beforeKill) {
    return run(probe, log, args, killAt, delayMicros, beforeKill, java.util.Map.of(), false);
  }

  /**
   * The same with extra environment variables and, with {@code ownGroup}, the child made a
   * process-group leader ({@code setsid}, which execs the JVM under the same pid) so that it and every
   * command it started can be SIGKILLed at once, as systemd stops a service.
   */
  static Run run(Class<?> probe, Path log, List<String> args, Predicate<String> killAt, long delayMicros,
      Runnable beforeKill, java.util.Map<String, String> env, boolean ownGroup) {
    List<String> cmd = new ArrayList<>();
    if (ownGroup) {
      cmd.add("setsid");
    }
    cmd.addAll(JavaChild.command(probe, List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m",
        "-Dorg.slf4j.simpleLogger.showDateTime=true", "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS"), args));
    Process p;
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
      pb.environment().put("OTA_PROBE_EVENTS", "1");
      pb.environment().putAll(env);
      p = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> events = new ArrayList<>();
    boolean killed = false;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (!line.startsWith("EV ")) {
          continue;
        }
        String ev = line.substring(3);
        events.add(ev);
        if (!killed && killAt.test(ev)) {
          if (delayMicros > 0) {
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(delayMicros));
          }
          beforeKill.run();
          // SIGKILL through the handle: Process#destroyForcibly would also close our end of the pipe,
          // losing the lines the child printed just before it died
          p.toHandle().destroyForcibly();
          killed = true;
        }
      }
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("probe did not end: " + events);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    // a SIGKILL that arrived after the process had already ended on its own did not kill anything
    boolean reallyKilled = killed && p.exitValue() == 137;
    return new Run(List.copyOf(events), reallyKilled, p.exitValue(), log);
  }
}
