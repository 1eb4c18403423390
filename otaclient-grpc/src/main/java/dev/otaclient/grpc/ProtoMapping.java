package dev.otaclient.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ProtocolMessageEnum;
import dev.otaclient.api.v2.AbortFailureType;
import dev.otaclient.api.v2.AbortRequest;
import dev.otaclient.api.v2.AbortRequestEcu;
import dev.otaclient.api.v2.AbortResponse;
import dev.otaclient.api.v2.AbortResponseEcu;
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
import dev.otaclient.api.v2.StatusResponseEcuV2;
import dev.otaclient.api.v2.UpdateRequest;
import dev.otaclient.api.v2.UpdateResponse;
import dev.otaclient.api.v2.UpdateResponseEcu;
import dev.otaclient.api.v2.UpdateStatus;
import dev.otaclient.internal.ecu.EcuRequest;
import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.internal.ecu.StatusReport;
import dev.otaclient.internal.ecu.StatusViews;
import dev.otaclient.internal.ecu.UpdateRequestEcu;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.FailureType;
import dev.otaclient.error.OtaException;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.Progress;
import dev.otaclient.status.UpdatePhase;
import dev.otaclient.status.UpdateProgress;
import dev.otaclient.status.UpdateStage;
import dev.otaclient.status.VersionDetail;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 *
 * <p>Status goes out in both forms ({@code ecu} and {@code ecu_v2}, see {@link StatusViews}) and is
 * read {@code ecu_v2} first, {@code ecu} second. Requests read from the wire keep their encoded form,
 * and a request with one is sent on exactly as it arrived: a relaying ECU never drops a field.
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

  /** Value for value; what a 2022 reader is shown instead of 6..8 is decided by {@link StatusViews#v1}. */
  public static StatusOta toProto(OtaStatus status) {
    return StatusOta.valueOf(status.name());
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

  public static dev.otaclient.api.v2.UpdatePhase toProto(UpdateStage stage) {
    return dev.otaclient.api.v2.UpdatePhase.valueOf(stage.name());
  }

  public static UpdateStage fromProto(dev.otaclient.api.v2.UpdatePhase phase, String field) {
    return byName(UpdateStage.class, phase, field);
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

  // ---- status v1 ---------------------------------------------------------------------------

  /**
   * One ECU's v1 entry, as {@link StatusViews#v1} shows it to a 2022 reader; {@code result} is
   * NO_FAILURE because the status itself was obtained.
   */
  public static StatusResponseEcu toProto(EcuStatus ecu) {
    EcuStatus s = StatusViews.v1(ecu);
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
   * One ECU's entry from the v1 list. An absent {@code status} reads as the proto default
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

  // ---- status v2 ---------------------------------------------------------------------------

  /**
   * One ECU's v2 entry. {@code failure_type} and {@code failure_reason} are present when there is a
   * failure to tell (always for FAILURE and ROLLBACK_FAILURE), {@code update_status} while an update
   * or client update runs.
   */
  public static StatusResponseEcuV2 toProtoV2(EcuStatus ecu) {
    EcuStatus s = StatusViews.complete(ecu);
    StatusResponseEcuV2.Builder b = StatusResponseEcuV2.newBuilder()
        .setEcuId(s.ecuId())
        .setFirmwareVersion(s.version())
        .setOtaclientVersion(s.otaclientVersion())
        .setReleaseName(s.detail().releaseName())
        .setReleaseId(s.detail().releaseId())
        .setImageId(s.detail().imageId())
        .setOtaStatus(toProto(s.status()));
    boolean failed = s.status() == OtaStatus.FAILURE || s.status() == OtaStatus.ROLLBACK_FAILURE;
    if (failed || s.failure() != FailureType.NO_FAILURE || !s.failureReason().isEmpty()) {
      b.setFailureType(toProto(s.failure())).setFailureReason(s.failureReason());
    }
    if (!s.failureTraceback().isEmpty()) {
      b.setFailureTraceback(s.failureTraceback());
    }
    s.update().ifPresent(u -> b.setUpdateStatus(toProto(u)));
    return b.build();
  }

  public static EcuStatus fromProto(StatusResponseEcuV2 e, String field) {
    String at = field + "[" + e.getEcuId() + "]";
    if (e.getOtaStatus() == StatusOta.UNRECOGNIZED) {
      throw wireError(at + ".ota_status: unknown StatusOta " + e.getOtaStatusValue());
    }
    FailureType failure = FailureType.NO_FAILURE;
    if (e.hasFailureType()) {
      if (e.getFailureType() == dev.otaclient.api.v2.FailureType.UNRECOGNIZED) {
        throw wireError(at + ".failure_type: unknown FailureType " + e.getFailureTypeValue());
      }
      failure = fromProto(e.getFailureType(), at + ".failure_type");
    }
    Optional<UpdateProgress> update = e.hasUpdateStatus()
        ? Optional.of(fromProto(e.getUpdateStatus(), at + ".update_status"))
        : Optional.empty();
    return new EcuStatus(e.getEcuId(), fromProto(e.getOtaStatus(), at + ".ota_status"), failure,
        e.getFailureReason(), e.getFirmwareVersion(), Optional.empty(), e.getOtaclientVersion(),
        new VersionDetail("", e.getReleaseName(), e.getReleaseId(), e.getImageId()), update,
        e.getFailureTraceback());
  }

  public static UpdateStatus toProto(UpdateProgress u) {
    return UpdateStatus.newBuilder()
        .setUpdateFirmwareVersion(u.updateFirmwareVersion())
        .setTotalFilesSizeUncompressed(u.totalFilesSizeUncompressed())
        .setTotalFilesNum(u.totalFilesNum())
        .setUpdateStartTimestamp(u.updateStartTimestamp())
        .setPhase(toProto(u.phase()))
        .setTotalDownloadFilesNum(u.totalDownloadFilesNum())
        .setTotalDownloadFilesSize(u.totalDownloadFilesSize())
        .setDownloadedFilesNum(u.downloadedFilesNum())
        .setDownloadedBytes(u.downloadedBytes())
        .setDownloadedFilesSize(u.downloadedFilesSize())
        .setDownloadingErrors(u.downloadingErrors())
        .setTotalRemoveFilesNum(u.totalRemoveFilesNum())
        .setRemovedFilesNum(u.removedFilesNum())
        .setProcessedFilesNum(u.processedFilesNum())
        .setProcessedFilesSize(u.processedFilesSize())
        .setTotalElapsedTime(toProto(u.totalElapsedTime()))
        .setDeltaGeneratingElapsedTime(toProto(u.deltaGeneratingElapsedTime()))
        .setDownloadingElapsedTime(toProto(u.downloadingElapsedTime()))
        .setUpdateApplyingElapsedTime(toProto(u.updateApplyingElapsedTime()))
        .build();
  }

  public static UpdateProgress fromProto(UpdateStatus u, String field) {
    if (u.getPhase() == dev.otaclient.api.v2.UpdatePhase.UNRECOGNIZED) {
      throw wireError(field + ".phase: unknown UpdatePhase " + u.getPhaseValue());
    }
    return new UpdateProgress(
        u.getUpdateFirmwareVersion(),
        u.getTotalFilesSizeUncompressed(),
        u.getTotalFilesNum(),
        u.getUpdateStartTimestamp(),
        fromProto(u.getPhase(), field + ".phase"),
        u.getTotalDownloadFilesNum(),
        u.getTotalDownloadFilesSize(),
        u.getDownloadedFilesNum(),
        u.getDownloadedBytes(),
        u.getDownloadedFilesSize(),
        u.getDownloadingErrors(),
        u.getTotalRemoveFilesNum(),
        u.getRemovedFilesNum(),
        u.getProcessedFilesNum(),
        u.getProcessedFilesSize(),
        fromProto(u.getTotalElapsedTime(), field + ".total_elapsed_time"),
        fromProto(u.getDeltaGeneratingElapsedTime(), field + ".delta_generating_elapsed_time"),
        fromProto(u.getDownloadingElapsedTime(), field + ".downloading_elapsed_time"),
        fromProto(u.getUpdateApplyingElapsedTime(), field + ".update_applying_elapsed_time"));
  }

  // ---- status answer -----------------------------------------------------------------------

  /** Every ECU of the report in both lists, in the same order. */
  public static StatusResponse toProto(StatusReport report) {
    StatusResponse.Builder b = StatusResponse.newBuilder();
    for (EcuStatus s : report.ecus()) {
      b.addEcu(toProto(s));
      b.addEcuV2(toProtoV2(s));
    }
    return b.addAllAvailableEcuIds(report.availableEcuIds()).build();
  }

  /**
   * The ECUs of an answer: those of {@code ecu_v2} in its order, each completed by its {@code ecu}
   * entry when there is one, then those only in {@code ecu} (a 2022 ECU somewhere below a relay
   * that does not convert). So a 2022 child, a current Python child and a Java child all read.
   */
  public static StatusReport fromProto(StatusResponse response) {
    Map<String, EcuStatus> v1 = new LinkedHashMap<>();
    for (StatusResponseEcu e : response.getEcuList()) {
      v1.putIfAbsent(e.getEcuId(), fromProto(e, "StatusResponse.ecu"));
    }
    List<EcuStatus> ecus = new ArrayList<>(Math.max(response.getEcuV2Count(), response.getEcuCount()));
    for (StatusResponseEcuV2 e : response.getEcuV2List()) {
      EcuStatus fromV2 = fromProto(e, "StatusResponse.ecu_v2");
      EcuStatus fromV1 = v1.remove(e.getEcuId());
      ecus.add(fromV1 == null ? StatusViews.complete(fromV2) : StatusViews.merge(fromV1, fromV2));
    }
    v1.values().forEach(s -> ecus.add(StatusViews.complete(s)));
    return new StatusReport(List.copyOf(ecus), List.copyOf(response.getAvailableEcuIdsList()));
  }

  // ---- update and client update ------------------------------------------------------------

  public static dev.otaclient.api.v2.UpdateRequestEcu toProto(UpdateRequestEcu r) {
    return dev.otaclient.api.v2.UpdateRequestEcu.newBuilder()
        .setEcuId(r.ecuId())
        .setVersion(r.version())
        .setUrl(r.url())
        .setCookies(r.cookies())
        .setReleaseName(r.releaseName())
        .setReleaseId(r.releaseId())
        .setImageId(r.imageId())
        .build();
  }

  public static UpdateRequestEcu fromProto(dev.otaclient.api.v2.UpdateRequestEcu r) {
    return new UpdateRequestEcu(r.getEcuId(), r.getVersion(), r.getUrl(), r.getCookies(), r.getReleaseName(),
        r.getReleaseId(), r.getImageId());
  }

  /** The request as it arrived when it has its encoded form, else built from its values. */
  public static UpdateRequest toUpdateRequest(EcuRequest<UpdateRequestEcu> request) {
    if (request.original().isPresent()) {
      return reparse(request, UpdateRequest.parser()::parseFrom);
    }
    UpdateRequest.Builder b = UpdateRequest.newBuilder().setRequestId(request.requestId());
    request.entries().forEach(e -> b.addEcu(toProto(e)));
    return b.build();
  }

  public static UpdateRequest toUpdateRequest(List<UpdateRequestEcu> entries) {
    return toUpdateRequest(EcuRequest.of(entries, ""));
  }

  /** {@code direct}: the call came from an operator's client, not from a parent ECU. */
  public static EcuRequest<UpdateRequestEcu> fromProto(UpdateRequest request, boolean direct) {
    return received(request.getEcuList().stream().map(ProtoMapping::fromProto).toList(), request.getRequestId(),
        request, direct);
  }

  public static List<UpdateRequestEcu> fromProto(UpdateRequest request) {
    return fromProto(request, false).entries();
  }

  public static UpdateResponse toUpdateResponse(List<EcuResult> results) {
    UpdateResponse.Builder b = UpdateResponse.newBuilder();
    for (EcuResult r : results) {
      b.addEcu(UpdateResponseEcu.newBuilder().setEcuId(r.ecuId()).setResult(toProto(r.result()))
          .setMessage(r.message()));
    }
    return b.build();
  }

  public static List<EcuResult> fromProto(UpdateResponse response) {
    List<EcuResult> out = new ArrayList<>(response.getEcuCount());
    for (UpdateResponseEcu e : response.getEcuList()) {
      out.add(result(e.getEcuId(), e.getResult(), e.getResultValue(), e.getMessage(), "UpdateResponse.ecu"));
    }
    return List.copyOf(out);
  }

  // ---- rollback ---------------------------------------------------------------------------

  public static RollbackRequest toRollbackRequest(EcuRequest<String> request) {
    if (request.original().isPresent()) {
      return reparse(request, RollbackRequest.parser()::parseFrom);
    }
    RollbackRequest.Builder b = RollbackRequest.newBuilder().setRequestId(request.requestId());
    request.entries().forEach(id -> b.addEcu(RollbackRequestEcu.newBuilder().setEcuId(id)));
    return b.build();
  }

  public static RollbackRequest toRollbackRequest(List<String> ecuIds) {
    return toRollbackRequest(EcuRequest.of(ecuIds, ""));
  }

  public static EcuRequest<String> fromProto(RollbackRequest request, boolean direct) {
    return received(request.getEcuList().stream().map(RollbackRequestEcu::getEcuId).toList(), request.getRequestId(),
        request, direct);
  }

  public static List<String> fromProto(RollbackRequest request) {
    return fromProto(request, false).entries();
  }

  public static RollbackResponse toRollbackResponse(List<EcuResult> results) {
    RollbackResponse.Builder b = RollbackResponse.newBuilder();
    for (EcuResult r : results) {
      b.addEcu(RollbackResponseEcu.newBuilder().setEcuId(r.ecuId()).setResult(toProto(r.result()))
          .setMessage(r.message()));
    }
    return b.build();
  }

  public static List<EcuResult> fromProto(RollbackResponse response) {
    List<EcuResult> out = new ArrayList<>(response.getEcuCount());
    for (RollbackResponseEcu e : response.getEcuList()) {
      out.add(result(e.getEcuId(), e.getResult(), e.getResultValue(), e.getMessage(), "RollbackResponse.ecu"));
    }
    return List.copyOf(out);
  }

  // ---- abort ------------------------------------------------------------------------------

  public static AbortRequest toAbortRequest(EcuRequest<String> request) {
    if (request.original().isPresent()) {
      return reparse(request, AbortRequest.parser()::parseFrom);
    }
    AbortRequest.Builder b = AbortRequest.newBuilder().setRequestId(request.requestId());
    request.entries().forEach(id -> b.addEcu(AbortRequestEcu.newBuilder().setEcuId(id)));
    return b.build();
  }

  public static EcuRequest<String> fromProto(AbortRequest request, boolean direct) {
    return received(request.getEcuList().stream().map(AbortRequestEcu::getEcuId).toList(), request.getRequestId(),
        request, direct);
  }

  /** NO_FAILURE is ABORT_NO_FAILURE; any failure is ABORT_FAILURE, the only other answer. */
  public static AbortResponse toAbortResponse(List<EcuResult> results) {
    AbortResponse.Builder b = AbortResponse.newBuilder();
    for (EcuResult r : results) {
      b.addEcu(AbortResponseEcu.newBuilder().setEcuId(r.ecuId())
          .setResult(r.accepted() ? AbortFailureType.ABORT_NO_FAILURE : AbortFailureType.ABORT_FAILURE)
          .setMessage(r.message()));
    }
    return b.build();
  }

  /** ABORT_FAILURE reads as RECOVERABLE: the abort did not happen, asking again may work. */
  public static List<EcuResult> fromProto(AbortResponse response) {
    List<EcuResult> out = new ArrayList<>(response.getEcuCount());
    for (AbortResponseEcu e : response.getEcuList()) {
      FailureType result = switch (e.getResult()) {
        case ABORT_NO_FAILURE -> FailureType.NO_FAILURE;
        case ABORT_FAILURE -> FailureType.RECOVERABLE;
        default -> throw wireError("AbortResponse.ecu[" + e.getEcuId() + "].result: unknown AbortFailureType "
            + e.getResultValue());
      };
      out.add(new EcuResult(e.getEcuId(), result, e.getMessage()));
    }
    return List.copyOf(out);
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** A request as it arrived, keeping its encoded form (with any field this build does not know). */
  private static <E> EcuRequest<E> received(List<E> entries, String requestId, com.google.protobuf.MessageLite wire,
      boolean direct) {
    return new EcuRequest<>(entries, requestId, Optional.of(new EcuRequest.Encoded(wire.toByteArray())), direct);
  }

  private interface Parse<M> {
    M parse(byte[] bytes) throws InvalidProtocolBufferException;
  }

  /** The encoded form is what this process decoded from the wire: it always parses again. */
  private static <M> M reparse(EcuRequest<?> request, Parse<M> parse) {
    try {
      return parse.parse(request.original().orElseThrow().bytes());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a request this process decoded no longer parses", e);
    }
  }

  private static EcuResult result(String ecuId, dev.otaclient.api.v2.FailureType type, int raw, String message,
      String field) {
    if (type == dev.otaclient.api.v2.FailureType.UNRECOGNIZED) {
      throw wireError(field + "[" + ecuId + "].result: unknown FailureType " + raw);
    }
    return new EcuResult(ecuId, fromProto(type, field + "[" + ecuId + "].result"), message);
  }
}
