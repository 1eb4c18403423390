package dev.otaclient.cli;

import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.Progress;
import java.io.PrintStream;

/**
 * Live progress on stderr: one line redrawn in place on a terminal, a plain line at most every few
 * seconds otherwise (logs, pipes, CI).
 */
final class ProgressLine {
  private final PrintStream err;
  private final boolean tty;
  private long lastPlain;
  private boolean drawn;

  ProgressLine(PrintStream err) {
    this.err = err;
    this.tty = System.console() != null && System.getenv("TERM") != null && !"dumb".equals(System.getenv("TERM"));
  }

  synchronized void show(EcuStatus s) {
    Progress p = s.progress().orElse(null);
    String line = p == null ? s.ecuId() + ": " + s.status()
        : String.format("%s: %-15s %s %d/%d files %s", s.ecuId(), p.phase(), bar(p), p.regularFilesProcessed(),
            p.totalRegularFiles(), StatusPrinter.rateAndEta(p));
    if (tty) {
      err.print("\r\033[2K" + line);
      drawn = true;
    } else {
      long now = System.nanoTime();
      if (now - lastPlain > 2_000_000_000L || p == null) {
        err.println(line);
        lastPlain = now;
      }
    }
    err.flush();
  }

  synchronized void finish() {
    if (tty && drawn) {
      err.println();
    }
  }

  private static String bar(Progress p) {
    int width = 20;
    int filled = p.totalRegularFiles() == 0 ? 0 : (int) (width * p.regularFilesProcessed() / p.totalRegularFiles());
    return "[" + "#".repeat(Math.min(width, filled)) + " ".repeat(Math.max(0, width - filled)) + "]";
  }
}
