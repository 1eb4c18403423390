package dev.otaclient.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.error.FailureType;
import dev.otaclient.internal.ecu.EcuRequest;
import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.internal.ecu.StatusReport;
import dev.otaclient.internal.ecu.UpdateRequestEcu;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.UpdatePhase;
import dev.otaclient.status.UpdateProgress;
import dev.otaclient.status.UpdateStage;
import dev.otaclient.status.VersionDetail;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every field otaclient-api v1.1.0 added, on the wire by its number, in both directions: our server
 * read and answered with bytes built and decoded by field number (as a client built from the proto
 * by another toolchain sees us), and our client against a server that answers raw bytes (as a
 * current Python ECU answers).
 */
class WireV2Test {
  private final ScriptedOperations ops = new ScriptedOperations();
  private GrpcServer server;
  private ManagedChannel channel;

  @BeforeEach
  void start() {
    server = new GrpcServer("127.0.0.1", 0, new OtaClientGrpcService(ops), TlsConfig.DISABLED,
        Duration.ofSeconds(1)).start();
    channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.port(), InsecureChannelCredentials.create())
        .build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.close();
  }

  /** UpdateRequestEcu 1..4 of 2022, release_name 5, release_id 6, image_id 7; unknown 99. */
  private static RawWire.Msg entry(String id) {
    return new RawWire.Msg().string(1, id).string(2, "1.0").string(3, "http://10.0.0.1:8080/img/").string(4, "{}")
        .string(5, "rel-" + id).string(6, "rid-" + id).string(7, "img-" + id).varint(99, 7);
  }

  // ------------------------------------------------------------------ our server, bytes in and out

  @Test
  void updateReadsRequestAndReleaseIdsAndAnswersMessagesByNumber() {
    ops.onUpdate = r -> List.of(new EcuResult("autoware", FailureType.NO_FAILURE),
        new EcuResult("p1", FailureType.RECOVERABLE, "ECU p1 is busy: its status is UPDATING"));
    // UpdateRequest: ecu = 1, request_id = 2; field 50 is one this build does not know
    byte[] request = new RawWire.Msg().message(1, entry("autoware")).message(1, entry("p1")).string(2, "req-1")
        .varint(50, 5).toByteArray();

    RawWire.Fields answer = RawWire.decode(RawWire.call(channel, "Update", request));

    EcuRequest<?> got = ops.requests.get(0);
    assertThat(got.requestId()).isEqualTo("req-1");
    assertThat(got.direct()).as("a caller without our header is treated as a relaying parent").isFalse();
    assertThat(castUpdate(got).entries()).containsExactly(
        new UpdateRequestEcu("autoware", "1.0", "http://10.0.0.1:8080/img/", "{}", "rel-autoware", "rid-autoware",
            "img-autoware"),
        new UpdateRequestEcu("p1", "1.0", "http://10.0.0.1:8080/img/", "{}", "rel-p1", "rid-p1", "img-p1"));
    assertRelayedUnchanged(ProtoMapping.toUpdateRequest(castUpdate(got)).toByteArray());

    // UpdateResponseEcu: ecu_id = 1, result = 2, message = 3 (left off when empty, like every proto3 default)
    List<RawWire.Fields> ecus = answer.messages(1);
    assertThat(ecus).extracting(f -> f.string(1)).containsExactly("autoware", "p1");
    assertThat(ecus.get(0).has(2)).isFalse();
    assertThat(ecus.get(0).has(3)).isFalse();
    assertThat(ecus.get(1).varint(2)).isEqualTo(1L);
    assertThat(ecus.get(1).string(3)).isEqualTo("ECU p1 is busy: its status is UPDATING");
  }

  @Test
  void clientUpdateIsTheUpdateRequestUnderItsOwnMethod() {
    ops.onUpdate = r -> List.of(new EcuResult("autoware", FailureType.RECOVERABLE, "why not"));
    byte[] request = new RawWire.Msg().message(1, entry("autoware")).string(2, "req-c").toByteArray();

    RawWire.Fields answer = RawWire.decode(RawWire.call(channel, "ClientUpdate", request));

    assertThat(ops.clientUpdates).hasSize(1);
    assertThat(ops.updates).isEmpty();
    assertThat(ops.requests.get(0).requestId()).isEqualTo("req-c");
    assertThat(ops.clientUpdates.get(0).get(0).imageId()).isEqualTo("img-autoware");
    assertThat(answer.messages(1).get(0).varint(2)).isEqualTo(1L);
    assertThat(answer.messages(1).get(0).string(3)).isEqualTo("why not");
  }

  @Test
  void rollbackReadsTheRequestIdAndAnswersMessagesByNumber() {
    ops.onRollback = ids -> List.of(new EcuResult("autoware", FailureType.RECOVERABLE, "no previous system"));
    byte[] request = new RawWire.Msg().message(1, new RawWire.Msg().string(1, "autoware")).string(2, "req-r")
        .toByteArray();

    RawWire.Fields answer = RawWire.decode(RawWire.call(channel, "Rollback", request));

    assertThat(ops.requests.get(0).requestId()).isEqualTo("req-r");
    assertThat(ops.rollbacks).containsExactly(List.of("autoware"));
    assertThat(answer.messages(1).get(0).string(1)).isEqualTo("autoware");
    assertThat(answer.messages(1).get(0).varint(2)).isEqualTo(1L);
    assertThat(answer.messages(1).get(0).string(3)).isEqualTo("no previous system");
  }

  @Test
  void abortByNumberWithAbortFailureTypeInTheAnswer() {
    ops.onAbort = ids -> List.of(new EcuResult("autoware", FailureType.NO_FAILURE, "abort accepted"),
        new EcuResult("p1", FailureType.RECOVERABLE, "cannot abort: no update is running"));
    // AbortRequest: ecu = 1 (AbortRequestEcu: ecu_id = 1), request_id = 2
    byte[] request = new RawWire.Msg().message(1, new RawWire.Msg().string(1, "autoware"))
        .message(1, new RawWire.Msg().string(1, "p1")).string(2, "req-a").toByteArray();

    RawWire.Fields answer = RawWire.decode(RawWire.call(channel, "Abort", request));

    assertThat(ops.aborts).containsExactly(List.of("autoware", "p1"));
    assertThat(ops.requests.get(0).requestId()).isEqualTo("req-a");
    // AbortResponseEcu: ecu_id = 1, result = 2 (ABORT_NO_FAILURE 0, ABORT_FAILURE 1), message = 3
    List<RawWire.Fields> ecus = answer.messages(1);
    assertThat(ecus).extracting(f -> f.string(1)).containsExactly("autoware", "p1");
    assertThat(ecus.get(0).has(2)).isFalse();
    assertThat(ecus.get(0).string(3)).isEqualTo("abort accepted");
    assertThat(ecus.get(1).varint(2)).isEqualTo(1L);
    assertThat(ecus.get(1).string(3)).isEqualTo("cannot abort: no update is running");
  }

  static final UpdateProgress UPDATE = new UpdateProgress("2.0", 2002, 2003, 1_700_000_004L,
      UpdateStage.DOWNLOADING_OTA_FILES, 2012, 2013, 2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021,
      Duration.ofSeconds(31, 1), Duration.ofSeconds(32, 2), Duration.ofSeconds(33, 3), Duration.ofSeconds(34, 4));

  @Test
  void statusCarriesEcuV2WithEveryFieldUnderItsNumber() {
    EcuStatus updating = new EcuStatus("p1", OtaStatus.UPDATING, FailureType.NO_FAILURE, "", "1.0", Optional.empty(),
        "0.9.1", new VersionDetail("req-9", "rel-1", "rid-1", "img-1"), Optional.of(UPDATE), "");
    EcuStatus failed = new EcuStatus("p2", OtaStatus.FAILURE, FailureType.UNRECOVERABLE, "E2-0102-303: boom", "0.5",
        Optional.empty(), "0.9.1", VersionDetail.NONE, Optional.empty(), "Traceback: line 1");
    EcuStatus aborted = new EcuStatus("main", OtaStatus.ABORTED, FailureType.NO_FAILURE, "", "1.0", Optional.empty(),
        "0.9.1", VersionDetail.NONE, Optional.empty(), "");
    ops.status = new StatusReport(List.of(updating, failed, aborted), List.of("main", "p1", "p2"));

    RawWire.Fields answer = RawWire.decode(RawWire.call(channel, "Status", new byte[0]));

    // StatusResponse: ecu = 1 (v1, kept), available_ecu_ids = 2, ecu_v2 = 3: the same ECUs in the same order
    assertThat(answer.messages(1)).extracting(f -> f.string(1)).containsExactly("p1", "p2", "main");
    assertThat(answer.strings(2)).containsExactly("main", "p1", "p2");
    List<RawWire.Fields> v2 = answer.messages(3);
    assertThat(v2).extracting(f -> f.string(1)).containsExactly("p1", "p2", "main");

    // StatusResponseEcuV2: ecu_id 1, firmware_version 2, otaclient_version 3, release_name 4, release_id 5,
    // image_id 6, ota_status 11, failure_type 12, failure_reason 13, failure_traceback 14, update_status 15
    RawWire.Fields p1 = v2.get(0);
    assertThat(p1.string(2)).isEqualTo("1.0");
    assertThat(p1.string(3)).isEqualTo("0.9.1");
    assertThat(p1.string(4)).isEqualTo("rel-1");
    assertThat(p1.string(5)).isEqualTo("rid-1");
    assertThat(p1.string(6)).isEqualTo("img-1");
    assertThat(p1.varint(11)).isEqualTo(3L); // UPDATING
    assertThat(p1.has(12)).as("optional failure_type: absent while nothing failed").isFalse();
    assertThat(p1.has(13)).isFalse();
    assertThat(p1.has(14)).isFalse();
    for (int reserved = 7; reserved <= 10; reserved++) {
      assertThat(p1.has(reserved)).isFalse();
    }
    // UpdateStatus: 1..4, phase 11, counters 12..21, durations 31..34
    RawWire.Fields u = p1.message(15);
    assertThat(u.string(1)).isEqualTo("2.0");
    assertThat(u.varint(2)).isEqualTo(2002L);
    assertThat(u.varint(3)).isEqualTo(2003L);
    assertThat(u.varint(4)).isEqualTo(1_700_000_004L);
    assertThat(u.varint(11)).isEqualTo(3L); // DOWNLOADING_OTA_FILES
    for (int field = 12; field <= 21; field++) {
      assertThat(u.varint(field)).as("UpdateStatus field %d", field).isEqualTo(2000L + field);
    }
    for (int field = 31; field <= 34; field++) {
      assertThat(u.message(field).varint(1)).as("UpdateStatus field %d seconds", field).isEqualTo(field);
      assertThat(u.message(field).varint(2)).as("UpdateStatus field %d nanos", field).isEqualTo(field - 30L);
    }
    // the v1 entry of the same ECU carries the projected progress (DOWNLOADING_OTA_FILES -> REGULAR)
    assertThat(answer.messages(1).get(0).message(3).message(5).varint(1)).isEqualTo(UpdatePhase.REGULAR.ordinal());

    RawWire.Fields p2 = v2.get(1);
    assertThat(p2.varint(11)).isEqualTo(2L); // FAILURE
    assertThat(p2.has(12)).isTrue();
    assertThat(p2.varint(12)).isEqualTo(2L); // UNRECOVERABLE
    assertThat(p2.string(13)).isEqualTo("E2-0102-303: boom");
    assertThat(p2.string(14)).isEqualTo("Traceback: line 1");
    assertThat(p2.has(15)).as("no update_status outside an update").isFalse();

    // 6..8 are shown as they are in ecu_v2, and as 2022 values in ecu
    assertThat(v2.get(2).varint(11)).isEqualTo(8L); // ABORTED
    assertThat(v2.get(2).has(12)).isFalse();
    RawWire.Fields mainV1 = answer.messages(1).get(2).message(3);
    assertThat(mainV1.varint(1)).isEqualTo(2L); // FAILURE
    assertThat(mainV1.varint(2)).isEqualTo(1L); // RECOVERABLE
    assertThat(mainV1.string(3)).isEqualTo("update aborted on request (status ABORTED)");
  }

  @Test
  void ourClientMarksItsCallsDirectAParentRelayDoesNot() {
    try (OtaClientStub operator = OtaClientStub.connect("127.0.0.1", server.port(), Duration.ofSeconds(5));
         OtaClientStub parent = OtaClientStub.relay("127.0.0.1", server.port(), Duration.ofSeconds(5),
             TlsConfig.DISABLED)) {
      operator.abort(List.of("main"));
      parent.abort(List.of("main"));
    }
    assertThat(ops.requests).extracting(EcuRequest::direct).containsExactly(true, false);
  }

  // ------------------------------------------------------------------ our client against raw bytes

  /** A status as a current (3.14) Python ECU sends it: ecu_v2 only, the v1 list left out. */
  static byte[] v2OnlyStatus() {
    RawWire.Msg update = new RawWire.Msg().string(1, "3.0").varint(2, 9002).varint(3, 9003).varint(4, 1_700_000_000L)
        .varint(11, 4) // APPLYING_UPDATE
        .varint(12, 9012).varint(13, 9013).varint(14, 9014).varint(15, 9015).varint(16, 9016).varint(17, 9017)
        .varint(18, 9018).varint(19, 9019).varint(20, 9020).varint(21, 9021)
        .message(31, new RawWire.Msg().varint(1, 31)).message(32, new RawWire.Msg().varint(1, 32))
        .message(33, new RawWire.Msg().varint(1, 33)).message(34, new RawWire.Msg().varint(1, 34));
    return new RawWire.Msg()
        .message(3, new RawWire.Msg().string(1, "py-sub").string(2, "2.9").string(3, "3.14.2").string(4, "rel")
            .string(5, "rid").string(6, "img").varint(11, 3).message(15, update))
        .message(3, new RawWire.Msg().string(1, "py-failed").string(2, "2.9").string(3, "3.14.2").varint(11, 2)
            .varint(12, 1).string(13, "E1-0103-100: network").string(14, "Traceback (most recent call last)"))
        .message(3, new RawWire.Msg().string(1, "py-client").string(3, "3.14.2").varint(11, 6)
            .message(15, new RawWire.Msg().varint(11, 7)))
        .string(2, "py-sub")
        .toByteArray();
  }

  @Test
  void ourClientReadsAStatusThatHasOnlyEcuV2() {
    try (RawServer py = RawServer.start(Map.of("Status", req -> v2OnlyStatus()));
         OtaClientStub stub = OtaClientStub.connect("127.0.0.1", py.port(), Duration.ofSeconds(5))) {
      StatusReport r = stub.status();

      assertThat(r.availableEcuIds()).containsExactly("py-sub");
      assertThat(r.ecus()).extracting(EcuStatus::ecuId).containsExactly("py-sub", "py-failed", "py-client");
      EcuStatus sub = r.ecus().get(0);
      assertThat(sub.status()).isEqualTo(OtaStatus.UPDATING);
      assertThat(sub.version()).isEqualTo("2.9");
      assertThat(sub.otaclientVersion()).isEqualTo("3.14.2");
      assertThat(sub.detail()).isEqualTo(new VersionDetail("", "rel", "rid", "img"));
      assertThat(sub.update()).contains(new UpdateProgress("3.0", 9002, 9003, 1_700_000_000L,
          UpdateStage.APPLYING_UPDATE, 9012, 9013, 9014, 9015, 9016, 9017, 9018, 9019, 9020, 9021,
          Duration.ofSeconds(31), Duration.ofSeconds(32), Duration.ofSeconds(33), Duration.ofSeconds(34)));
      // the v1 view is derived for readers of the 2022 form (the CLI's table, a 2022 parent)
      assertThat(sub.progress()).isPresent();
      assertThat(sub.progress().get().phase()).isEqualTo(UpdatePhase.REGULAR);
      assertThat(sub.progress().get().filesProcessedDownload()).isEqualTo(9014);
      assertThat(sub.progress().get().filesProcessedCopy()).isEqualTo(9020 - 9014);

      EcuStatus failed = r.ecus().get(1);
      assertThat(failed.status()).isEqualTo(OtaStatus.FAILURE);
      assertThat(failed.failure()).isEqualTo(FailureType.RECOVERABLE);
      assertThat(failed.failureReason()).isEqualTo("E1-0103-100: network");
      assertThat(failed.failureTraceback()).isEqualTo("Traceback (most recent call last)");

      EcuStatus client = r.ecus().get(2);
      assertThat(client.status()).as("6 is shown as it is").isEqualTo(OtaStatus.CLIENT_UPDATING);
      assertThat(client.update().orElseThrow().phase()).isEqualTo(UpdateStage.DOWNLOADING_OTA_CLIENT);
    }
  }

  @Test
  void ourClientSendsIdsByNumberAndReadsMessagesAndAbortResults() {
    byte[] updateAnswer = new RawWire.Msg().message(1, new RawWire.Msg().string(1, "py").varint(2, 1)
        .string(3, "ongoing update")).toByteArray();
    byte[] abortAnswer = new RawWire.Msg().message(1, new RawWire.Msg().string(1, "py").varint(2, 1)
        .string(3, "Cannot abort: no active OTA update in progress")).toByteArray();
    try (RawServer py = RawServer.start(Map.of("Update", req -> updateAnswer, "ClientUpdate", req -> updateAnswer,
             "Rollback", req -> updateAnswer, "Abort", req -> abortAnswer));
         OtaClientStub stub = OtaClientStub.connect("127.0.0.1", py.port(), Duration.ofSeconds(5))) {
      UpdateRequestEcu e = new UpdateRequestEcu("py", "3.0", "http://10.0.0.1/", "{}", "rel", "rid", "img");
      List<EcuResult> u = stub.update(EcuRequest.of(List.of(e), "req-u"), Duration.ofSeconds(5));
      List<EcuResult> c = stub.clientUpdate(EcuRequest.of(List.of(e), "req-c"), Duration.ofSeconds(5));
      List<EcuResult> rb = stub.rollback(EcuRequest.of(List.of("py"), "req-r"), Duration.ofSeconds(5));
      List<EcuResult> a = stub.abort(EcuRequest.of(List.of("py"), "req-a"), Duration.ofSeconds(5));

      assertThat(u).containsExactly(new EcuResult("py", FailureType.RECOVERABLE, "ongoing update"));
      assertThat(c).isEqualTo(u);
      assertThat(rb).isEqualTo(u);
      assertThat(a).containsExactly(
          new EcuResult("py", FailureType.RECOVERABLE, "Cannot abort: no active OTA update in progress"));

      for (String method : List.of("Update", "ClientUpdate")) {
        RawWire.Fields sent = RawWire.decode(py.requests(method).get(0));
        assertThat(sent.string(2)).isEqualTo(method.equals("Update") ? "req-u" : "req-c");
        RawWire.Fields entry = sent.message(1);
        assertThat(entry.string(1)).isEqualTo("py");
        assertThat(entry.string(5)).isEqualTo("rel");
        assertThat(entry.string(6)).isEqualTo("rid");
        assertThat(entry.string(7)).isEqualTo("img");
      }
      assertThat(RawWire.decode(py.requests("Rollback").get(0)).string(2)).isEqualTo("req-r");
      RawWire.Fields abort = RawWire.decode(py.requests("Abort").get(0));
      assertThat(abort.string(2)).isEqualTo("req-a");
      assertThat(abort.message(1).string(1)).isEqualTo("py");
    }
  }

  // ------------------------------------------------------------------ helpers

  /** A relay's bytes still hold the fields this build does not know (50 at the top, 99 per entry). */
  private static void assertRelayedUnchanged(byte[] relayed) {
    RawWire.Fields f = RawWire.decode(relayed);
    assertThat(f.varint(50)).isEqualTo(5L);
    assertThat(f.string(2)).isEqualTo("req-1");
    assertThat(f.messages(1)).allSatisfy(e -> assertThat(e.varint(99)).isEqualTo(7L));
    assertThat(f.messages(1)).extracting(e -> e.string(7)).containsExactly("img-autoware", "img-p1");
  }

  @SuppressWarnings("unchecked")
  private static EcuRequest<UpdateRequestEcu> castUpdate(EcuRequest<?> r) {
    return (EcuRequest<UpdateRequestEcu>) r;
  }
}
