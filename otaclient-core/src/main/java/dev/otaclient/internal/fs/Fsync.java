package dev.otaclient.internal.fs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/** Makes writes durable: a directory's entries (a rename, a delete), or a whole filesystem at once. */
public final class Fsync {
  private Fsync() {}

  /** Flushes a directory, so that a rename or delete in it survives a power cut. */
  public static void directory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /**
   * Flushes the filesystem holding {@code anyPathOnFs} to its device. The JDK can fsync single files
   * only; syncing tens of thousands of files one by one costs far more than one {@code syncfs(2)},
   * which coreutils' {@code sync -f} performs.
   */
  public static void filesystem(Path anyPathOnFs) throws IOException {
    Process p = new ProcessBuilder("sync", "-f", anyPathOnFs.toString())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    try {
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("sync -f " + anyPathOnFs + " did not finish in 120 s");
      }
      if (p.exitValue() != 0) {
        throw new IOException("sync -f " + anyPathOnFs + " exited with " + p.exitValue());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while syncing " + anyPathOnFs, e);
    }
  }
}
