package dev.otaclient.cli;

import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.Progress;
import dev.otaclient.status.UpdatePhase;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Live progress on stderr, by bytes: processed (copied, linked or downloaded into the standby) of the
 * image's total, and downloaded from the network with its rate; the ETA comes from the rate of the
 * last 20 s. On a terminal one bar over every ECU being updated (the progressbar library redraws it);
 * otherwise one line per ECU every {@code interval}, from a timer, so a log shows life even in a phase
 * that reports nothing new.
 */
final class ProgressLine implements AutoCloseable {
  private static final Duration WINDOW = Duration.ofSeconds(20);

  private final PrintStream err;
  private final boolean tty;
  private final Map<String, Progress> latest = new LinkedHashMap<>();
  private final RateWindow processed = new RateWindow(WINDOW);
  private final RateWindow downloaded = new RateWindow(WINDOW);
  private final ScheduledExecutorService timer;
  private ProgressBar bar;

  /**
   * @param interval without a terminal, how often a line is printed; zero for never. The first line
   *     comes after one interval, so a command that fails at once prints only its error.
   */
  ProgressLine(PrintStream err, Duration interval) {
    this.err = err;
    this.tty = System.console() != null && System.getenv("TERM") != null && !"dumb".equals(System.getenv("TERM"));
    if (!tty && !interval.isZero()) {
      timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "otaclient-progress");
        t.setDaemon(true);
        return t;
      });
      timer.scheduleAtFixedRate(this::printLines, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    } else {
      timer = null;
    }
  }

  synchronized void show(EcuStatus s) {
    Progress p = s.progress().orElse(null);
    if (p == null) {
      return;
    }
    latest.put(s.ecuId(), p);
    long now = System.nanoTime();
    processed.add(now, sum(StatusPrinter::processedBytes));
    downloaded.add(now, sum(Progress::downloadBytes));
    if (tty) {
      draw();
    }
  }

  private long sum(java.util.function.ToLongFunction<Progress> f) {
    return latest.values().stream().mapToLong(f).sum();
  }

  private synchronized void printLines() {
    for (Map.Entry<String, Progress> e : latest.entrySet()) {
      err.println(e.getKey() + ": " + describe(e.getValue(), latest.size() == 1));
    }
    err.flush();
  }

  /** {@code REGULAR 120.0 MiB/500.0 MiB (24 %), 1200/5000 files, downloaded 80.0 MiB at 12.0 MiB/s, ETA 32 s} */
  private String describe(Progress p, boolean withRates) {
    StringBuilder b = new StringBuilder().append(p.phase()).append(' ')
        .append(StatusPrinter.human(StatusPrinter.processedBytes(p))).append('/').append(StatusPrinter.human(p.totalRegularFileSize()))
        .append(" (").append(percent(StatusPrinter.processedBytes(p), p.totalRegularFileSize())).append(" %), ")
        .append(p.regularFilesProcessed()).append('/').append(p.totalRegularFiles()).append(" files, downloaded ")
        .append(StatusPrinter.human(p.downloadBytes()));
    if (withRates) {
      downloaded.perSecond().ifPresent(r -> b.append(" at ").append(StatusPrinter.human((long) r)).append("/s"));
      eta(p).ifPresent(d -> b.append(", ETA ").append(clock(d)));
    }
    return b.toString();
  }

  private Optional<Duration> eta(Progress p) {
    return p.phase() == UpdatePhase.REGULAR ? processed.eta(sum(Progress::totalRegularFileSize)) : Optional.empty();
  }

  private static long percent(long done, long total) {
    return total <= 0 ? 0 : Math.min(100, done * 100 / total);
  }

  static String clock(Duration d) {
    long s = d.toSeconds();
    return s < 60 ? s + " s" : s < 3600 ? String.format("%d:%02d", s / 60, s % 60)
        : String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  }

  private void draw() {
    long total = Math.max(1, sum(Progress::totalRegularFileSize));
    StringBuilder msg = new StringBuilder();
    for (Map.Entry<String, Progress> e : latest.entrySet()) {
      Progress p = e.getValue();
      msg.append(msg.length() == 0 ? "" : "  ").append(e.getKey()).append(' ').append(p.phase())
          .append(" dl ").append(StatusPrinter.human(p.downloadBytes()));
    }
    downloaded.perSecond().ifPresent(r -> msg.append(" at ").append(StatusPrinter.human((long) r)).append("/s"));
    if (bar == null) {
      bar = new ProgressBarBuilder().setTaskName("update").setInitialMax(total)
          .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(200).setUnit("MiB", 1 << 20)
          .setEtaFunction(state -> latest.values().stream().findFirst().flatMap(this::eta))
          .setConsumer(new ConsoleProgressBarConsumer(err)).build();
    }
    bar.maxHint(total);
    bar.stepTo(Math.min(total, sum(StatusPrinter::processedBytes)));
    bar.setExtraMessage(msg.toString());
  }

  @Override
  public synchronized void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }
}
