package dev.otaclient.cli;

import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.Progress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one JSON form ({@code --json}) of statuses, progress and request answers, for every command:
 * the API's snake_case names, enums as their names, durations in seconds.
 */
final class StatusJson {
  private StatusJson() {}

  static Map<String, Object> ecu(EcuStatus s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ecu_id", s.ecuId());
    m.put("status", s.status().name());
    m.put("failure", s.failure().name());
    m.put("failure_reason", s.failureReason());
    m.put("version", s.version());
    s.progress().ifPresent(p -> m.put("progress", progress(p)));
    return m;
  }

  static Map<String, Object> progress(Progress p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("phase", p.phase().name());
    m.put("total_regular_files", p.totalRegularFiles());
    m.put("regular_files_processed", p.regularFilesProcessed());
    m.put("files_processed_copy", p.filesProcessedCopy());
    m.put("files_processed_link", p.filesProcessedLink());
    m.put("files_processed_download", p.filesProcessedDownload());
    m.put("file_size_processed_copy", p.fileSizeProcessedCopy());
    m.put("file_size_processed_link", p.fileSizeProcessedLink());
    m.put("file_size_processed_download", p.fileSizeProcessedDownload());
    m.put("elapsed_time_copy", p.elapsedTimeCopy().toNanos() / 1e9);
    m.put("elapsed_time_link", p.elapsedTimeLink().toNanos() / 1e9);
    m.put("elapsed_time_download", p.elapsedTimeDownload().toNanos() / 1e9);
    m.put("errors_download", p.errorsDownload());
    m.put("total_regular_file_size", p.totalRegularFileSize());
    m.put("total_elapsed_time", p.totalElapsedTime().toNanos() / 1e9);
    m.put("download_bytes", p.downloadBytes());
    return m;
  }

  static Map<String, Object> report(List<EcuStatus> ecus, List<String> available) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ecu", ecus.stream().map(StatusJson::ecu).toList());
    m.put("available_ecu_ids", available);
    return m;
  }

  /** The slots of a directory-slot device ({@code status --state-dir --json}). */
  static List<Map<String, Object>> slots(List<DirectorySlotController.SlotView> slots) {
    return slots.stream().map(v -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("slot", v.slotId());
      m.put("booted", v.booted());
      m.put("boots_next", v.bootsNext());
      m.put("status", v.status().map(Enum::name).orElse(null));
      m.put("version", v.version());
      m.put("failure_reason", v.failureReason());
      m.put("last_changed", v.lastChanged().map(Object::toString).orElse(null));
      return m;
    }).toList();
  }

  /** The answers to an Update or Rollback request. */
  static List<Map<String, Object>> answers(List<EcuResult> results) {
    return results.stream().map(r -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("ecu_id", r.ecuId());
      m.put("result", r.result().name());
      m.put("message", r.message());
      return m;
    }).toList();
  }
}
