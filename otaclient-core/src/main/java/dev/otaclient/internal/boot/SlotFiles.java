package dev.otaclient.internal.boot;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.VersionDetail;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-slot state files of reference §3.1 ({@code status}, {@code version}, {@code slot_in_use})
 * plus our {@code failure_reason}, in one directory. Same names and content format as the Python
 * client (no trailing newline), so a device can change client without losing its state. Every
 * write is atomic ({@link AtomicFiles#writeString}).
 *
 * <p>{@code failure_reason} is ours: the Python client kept the reason in memory only, so it was
 * lost on restart (quirk Q13). It holds the full {@code E<type>-<api><module>-<code>: ...} string.
 *
 * <p>{@code version_detail} sits beside {@code version} and is written with it: a JSON object with
 * the {@code request_id}, {@code release_name}, {@code release_id} and {@code image_id} of the
 * request that installed that version (docs/compatibility.md). Absent when the request named none.
 */
final class SlotFiles {
  public static final String STATUS = "status";
  public static final String VERSION = "version";
  public static final String SLOT_IN_USE = "slot_in_use";
  public static final String FAILURE_REASON = "failure_reason";
  public static final String VERSION_DETAIL = "version_detail";

  /** Made on first use: most slots have no version detail, and the mapper costs start-up time. */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  private static final Logger LOG = LoggerFactory.getLogger(SlotFiles.class);

  private final Path dir;

  public SlotFiles(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  /**
   * The stored status; empty when the file is missing or blank. Unknown text is read as FAILURE
   * (with a warning) rather than failing start-up: a device that cannot start its client cannot be
   * repaired over the air.
   */
  public Optional<OtaStatus> status() {
    Optional<String> text = read(STATUS).filter(s -> !s.isBlank());
    if (text.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(OtaStatus.parse(text.get()));
    } catch (IllegalArgumentException e) {
      LOG.warn("{}: unknown status '{}', treating it as FAILURE", dir.resolve(STATUS), text.get().trim());
      return Optional.of(OtaStatus.FAILURE);
    }
  }

  public void writeStatus(OtaStatus status) {
    AtomicFiles.writeString(dir.resolve(STATUS), status.name());
  }

  /** The version string, or "" when unknown. Surrounding whitespace (a hand-written newline) is ignored. */
  public String version() {
    return read(VERSION).map(String::strip).orElse("");
  }

  public void writeVersion(String version) {
    AtomicFiles.writeString(dir.resolve(VERSION), version);
  }

  /**
   * The ids recorded with the version, {@link VersionDetail#NONE} when none are. A file that is not
   * such a JSON object is ignored with a warning: it only labels the version, and a device must
   * start whatever it holds.
   */
  public VersionDetail versionDetail() {
    Optional<String> text = read(VERSION_DETAIL).filter(s -> !s.isBlank());
    if (text.isEmpty()) {
      return VersionDetail.NONE;
    }
    try {
      JsonNode n = Json.MAPPER.readTree(text.get());
      if (n == null || !n.isObject()) {
        throw new IllegalArgumentException("not a JSON object");
      }
      return new VersionDetail(text(n, "request_id"), text(n, "release_name"), text(n, "release_id"),
          text(n, "image_id"));
    } catch (JsonProcessingException | IllegalArgumentException e) {
      LOG.warn("{}: ignored, not a version detail object: {}", dir.resolve(VERSION_DETAIL), e.getMessage());
      return VersionDetail.NONE;
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v != null && v.isTextual() ? v.asText() : "";
  }

  /** Records the ids of the version; {@link VersionDetail#NONE} removes the file. */
  public void writeVersionDetail(VersionDetail d) {
    if (d.isEmpty()) {
      AtomicFiles.delete(dir.resolve(VERSION_DETAIL));
      return;
    }
    Map<String, String> m = new LinkedHashMap<>();
    m.put("request_id", d.requestId());
    m.put("release_name", d.releaseName());
    m.put("release_id", d.releaseId());
    m.put("image_id", d.imageId());
    try {
      AtomicFiles.writeString(dir.resolve(VERSION_DETAIL), Json.MAPPER.writeValueAsString(m));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode " + d, e);
    }
  }

  /** The slot the device is expected to run, or empty. */
  public Optional<String> slotInUse() {
    return read(SLOT_IN_USE).map(String::strip).filter(s -> !s.isEmpty());
  }

  public void writeSlotInUse(String slotId) {
    AtomicFiles.writeString(dir.resolve(SLOT_IN_USE), slotId);
  }

  /** The last failure reason, or "" when none is recorded. */
  public String failureReason() {
    return read(FAILURE_REASON).map(String::strip).orElse("");
  }

  /** Records a failure reason; an empty reason removes the file. */
  public void writeFailureReason(String reason) {
    if (reason == null || reason.isEmpty()) {
      AtomicFiles.delete(dir.resolve(FAILURE_REASON));
    } else {
      AtomicFiles.writeString(dir.resolve(FAILURE_REASON), reason);
    }
  }

  /** When any of the status files last changed; empty when there are none. */
  public Optional<java.time.Instant> lastChanged() {
    return java.util.stream.Stream.of(STATUS, VERSION, SLOT_IN_USE, FAILURE_REASON).map(dir::resolve)
        .filter(java.nio.file.Files::isRegularFile)
        .map(p -> {
          try {
            return java.nio.file.Files.getLastModifiedTime(p).toInstant();
          } catch (java.io.IOException e) {
            return java.time.Instant.EPOCH;
          }
        })
        .max(java.util.Comparator.naturalOrder());
  }

  private Optional<String> read(String name) {
    return AtomicFiles.readString(dir.resolve(name));
  }

  @Override
  public String toString() {
    return "SlotFiles[" + dir + "]";
  }
}
