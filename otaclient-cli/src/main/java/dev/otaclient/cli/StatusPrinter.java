package dev.otaclient.cli;

import dev.otaclient.internal.boot.DirectorySlotController;
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
    table(out, ecus, available, java.util.Map.of());
  }

  /** With {@code etas}: the ETA of each ECU id, known only to a caller that watched the progress for a while. */
  static void table(PrintStream out, List<EcuStatus> ecus, List<String> available,
      java.util.Map<String, java.time.Duration> etas) {
    out.printf("%-12s %-16s %-12s %-15s %-17s %-10s %s%n", "ECU", "STATUS", "VERSION", "PHASE", "FILES", "DOWNLOAD", "DETAIL");
    List<String> seen = new ArrayList<>();
    for (EcuStatus s : ecus) {
      seen.add(s.ecuId());
      Progress p = s.progress().orElse(null);
      String files = p == null ? "-" : p.regularFilesProcessed() + "/" + p.totalRegularFiles();
      String dl = p == null ? "-" : human(p.downloadBytes());
      String phase = p == null ? "-" : p.phase().name();
      String detail = !s.failureReason().isEmpty() ? s.failureReason() : p == null ? ""
          : rateAndEta(p) + (etas.containsKey(s.ecuId()) ? ", ETA " + ProgressLine.clock(etas.get(s.ecuId())) : "");
      out.printf("%-12s %-16s %-12s %-15s %-17s %-10s %s%n", s.ecuId(), s.status(), s.version().isEmpty() ? "-" : s.version(),
          phase, files, dl, detail);
    }
    for (String id : available) {
      if (!seen.contains(id)) {
        out.printf("%-12s %-16s%n", id, "UNREACHABLE");
      }
    }
  }

  /** Bytes of regular files placed in the standby so far, however they got there. */
  static long processedBytes(Progress p) {
    return p.fileSizeProcessedCopy() + p.fileSizeProcessedLink() + p.fileSizeProcessedDownload();
  }

  /**
   * Bytes placed of the total, the average download rate, counts by how files got there. No ETA: one
   * snapshot only has the average since the start, which promised "2 s" with 30 s left when a fast copy
   * phase came before a slow download ({@code status --watch} computes it from recent progress instead).
   */
  static String rateAndEta(Progress p) {
    double secs = Math.max(0.001, p.totalElapsedTime().toMillis() / 1000.0);
    double rate = p.downloadBytes() / secs;
    return String.format("%s/%s placed, %s/s avg, copy %d link %d download %d, errors %d", human(processedBytes(p)),
        human(p.totalRegularFileSize()), human((long) rate), p.filesProcessedCopy(), p.filesProcessedLink(),
        p.filesProcessedDownload(), p.errorsDownload());
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

  /** The slots of a directory-slot device: which one runs, which boots next, and what each holds. */
  static void slots(PrintStream out, List<DirectorySlotController.SlotView> slots) {
    out.printf("%-8s %-7s %-10s %-16s %-12s %-20s %s%n", "SLOT", "BOOTED", "BOOTS NEXT", "STATUS", "VERSION", "CHANGED", "FAILURE");
    for (DirectorySlotController.SlotView v : slots) {
      out.printf("%-8s %-7s %-10s %-16s %-12s %-20s %s%n", v.slotId(), v.booted() ? "yes" : "-", v.bootsNext() ? "yes" : "-",
          v.status().map(Enum::name).orElse("-"), v.version().isEmpty() ? "-" : v.version(),
          v.lastChanged().map(t -> t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString()).orElse("-"),
          v.failureReason());
    }
  }

  /** The answers to an Update, Rollback or Abort request, one line each: accepted, or why not. */
  static void answers(PrintStream out, String indent, List<EcuResult> results) {
    for (EcuResult r : results) {
      String verdict = r.result() == FailureType.NO_FAILURE ? "accepted" : r.result().name();
      out.printf("%s%-12s %s%n", indent, r.ecuId(), r.message().isEmpty() ? verdict : verdict + ": " + r.message());
    }
  }
}
