package dev.otaclient.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * Run in a JVM of its own by {@link LauncherOptionsTest}: prints the nice value of a thread at each
 * Java priority it starts (MIN, NORM, MAX) and of the JIT's C2 thread, as {@code name=nice} lines.
 */
public final class ThreadNiceProbe {
  private ThreadNiceProbe() {}

  public static void main(String[] args) throws Exception {
    for (int priority : new int[] {Thread.MIN_PRIORITY, Thread.NORM_PRIORITY, Thread.MAX_PRIORITY}) {
      CompletableFuture<String> nice = new CompletableFuture<>();
      Thread t = new Thread(() -> nice.complete(niceOf(Path.of("/proc/thread-self/stat"))));
      t.setPriority(priority);
      t.start();
      System.out.println("priority" + priority + "=" + nice.get());
      t.join();
    }
    try (var tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        String stat = Files.readString(task.resolve("stat"));
        if (stat.contains("(C2 CompilerThre")) {
          System.out.println("C2=" + niceOf(task.resolve("stat")));
        }
      }
    }
  }

  /** Field 19 of /proc/.../stat, counted after the command name (which may hold spaces). */
  private static String niceOf(Path stat) {
    try {
      String s = Files.readString(stat);
      return s.substring(s.lastIndexOf(')') + 2).split(" ")[16];
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
