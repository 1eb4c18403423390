package dev.otaclient.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.api.v2.RollbackResponse;
import dev.otaclient.api.v2.RollbackResponseEcu;
import dev.otaclient.api.v2.Status;
import dev.otaclient.api.v2.StatusProgress;
import dev.otaclient.api.v2.StatusResponse;
import dev.otaclient.api.v2.StatusResponseEcu;
import dev.otaclient.api.v2.StatusResponseEcuV2;
import dev.otaclient.api.v2.UpdateResponse;
import dev.otaclient.api.v2.UpdateResponseEcu;
import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.internal.ecu.StatusReport;
import dev.otaclient.internal.ecu.StatusViews;
import dev.otaclient.internal.ecu.UpdateRequestEcu;
import dev.otaclient.error.FailureType;
import dev.otaclient.error.OtaException;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.Progress;
import dev.otaclient.status.UpdatePhase;
import dev.otaclient.status.UpdateStage;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import dev.otaclient.api.v2.StatusOta;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ProtoMappingTest {

  /** Every field distinct, so a swapped pair of setters cannot pass. */
  static final Progress PROGRESS = new Progress(UpdatePhase.PERSISTENT, 101, 102, 103, 104, 105, 106, 107, 108,
      Duration.ofSeconds(9, 1), Duration.ofSeconds(10, 999_999_999), Duration.ofMillis(11_250), 112, 113,
      Duration.ofSeconds(3_600, 500_000_000), 1L << 40);

  @Test
  void progressEveryFieldSurvivesTheProtoAndTheBytes() throws Exception {
    StatusProgress proto = ProtoMapping.toProto(PROGRESS);
    assertThat(proto.getPhase()).isEqualTo(dev.otaclient.api.v2.StatusProgressPhase.PERSISTENT);
    assertThat(proto.getTotalRegularFiles()).isEqualTo(101);
    assertThat(proto.getRegularFilesProcessed()).isEqualTo(102);
    assertThat(proto.getFilesProcessedCopy()).isEqualTo(103);
    assertThat(proto.getFilesProcessedLink()).isEqualTo(104);
    assertThat(proto.getFilesProcessedDownload()).isEqualTo(105);
    assertThat(proto.getFileSizeProcessedCopy()).isEqualTo(106);
    assertThat(proto.getFileSizeProcessedLink()).isEqualTo(107);
    assertThat(proto.getFileSizeProcessedDownload()).isEqualTo(108);
    assertThat(proto.getElapsedTimeCopy().getSeconds()).isEqualTo(9);
    assertThat(proto.getElapsedTimeCopy().getNanos()).isEqualTo(1);
    assertThat(proto.getElapsedTimeLink().getSeconds()).isEqualTo(10);
    assertThat(proto.getElapsedTimeLink().getNanos()).isEqualTo(999_999_999);
    assertThat(proto.getElapsedTimeDownload().getSeconds()).isEqualTo(11);
    assertThat(proto.getElapsedTimeDownload().getNanos()).isEqualTo(250_000_000);
    assertThat(proto.getErrorsDownload()).isEqualTo(112);
    assertThat(proto.getTotalRegularFileSize()).isEqualTo(113);
    assertThat(proto.getTotalElapsedTime().getSeconds()).isEqualTo(3_600);
    assertThat(proto.getTotalElapsedTime().getNanos()).isEqualTo(500_000_000);
    assertThat(proto.getDownloadBytes()).isEqualTo(1L << 40);

    StatusProgress reparsed = StatusProgress.parseFrom(proto.toByteArray());
    assertThat(ProtoMapping.fromProto(reparsed, "p")).isEqualTo(PROGRESS);
  }

  @ParameterizedTest
  @EnumSource(UpdatePhase.class)
  void everyPhaseMapsByName(UpdatePhase phase) {
    assertThat(ProtoMapping.toProto(phase).name()).isEqualTo(phase.name());
    assertThat(ProtoMapping.fromProto(ProtoMapping.toProto(phase), "phase")).isEqualTo(phase);
  }

  @ParameterizedTest
  @EnumSource(OtaStatus.class)
  void everyStatusMapsByNameAndNumber(OtaStatus status) {
    assertThat(ProtoMapping.toProto(status).getNumber()).isEqualTo(status.ordinal());
    assertThat(ProtoMapping.fromProto(ProtoMapping.toProto(status), "status")).isEqualTo(status);
  }

  @ParameterizedTest
  @EnumSource(UpdateStage.class)
  void everyV2PhaseMapsByNameAndNumber(UpdateStage stage) {
    assertThat(ProtoMapping.toProto(stage).getNumber()).isEqualTo(stage.ordinal());
    assertThat(ProtoMapping.fromProto(ProtoMapping.toProto(stage), "phase")).isEqualTo(stage);
  }

  /** The v1 list shows 2022 readers only values they know; the v2 list the real one. */
  @Test
  void laterStatusesAreProjectedOntoThe2022EnumInTheV1ListOnly() {
    for (OtaStatus s : List.of(OtaStatus.CLIENT_UPDATING, OtaStatus.ABORTING, OtaStatus.ABORTED)) {
      EcuStatus e = new EcuStatus("x", s, FailureType.NO_FAILURE, "", "1", Optional.empty());
      StatusResponse r = ProtoMapping.toProto(new StatusReport(List.of(e), List.of()));
      assertThat(r.getEcuV2(0).getOtaStatus().getNumber()).isEqualTo(s.ordinal());
      Status v1 = r.getEcu(0).getStatus();
      if (s == OtaStatus.ABORTED) {
        assertThat(v1.getStatus()).isEqualTo(StatusOta.FAILURE);
        assertThat(v1.getFailure()).isEqualTo(dev.otaclient.api.v2.FailureType.RECOVERABLE);
        assertThat(v1.getFailureReason()).isEqualTo("update aborted on request (status ABORTED)");
        assertThat(r.getEcuV2(0).hasFailureType()).as("ABORTED is no failure in v2").isFalse();
      } else {
        assertThat(v1.getStatus()).isEqualTo(StatusOta.UPDATING);
      }
      // read back (v2 first): the real status, no invented failure
      assertThat(ProtoMapping.fromProto(r).ecus()).containsExactly(e);
    }
  }

  @ParameterizedTest
  @EnumSource(FailureType.class)
  void everyFailureTypeMapsByNameAndNumber(FailureType type) {
    assertThat(ProtoMapping.toProto(type).getNumber()).isEqualTo(type.ordinal());
    assertThat(ProtoMapping.fromProto(ProtoMapping.toProto(type), "failure")).isEqualTo(type);
  }

  @Test
  void durationsKeepNanosIncludingNegativeOnes() {
    for (Duration d : List.of(Duration.ZERO, Duration.ofNanos(1), Duration.ofSeconds(5, 123_456_789),
        Duration.ofNanos(-1_500_000_000L), Duration.ofSeconds(-3))) {
      com.google.protobuf.Duration p = ProtoMapping.toProto(d);
      assertThat(Long.signum(p.getSeconds()) * Integer.signum(p.getNanos())).isGreaterThanOrEqualTo(0);
      assertThat(ProtoMapping.fromProto(p, "d")).isEqualTo(d);
    }
    assertThat(ProtoMapping.toProto(Duration.ofNanos(-1_500_000_000L)).getSeconds()).isEqualTo(-1);
    assertThat(ProtoMapping.toProto(Duration.ofNanos(-1_500_000_000L)).getNanos()).isEqualTo(-500_000_000);
  }

  @Test
  void invalidDurationFromTheWireIsAClearError() {
    var bad = com.google.protobuf.Duration.newBuilder().setSeconds(1).setNanos(-5).build();
    assertThatThrownBy(() -> ProtoMapping.fromProto(bad, "progress.elapsed_time_copy"))
        .isInstanceOf(OtaException.class)
        .hasMessageContaining("progress.elapsed_time_copy")
        .hasMessageContaining("nanos=-5");
  }

  @Test
  void statusReportRoundTripsWithAndWithoutProgress() throws Exception {
    EcuStatus updating = new EcuStatus("p1", OtaStatus.UPDATING, FailureType.NO_FAILURE, "", "1.2.3",
        Optional.of(PROGRESS));
    EcuStatus failed = new EcuStatus("autoware", OtaStatus.FAILURE, FailureType.UNRECOVERABLE,
        "E2-0102-303: failed to prepare the standby slot", "1.0.0", Optional.empty());
    StatusReport report = new StatusReport(List.of(updating, failed), List.of("autoware", "p1", "p2"));

    StatusResponse proto = ProtoMapping.toProto(report);
    assertThat(proto.getEcuList()).extracting(StatusResponseEcu::getEcuId).containsExactly("p1", "autoware");
    assertThat(proto.getEcu(0).getResult()).isEqualTo(dev.otaclient.api.v2.FailureType.NO_FAILURE);
    assertThat(proto.getEcu(0).getStatus().hasProgress()).isTrue();
    assertThat(proto.getEcu(1).getStatus().hasProgress()).isFalse();
    assertThat(proto.getEcu(1).getStatus().getFailureReason()).startsWith("E2-0102-303");
    assertThat(proto.getAvailableEcuIdsList()).containsExactly("autoware", "p1", "p2");

    assertThat(proto.getEcuV2List()).extracting(StatusResponseEcuV2::getEcuId).containsExactly("p1", "autoware");
    assertThat(proto.getEcuV2(0).hasUpdateStatus()).isTrue();
    assertThat(proto.getEcuV2(1).hasUpdateStatus()).isFalse();
    assertThat(proto.getEcuV2(1).getFailureReason()).startsWith("E2-0102-303");

    // read back with the v2 progress derived from the v1 one (the only one given)
    StatusReport back = ProtoMapping.fromProto(StatusResponse.parseFrom(proto.toByteArray()));
    assertThat(back).isEqualTo(new StatusReport(List.of(StatusViews.complete(updating), failed), report.availableEcuIds()));
    assertThat(back.ecus().get(0).progress()).contains(PROGRESS);
  }

  @Test
  void absentStatusMessageReadsAsInitialized() {
    StatusResponse r = StatusResponse.newBuilder()
        .addEcu(StatusResponseEcu.newBuilder().setEcuId("x")).build();
    assertThat(ProtoMapping.fromProto(r).ecus()).containsExactly(
        new EcuStatus("x", OtaStatus.INITIALIZED, FailureType.NO_FAILURE, "", "", Optional.empty()));
  }

  @Test
  void unknownEnumNumbersFromTheWireAreClearErrors() {
    StatusResponse badStatus = StatusResponse.newBuilder().addEcu(StatusResponseEcu.newBuilder().setEcuId("p1")
        .setStatus(Status.newBuilder().setStatusValue(42))).build();
    assertThatThrownBy(() -> ProtoMapping.fromProto(badStatus))
        .isInstanceOf(OtaException.class)
        .hasMessageContaining("StatusResponse.ecu[p1].status.status")
        .hasMessageContaining("42");

    StatusResponse badPhase = StatusResponse.newBuilder().addEcu(StatusResponseEcu.newBuilder().setEcuId("p1")
        .setStatus(Status.newBuilder().setProgress(StatusProgress.newBuilder().setPhaseValue(17)))).build();
    assertThatThrownBy(() -> ProtoMapping.fromProto(badPhase))
        .isInstanceOf(OtaException.class).hasMessageContaining("progress.phase").hasMessageContaining("17");

    StatusResponse badFailure = StatusResponse.newBuilder().addEcu(StatusResponseEcu.newBuilder().setEcuId("p1")
        .setStatus(Status.newBuilder().setFailureValue(9))).build();
    assertThatThrownBy(() -> ProtoMapping.fromProto(badFailure))
        .isInstanceOf(OtaException.class).hasMessageContaining("failure").hasMessageContaining("9");

    UpdateResponse badResult = UpdateResponse.newBuilder()
        .addEcu(UpdateResponseEcu.newBuilder().setEcuId("p2").setResultValue(7)).build();
    assertThatThrownBy(() -> ProtoMapping.fromProto(badResult))
        .isInstanceOf(OtaException.class).hasMessageContaining("UpdateResponse.ecu[p2].result").hasMessageContaining("7");
  }

  @Test
  void updateRequestAndResponsesRoundTrip() {
    List<UpdateRequestEcu> request = List.of(
        new UpdateRequestEcu("autoware", "2.0", "https://ota.example/img", "{\"a\":\"b\"}"),
        new UpdateRequestEcu("p1", "2.1", "http://10.0.0.2:8082/img", ""));
    var proto = ProtoMapping.toUpdateRequest(request);
    assertThat(proto.getEcu(0).getEcuId()).isEqualTo("autoware");
    assertThat(proto.getEcu(0).getVersion()).isEqualTo("2.0");
    assertThat(proto.getEcu(0).getUrl()).isEqualTo("https://ota.example/img");
    assertThat(proto.getEcu(0).getCookies()).isEqualTo("{\"a\":\"b\"}");
    assertThat(ProtoMapping.fromProto(proto)).isEqualTo(request);

    List<EcuResult> results = List.of(new EcuResult("p1", FailureType.RECOVERABLE),
        new EcuResult("autoware", FailureType.NO_FAILURE), new EcuResult("p2", FailureType.UNRECOVERABLE));
    UpdateResponse up = ProtoMapping.toUpdateResponse(results);
    assertThat(up.getEcuList()).extracting(UpdateResponseEcu::getResultValue).containsExactly(1, 0, 2);
    assertThat(ProtoMapping.fromProto(up)).isEqualTo(results);
    RollbackResponse rb = ProtoMapping.toRollbackResponse(results);
    assertThat(rb.getEcuList()).extracting(RollbackResponseEcu::getEcuId).containsExactly("p1", "autoware", "p2");
    assertThat(ProtoMapping.fromProto(rb)).isEqualTo(results);

    assertThat(ProtoMapping.fromProto(ProtoMapping.toRollbackRequest(List.of("a", "b")))).containsExactly("a", "b");
  }
}
