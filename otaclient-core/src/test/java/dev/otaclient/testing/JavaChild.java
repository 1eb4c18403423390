package dev.otaclient.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A class's {@code main} in a child JVM on the test class path: the plumbing of every test that runs
 * a device, a daemon or a probe in a process of its own (to kill it, or to give it a heap of its own).
 */
public final class JavaChild {
  private JavaChild() {}

  /** {@code java <jvmOptions> -cp <this JVM's class path> <main> <args>}. */
  public static List<String> command(Class<?> main, List<String> jvmOptions, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
    cmd.addAll(args);
    return cmd;
  }

  /** Starts {@link #command} with stderr merged into stdout. */
  public static Process start(Class<?> main, List<String> jvmOptions, List<String> args) {
    try {
      return new ProcessBuilder(command(main, jvmOptions, args)).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + main.getName(), e);
    }
  }

  /**
   * Reads the child's output until a line starts with {@code prefix} and returns that line; the rest
   * of the output is then read (and dropped) in the background so the child never blocks on a full
   * pipe. The handshake of a child that announces it is ready. Fails with what the child printed if it
   * ends first.
   */
  public static String awaitLine(Process p, String prefix) {
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    try {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (line.startsWith(prefix)) {
          Thread drain = new Thread(() -> {
            try {
              r.transferTo(Writer.nullWriter());
            } catch (IOException ignored) {
              // the child ended
            }
          }, "drain-" + p.pid());
          drain.setDaemon(true);
          drain.start();
          return line;
        }
        seen.append(line).append('\n');
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new AssertionError("child " + p.pid() + " ended without printing '" + prefix + "':\n" + seen);
  }
}
