package dev.otaclient.grpc;

import com.google.protobuf.ProtocolMessageEnum;
import dev.otaclient.api.v2.RollbackRequest;
import dev.otaclient.api.v2.RollbackRequestEcu;
import dev.otaclient.api.v2.RollbackResponse;
import dev.otaclient.api.v2.RollbackResponseEcu;
import dev.otaclient.api.v2.Status;
import dev.otaclient.api.v2.StatusOta;
import dev.otaclient.api.v2.StatusProgress;
import dev.otaclient.api.v2.StatusProgressPhase;
import dev.otaclient.api.v2.StatusResponse;
import dev.otaclient.api.v2.StatusResponseEcu;
import dev.otaclient.api.v2.UpdateRequest;
import dev.otaclient.api.v2.UpdateResponse;
import dev.otaclient.api.v2.UpdateResponseEcu;
import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.internal.ecu.StatusReport;
import dev.otaclient.internal.ecu.UpdateRequestEcu;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.FailureType;
import dev.otaclient.error.OtaException;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.Progress;
import dev.otaclient.status.UpdatePhase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Conversion between the core value types and the OtaClientV2 protobuf messages.
 *
 * <p>Enums map by constant name: the core enums mirror the proto enums value for value, so a
 * name lookup keeps the two in step and fails loudly if one side ever gains a value. A value the
 * peer sent that this build does not know (protobuf's {@code UNRECOGNIZED}) becomes an
 * {@link OtaException} naming the field and the raw number, never a crash deeper in.
 *
 * <p>uint64 counters travel as Java {@code long}; values of 2^63 and above would read negative, which
 * no counter reaches.
 */
public final class ProtoMapping {
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private ProtoMapping() {}

  // ---- enums ------------------------------------------------------------------------------

  public static dev.otaclient.api.v2.FailureType toProto(FailureType type) {
    return dev.otaclient.api.v2.FailureType.valueOf(type.name());
  }

  public static FailureType fromProto(dev.otaclient.api.v2.FailureType type, String field) {
    return byName(FailureType.class, type, field);
  }

  /**
   * The 2022 enum has no CLIENT_UPDATING/ABORTING/ABORTED: a parent of that generation must keep
   * waiting while this ECU works or stops (UPDATING), and must not count an aborted update as a
   * success (FAILURE).
   */
  public static StatusOta toProto(OtaStatus status) {
    switch (status) {
      case CLIENT_UPDATING:
      case ABORTING:
        return StatusOta.UPDATING;
      case ABORTED:
        return StatusOta.FAILURE;
      default:
        return StatusOta.valueOf(status.name());
    }
  }

  public static OtaStatus fromProto(StatusOta status, String field) {
    return byName(OtaStatus.class, status, field);
  }

  public static StatusProgressPhase toProto(UpdatePhase phase) {
    return StatusProgressPhase.valueOf(phase.name());
  }

  public static UpdatePhase fromProto(StatusProgressPhase phase, String field) {
    return byName(UpdatePhase.class, phase, field);
  }

  private static <E extends Enum<E>, P extends Enum<P> & ProtocolMessageEnum> E byName(
      Class<E> coreType, P wire, String field) {
    if (wire.name().equals("UNRECOGNIZED")) {
      // getNumber() throws for UNRECOGNIZED, so the raw number is reported by the caller's
      // *Value() accessor; here we only know it is outside the proto this build was made from.
      throw wireError(field + ": value not defined in OtaClientV2 (" + wire.getDescriptorForType().getName()
          + ")");
    }
    try {
      return Enum.valueOf(coreType, wire.name());
    } catch (IllegalArgumentException e) {
      throw wireError(field + ": " + wire.name() + " has no counterpart in " + coreType.getSimpleName());
    }
  }

  private static OtaException wireError(String detail) {
    return new OtaException(ErrorCode.NETWORK, ErrorModule.API, "malformed answer from peer: " + detail);
  }

  // ---- durations --------------------------------------------------------------------------

  public static com.google.protobuf.Duration toProto(Duration duration) {
    long seconds = duration.getSeconds();
    int nanos = duration.getNano();
    // java.time keeps nanos in [0, 1e9) even for negative durations; protobuf wants both parts to
    // carry the same sign.
    if (seconds < 0 && nanos > 0) {
      seconds += 1;
      nanos -= (int) NANOS_PER_SECOND;
    }
    return com.google.protobuf.Duration.newBuilder().setSeconds(seconds).setNanos(nanos).build();
  }

  public static Duration fromProto(com.google.protobuf.Duration duration, String field) {
    int nanos = duration.getNanos();
    long seconds = duration.getSeconds();
    if (nanos <= -NANOS_PER_SECOND || nanos >= NANOS_PER_SECOND
        || (seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0)) {
      throw wireError(field + ": invalid google.protobuf.Duration {seconds=" + seconds + ", nanos=" + nanos + "}");
    }
    return Duration.ofSeconds(seconds, nanos);
  }

  // ---- progress and status ----------------------------------------------------------------

  public static StatusProgress toProto(Progress p) {
    return StatusProgress.newBuilder()
        .setPhase(toProto(p.phase()))
        .setTotalRegularFiles(p.totalRegularFiles())
        .setRegularFilesProcessed(p.regularFilesProcessed())
        .setFilesProcessedCopy(p.filesProcessedCopy())
        .setFilesProcessedLink(p.filesProcessedLink())
        .setFilesProcessedDownload(p.filesProcessedDownload())
        .setFileSizeProcessedCopy(p.fileSizeProcessedCopy())
        .setFileSizeProcessedLink(p.fileSizeProcessedLink())
        .setFileSizeProcessedDownload(p.fileSizeProcessedDownload())
        .setElapsedTimeCopy(toProto(p.elapsedTimeCopy()))
        .setElapsedTimeLink(toProto(p.elapsedTimeLink()))
        .setElapsedTimeDownload(toProto(p.elapsedTimeDownload()))
        .setErrorsDownload(p.errorsDownload())
        .setTotalRegularFileSize(p.totalRegularFileSize())
        .setTotalElapsedTime(toProto(p.totalElapsedTime()))
        .setDownloadBytes(p.downloadBytes())
        .build();
  }

  public static Progress fromProto(StatusProgress p, String field) {
    if (p.getPhase() == StatusProgressPhase.UNRECOGNIZED) {
      throw wireError(field + ".phase: unknown StatusProgressPhase " + p.getPhaseValue());
    }
    return new Progress(
        fromProto(p.getPhase(), field + ".phase"),
        p.getTotalRegularFiles(),
        p.getRegularFilesProcessed(),
        p.getFilesProcessedCopy(),
        p.getFilesProcessedLink(),
        p.getFilesProcessedDownload(),
        p.getFileSizeProcessedCopy(),
        p.getFileSizeProcessedLink(),
        p.getFileSizeProcessedDownload(),
        fromProto(p.getElapsedTimeCopy(), field + ".elapsed_time_copy"),
        fromProto(p.getElapsedTimeLink(), field + ".elapsed_time_link"),
        fromProto(p.getElapsedTimeDownload(), field + ".elapsed_time_download"),
        p.getErrorsDownload(),
        p.getTotalRegularFileSize(),
        fromProto(p.getTotalElapsedTime(), field + ".total_elapsed_time"),
        p.getDownloadBytes());
  }

  /** One ECU's entry; {@code result} is NO_FAILURE because the status itself was obtained. */
  public static StatusResponseEcu toProto(EcuStatus s) {
    Status.Builder status = Status.newBuilder()
        .setStatus(toProto(s.status()))
        .setFailure(toProto(s.failure()))
        .setFailureReason(s.failureReason())
        .setVersion(s.version());
    s.progress().ifPresent(p -> status.setProgress(toProto(p)));
    return StatusResponseEcu.newBuilder()
        .setEcuId(s.ecuId())
        .setResult(dev.otaclient.api.v2.FailureType.NO_FAILURE)
        .setStatus(status)
        .build();
  }

  /**
   * One ECU's entry from the wire. An absent {@code status} reads as the proto default
   * (INITIALIZED, no failure), which is what a proto3 peer that left it out means.
   */
  public static EcuStatus fromProto(StatusResponseEcu e, String field) {
    Status s = e.getStatus();
    String at = field + "[" + e.getEcuId() + "].status";
    if (s.getStatus() == StatusOta.UNRECOGNIZED) {
      throw wireError(at + ".status: unknown StatusOta " + s.getStatusValue());
    }
    if (s.getFailure() == dev.otaclient.api.v2.FailureType.UNRECOGNIZED) {
      throw wireError(at + ".failure: unknown FailureType " + s.getFailureValue());
    }
    Optional<Progress> progress = s.hasProgress()
        ? Optional.of(fromProto(s.getProgress(), at + ".progress"))
        : Optional.empty();
    return new EcuStatus(e.getEcuId(), fromProto(s.getStatus(), at + ".status"),
        fromProto(s.getFailure(), at + ".failure"), s.getFailureReason(), s.getVersion(), progress);
  }

  public static StatusResponse toProto(StatusReport report) {
    StatusResponse.Builder b = StatusResponse.newBuilder();
    for (EcuStatus s : report.ecus()) {
      b.addEcu(toProto(s));
    }
    return b.addAllAvailableEcuIds(report.availableEcuIds()).build();
  }

  public static StatusReport fromProto(StatusResponse response) {
    List<EcuStatus> ecus = new ArrayList<>(response.getEcuCount());
    for (StatusResponseEcu e : response.getEcuList()) {
      ecus.add(fromProto(e, "StatusResponse.ecu"));
    }
    return new StatusReport(List.copyOf(ecus), List.copyOf(response.getAvailableEcuIdsList()));
  }

  // ---- update -----------------------------------------------------------------------------

  public static dev.otaclient.api.v2.UpdateRequestEcu toProto(UpdateRequestEcu r) {
    return dev.otaclient.api.v2.UpdateRequestEcu.newBuilder()
        .setEcuId(r.ecuId())
        .setVersion(r.version())
        .setUrl(r.url())
        .setCookies(r.cookies())
        .build();
  }

  public static UpdateRequestEcu fromProto(dev.otaclient.api.v2.UpdateRequestEcu r) {
    return new UpdateRequestEcu(r.getEcuId(), r.getVersion(), r.getUrl(), r.getCookies());
  }

  public static UpdateRequest toUpdateRequest(List<UpdateRequestEcu> entries) {
    UpdateRequest.Builder b = UpdateRequest.newBuilder();
    entries.forEach(e -> b.addEcu(toProto(e)));
    return b.build();
  }

  public static List<UpdateRequestEcu> fromProto(UpdateRequest request) {
    return request.getEcuList().stream().map(ProtoMapping::fromProto).toList();
  }

  public static UpdateResponse toUpdateResponse(List<EcuResult> results) {
    UpdateResponse.Builder b = UpdateResponse.newBuilder();
    for (EcuResult r : results) {
      b.addEcu(UpdateResponseEcu.newBuilder().setEcuId(r.ecuId()).setResult(toProto(r.result())));
    }
    return b.build();
  }

  public static List<EcuResult> fromProto(UpdateResponse response) {
    List<EcuResult> out = new ArrayList<>(response.getEcuCount());
    for (UpdateResponseEcu e : response.getEcuList()) {
      out.add(result(e.getEcuId(), e.getResult(), e.getResultValue(), "UpdateResponse.ecu"));
    }
    return List.copyOf(out);
  }

  // ---- rollback ---------------------------------------------------------------------------

  public static RollbackRequest toRollbackRequest(List<String> ecuIds) {
    RollbackRequest.Builder b = RollbackRequest.newBuilder();
    ecuIds.forEach(id -> b.addEcu(RollbackRequestEcu.newBuilder().setEcuId(id)));
    return b.build();
  }

  public static List<String> fromProto(RollbackRequest request) {
    return request.getEcuList().stream().map(RollbackRequestEcu::getEcuId).toList();
  }

  public static RollbackResponse toRollbackResponse(List<EcuResult> results) {
    RollbackResponse.Builder b = RollbackResponse.newBuilder();
    for (EcuResult r : results) {
      b.addEcu(RollbackResponseEcu.newBuilder().setEcuId(r.ecuId()).setResult(toProto(r.result())));
    }
    return b.build();
  }

  public static List<EcuResult> fromProto(RollbackResponse response) {
    List<EcuResult> out = new ArrayList<>(response.getEcuCount());
    for (RollbackResponseEcu e : response.getEcuList()) {
      out.add(result(e.getEcuId(), e.getResult(), e.getResultValue(), "RollbackResponse.ecu"));
    }
    return List.copyOf(out);
  }

  private static EcuResult result(String ecuId, dev.otaclient.api.v2.FailureType type, int raw, String field) {
    if (type == dev.otaclient.api.v2.FailureType.UNRECOGNIZED) {
      throw wireError(field + "[" + ecuId + "].result: unknown FailureType " + raw);
    }
    return new EcuResult(ecuId, fromProto(type, field + "[" + ecuId + "].result"));
  }
}
