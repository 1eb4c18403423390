package dev.otaclient.cli;

import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.Progress;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Renders ECU statuses as a plain-text table or as JSON for scripts. */
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

  /** A JSON-friendly view: enums as names, durations in seconds. */
  static Map<String, Object> json(EcuStatus s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ecu_id", s.ecuId());
    m.put("status", s.status().name());
    m.put("failure", s.failure().name());
    m.put("failure_reason", s.failureReason());
    m.put("version", s.version());
    s.progress().ifPresent(p -> {
      Map<String, Object> pm = new LinkedHashMap<>();
      pm.put("phase", p.phase().name());
      pm.put("total_regular_files", p.totalRegularFiles());
      pm.put("regular_files_processed", p.regularFilesProcessed());
      pm.put("files_processed_copy", p.filesProcessedCopy());
      pm.put("files_processed_link", p.filesProcessedLink());
      pm.put("files_processed_download", p.filesProcessedDownload());
      pm.put("file_size_processed_copy", p.fileSizeProcessedCopy());
      pm.put("file_size_processed_link", p.fileSizeProcessedLink());
      pm.put("file_size_processed_download", p.fileSizeProcessedDownload());
      pm.put("elapsed_time_copy", p.elapsedTimeCopy().toNanos() / 1e9);
      pm.put("elapsed_time_link", p.elapsedTimeLink().toNanos() / 1e9);
      pm.put("elapsed_time_download", p.elapsedTimeDownload().toNanos() / 1e9);
      pm.put("errors_download", p.errorsDownload());
      pm.put("total_regular_file_size", p.totalRegularFileSize());
      pm.put("total_elapsed_time", p.totalElapsedTime().toNanos() / 1e9);
      pm.put("download_bytes", p.downloadBytes());
      m.put("progress", pm);
    });
    return m;
  }

  static Map<String, Object> json(List<EcuStatus> ecus, List<String> available) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ecu", ecus.stream().map(StatusPrinter::json).toList());
    m.put("available_ecu_ids", available);
    return m;
  }
}
