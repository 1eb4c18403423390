package dev.otaclient.cli;

import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.Progress;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Live progress on stderr: on a terminal one progress bar over the files of every ECU being updated
 * (the progressbar library redraws it with rate and ETA); otherwise a plain line per ECU at most every
 * two seconds (logs, pipes, CI).
 */
final class ProgressLine {
  private final PrintStream err;
  private final boolean tty;
  private final Map<String, Progress> latest = new LinkedHashMap<>();
  private long lastPlain;
  private ProgressBar bar;

  ProgressLine(PrintStream err) {
    this.err = err;
    this.tty = System.console() != null && System.getenv("TERM") != null && !"dumb".equals(System.getenv("TERM"));
  }

  synchronized void show(EcuStatus s) {
    Progress p = s.progress().orElse(null);
    if (p == null) {
      return;
    }
    latest.put(s.ecuId(), p);
    if (tty) {
      draw();
      return;
    }
    long now = System.nanoTime();
    if (now - lastPlain > 2_000_000_000L) {
      err.printf("%s: %-15s %d/%d files %s%n", s.ecuId(), p.phase(), p.regularFilesProcessed(), p.totalRegularFiles(),
          StatusPrinter.rateAndEta(p));
      err.flush();
      lastPlain = now;
    }
  }

  private void draw() {
    long done = 0;
    long total = 0;
    StringBuilder msg = new StringBuilder();
    for (Map.Entry<String, Progress> e : latest.entrySet()) {
      Progress p = e.getValue();
      done += p.regularFilesProcessed();
      total += p.totalRegularFiles();
      msg.append(msg.length() == 0 ? "" : "  ").append(e.getKey()).append(' ').append(p.phase())
          .append(" dl ").append(StatusPrinter.human(p.downloadBytes()));
    }
    if (bar == null) {
      bar = new ProgressBarBuilder().setTaskName("files").setInitialMax(Math.max(1, total))
          .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(200)
          .setConsumer(new ConsoleProgressBarConsumer(err)).build();
    }
    bar.maxHint(Math.max(1, total));
    bar.stepTo(done);
    bar.setExtraMessage(msg.toString());
  }

  synchronized void finish() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }
}
