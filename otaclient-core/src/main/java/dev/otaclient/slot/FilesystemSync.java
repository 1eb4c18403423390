package dev.otaclient.slot;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Flushes a whole filesystem. The JDK can fsync single files only; syncing tens of thousands of files
 * one by one costs far more than one {@code syncfs(2)}, which coreutils' {@code sync -f} performs.
 */
public final class FilesystemSync {
  private FilesystemSync() {}

  /** Flushes the filesystem holding {@code anyPathOnFs} to its device. */
  public static void sync(Path anyPathOnFs) throws IOException {
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
