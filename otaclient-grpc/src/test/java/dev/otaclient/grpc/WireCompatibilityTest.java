package dev.otaclient.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.internal.ecu.StatusReport;
import dev.otaclient.internal.ecu.UpdateRequestEcu;
import dev.otaclient.error.FailureType;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.Progress;
import dev.otaclient.status.UpdatePhase;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real Netty server, called with bytes built from the seed proto's field numbers (no generated
 * classes on the calling side) and answered bytes decoded the same way.
 */
class WireCompatibilityTest {
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

  @Test
  void updateRequestFieldsAreReadByNumberAndTheAnswerIsWrittenByNumber() {
    ops.onUpdate = r -> List.of(new EcuResult("p1", FailureType.RECOVERABLE),
        new EcuResult("autoware", FailureType.NO_FAILURE), new EcuResult("p2", FailureType.UNRECOVERABLE));
    byte[] request = new RawWire.Msg()
        // UpdateRequest.ecu = 1 (repeated UpdateRequestEcu: ecu_id=1 version=2 url=3 cookies=4)
        .message(1, new RawWire.Msg().string(1, "autoware").string(2, "123.x").string(3, "http://10.0.0.1:8080/img")
            .string(4, "{\"test\": \"my-cookie\"}"))
        // fields written out of order and an unknown field: a proto3 reader must cope with both
        .message(1, new RawWire.Msg().string(3, "https://ota/p1").string(1, "p1").varint(99, 7).string(2, "v"))
        .toByteArray();

    RawWire.Fields answer = RawWire.decode(RawWire.call(channel, "Update", request));

    assertThat(ops.updates).containsExactly(List.of(
        new UpdateRequestEcu("autoware", "123.x", "http://10.0.0.1:8080/img", "{\"test\": \"my-cookie\"}"),
        new UpdateRequestEcu("p1", "v", "https://ota/p1", "")));
    // UpdateResponse.ecu = 1 (UpdateResponseEcu: ecu_id=1, result=2)
    List<RawWire.Fields> ecus = answer.messages(1);
    assertThat(ecus).extracting(f -> f.string(1)).containsExactly("p1", "autoware", "p2");
    assertThat(ecus).extracting(f -> f.varint(2)).containsExactly(1L, 0L, 2L);
    // proto3 leaves a default (NO_FAILURE = 0) off the wire entirely
    assertThat(ecus.get(1).has(2)).isFalse();
  }

  @Test
  void rollbackRequestAndAnswerByFieldNumber() {
    ops.onRollback = ids -> List.of(new EcuResult("autoware", FailureType.RECOVERABLE));
    byte[] request = new RawWire.Msg().message(1, new RawWire.Msg().string(1, "autoware")).toByteArray();

    RawWire.Fields answer = RawWire.decode(RawWire.call(channel, "Rollback", request));

    assertThat(ops.rollbacks).containsExactly(List.of("autoware"));
    assertThat(answer.messages(1)).hasSize(1);
    assertThat(answer.messages(1).get(0).string(1)).isEqualTo("autoware");
    assertThat(answer.messages(1).get(0).varint(2)).isEqualTo(1L);
  }

  @Test
  void statusAnswerCarriesEveryFieldUnderTheSeedNumbers() {
    Progress progress = new Progress(UpdatePhase.REGULAR, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008,
        Duration.ofSeconds(11, 1_000), Duration.ofSeconds(12, 2_000), Duration.ofSeconds(13, 3_000), 1013, 1014,
        Duration.ofSeconds(15, 999_999_999), 1016);
    ops.status = new StatusReport(List.of(
        new EcuStatus("p1", OtaStatus.UPDATING, FailureType.NO_FAILURE, "", "0.9", Optional.of(progress)),
        new EcuStatus("autoware", OtaStatus.FAILURE, FailureType.RECOVERABLE, "E1-0103-100: network", "1.0",
            Optional.empty())),
        List.of("autoware", "p1"));

    // StatusRequest is empty: zero bytes on the wire
    RawWire.Fields answer = RawWire.decode(RawWire.call(channel, "Status", new byte[0]));

    // StatusResponse: ecu = 1, available_ecu_ids = 2
    assertThat(answer.strings(2)).containsExactly("autoware", "p1");
    List<RawWire.Fields> ecus = answer.messages(1);
    assertThat(ecus).hasSize(2);

    // StatusResponseEcu: ecu_id = 1, result = 2, status = 3
    RawWire.Fields p1 = ecus.get(0);
    assertThat(p1.string(1)).isEqualTo("p1");
    assertThat(p1.varint(2)).isZero();
    // Status: status = 1, failure = 2, failure_reason = 3, version = 4, progress = 5
    RawWire.Fields p1Status = p1.message(3);
    assertThat(p1Status.varint(1)).isEqualTo(3L); // UPDATING
    assertThat(p1Status.varint(2)).isZero();
    assertThat(p1Status.string(4)).isEqualTo("0.9");
    RawWire.Fields p = p1Status.message(5);
    assertThat(p.varint(1)).isEqualTo(4L); // REGULAR
    for (int field = 2; field <= 9; field++) {
      assertThat(p.varint(field)).as("StatusProgress field %d", field).isEqualTo(999L + field);
    }
    assertThat(p.varint(13)).isEqualTo(1013L);
    assertThat(p.varint(14)).isEqualTo(1014L);
    assertThat(p.varint(16)).isEqualTo(1016L);
    // google.protobuf.Duration: seconds = 1, nanos = 2
    assertThat(p.message(10).varint(1)).isEqualTo(11L);
    assertThat(p.message(10).varint(2)).isEqualTo(1_000L);
    assertThat(p.message(11).varint(1)).isEqualTo(12L);
    assertThat(p.message(11).varint(2)).isEqualTo(2_000L);
    assertThat(p.message(12).varint(1)).isEqualTo(13L);
    assertThat(p.message(12).varint(2)).isEqualTo(3_000L);
    assertThat(p.message(15).varint(1)).isEqualTo(15L);
    assertThat(p.message(15).varint(2)).isEqualTo(999_999_999L);

    RawWire.Fields main = ecus.get(1);
    assertThat(main.string(1)).isEqualTo("autoware");
    RawWire.Fields mainStatus = main.message(3);
    assertThat(mainStatus.varint(1)).isEqualTo(2L); // FAILURE
    assertThat(mainStatus.varint(2)).isEqualTo(1L); // RECOVERABLE
    assertThat(mainStatus.string(3)).isEqualTo("E1-0103-100: network");
    assertThat(mainStatus.string(4)).isEqualTo("1.0");
    assertThat(mainStatus.has(5)).as("no progress outside UPDATING").isFalse();
  }
}
