package dev.otaclient.cli;

import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.error.FailureType;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.Progress;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Renders ECU statuses and request answers as plain text ({@link StatusJson} has their JSON form). */
final class StatusPrinter {
  private StatusPrinter() {}

  static void table(PrintStream out, List<EcuStatus> ecus, List<String> available) {
    out.printf("%-12s %-16s %-12s %-15s %-17s %-10s %s%n", "ECU", "STATUS", "VERSION", "PHASE", "FILES", "DOWNLOAD", "DETAIL");
    List<String> seen = new ArrayList<>();
    for (EcuStatus s : ecus) {
      seen.add(s.ecuId());
      Progress p = s.progress().orElse(null);
      String files = p == null ? "-" : p.regularFilesProcessed() + "/" + p.totalRegularFiles();
      String dl = p == null ? "-" : human(p.downloadBytes());
      String phase = p == null ? "-" : p.phase().name();
      String detail = !s.failureReason().isEmpty() ? s.failureReason() : p == null ? "" : rateAndEta(p);
      out.printf("%-12s %-16s %-12s %-15s %-17s %-10s %s%n", s.ecuId(), s.status(), s.version().isEmpty() ? "-" : s.version(),
          phase, files, dl, detail);
    }
    for (String id : available) {
      if (!seen.contains(id)) {
        out.printf("%-12s %-16s%n", id, "UNREACHABLE");
      }
    }
  }

  static String rateAndEta(Progress p) {
    double secs = Math.max(0.001, p.totalElapsedTime().toMillis() / 1000.0);
    long done = p.fileSizeProcessedCopy() + p.fileSizeProcessedLink() + p.fileSizeProcessedDownload();
    double rate = p.downloadBytes() / secs;
    String eta = "";
    if (done > 0 && p.totalRegularFileSize() > done) {
      eta = ", ETA " + Math.round((p.totalRegularFileSize() - done) / (done / secs)) + " s";
    }
    return String.format("%s/s, copy %d link %d download %d, errors %d%s", human((long) rate), p.filesProcessedCopy(),
        p.filesProcessedLink(), p.filesProcessedDownload(), p.errorsDownload(), eta);
  }

  static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format("%.1f %s", v, units[u]);
  }

  /** The answers to an Update, Rollback or Abort request, one line each: accepted, or why not. */
  static void answers(PrintStream out, String indent, List<EcuResult> results) {
    for (EcuResult r : results) {
      String verdict = r.result() == FailureType.NO_FAILURE ? "accepted" : r.result().name();
      out.printf("%s%-12s %s%n", indent, r.ecuId(), r.message().isEmpty() ? verdict : verdict + ": " + r.message());
    }
  }
}
