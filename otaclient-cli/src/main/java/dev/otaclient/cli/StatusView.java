package dev.otaclient.cli;

import dev.otaclient.internal.ecu.StatusViews;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.UpdateProgress;
import dev.otaclient.status.VersionDetail;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code otaclient status}: the v2 view of every ECU (the status values 6..8 as they are, the v2
 * phase, the client version, the release ids), as a table or as JSON holding both API forms
 * ({@code ecu} as {@link StatusJson} writes it, {@code ecu_v2} in the API's field names).
 */
final class StatusView {
  private static final String ROW = "%-12s %-16s %-10s %-14s %-22s %-13s %-10s %s%n";

  private StatusView() {}

  static void table(PrintStream out, List<EcuStatus> ecus, List<String> available) {
    out.printf(ROW, "ECU", "STATUS", "VERSION", "CLIENT", "PHASE", "FILES", "DOWNLOADED", "DETAIL");
    List<String> seen = new ArrayList<>();
    for (EcuStatus raw : ecus) {
      EcuStatus s = StatusViews.complete(raw);
      seen.add(s.ecuId());
      UpdateProgress u = s.update().orElse(null);
      out.printf(ROW, s.ecuId(), s.status(), dash(s.version()), dash(s.otaclientVersion()),
          u == null ? "-" : u.phase().name(),
          u == null ? "-" : u.processedFilesNum() + "/" + u.totalFilesNum(),
          u == null ? "-" : StatusPrinter.human(u.downloadedBytes()),
          detail(s));
    }
    for (String id : available) {
      if (!seen.contains(id)) {
        out.printf("%-12s %-16s%n", id, "UNREACHABLE");
      }
    }
  }

  /** The failure reason, else what the running version was installed as. */
  private static String detail(EcuStatus s) {
    if (!s.failureReason().isEmpty()) {
      return s.failureReason();
    }
    VersionDetail d = s.detail();
    List<String> parts = new ArrayList<>();
    if (!d.releaseName().isEmpty()) {
      parts.add("release " + d.releaseName());
    }
    if (!d.releaseId().isEmpty()) {
      parts.add("release id " + d.releaseId());
    }
    if (!d.imageId().isEmpty()) {
      parts.add("image " + d.imageId());
    }
    return String.join(", ", parts);
  }

  private static String dash(String s) {
    return s.isEmpty() ? "-" : s;
  }

  static Map<String, Object> json(List<EcuStatus> ecus, List<String> available) {
    Map<String, Object> m = StatusJson.report(ecus, available);
    m.put("ecu_v2", ecus.stream().map(StatusViews::complete).map(StatusView::v2).toList());
    return m;
  }

  private static Map<String, Object> v2(EcuStatus s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ecu_id", s.ecuId());
    m.put("firmware_version", s.version());
    m.put("otaclient_version", s.otaclientVersion());
    m.put("release_name", s.detail().releaseName());
    m.put("release_id", s.detail().releaseId());
    m.put("image_id", s.detail().imageId());
    m.put("ota_status", s.status().name());
    m.put("failure_type", s.failure().name());
    m.put("failure_reason", s.failureReason());
    if (!s.failureTraceback().isEmpty()) {
      m.put("failure_traceback", s.failureTraceback());
    }
    s.update().ifPresent(u -> m.put("update_status", update(u)));
    return m;
  }

  private static Map<String, Object> update(UpdateProgress u) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("update_firmware_version", u.updateFirmwareVersion());
    m.put("total_files_size_uncompressed", u.totalFilesSizeUncompressed());
    m.put("total_files_num", u.totalFilesNum());
    m.put("update_start_timestamp", u.updateStartTimestamp());
    m.put("phase", u.phase().name());
    m.put("total_download_files_num", u.totalDownloadFilesNum());
    m.put("total_download_files_size", u.totalDownloadFilesSize());
    m.put("downloaded_files_num", u.downloadedFilesNum());
    m.put("downloaded_bytes", u.downloadedBytes());
    m.put("downloaded_files_size", u.downloadedFilesSize());
    m.put("downloading_errors", u.downloadingErrors());
    m.put("total_remove_files_num", u.totalRemoveFilesNum());
    m.put("removed_files_num", u.removedFilesNum());
    m.put("processed_files_num", u.processedFilesNum());
    m.put("processed_files_size", u.processedFilesSize());
    m.put("total_elapsed_time", u.totalElapsedTime().toNanos() / 1e9);
    m.put("delta_generating_elapsed_time", u.deltaGeneratingElapsedTime().toNanos() / 1e9);
    m.put("downloading_elapsed_time", u.downloadingElapsedTime().toNanos() / 1e9);
    m.put("update_applying_elapsed_time", u.updateApplyingElapsedTime().toNanos() / 1e9);
    return m;
  }
}
