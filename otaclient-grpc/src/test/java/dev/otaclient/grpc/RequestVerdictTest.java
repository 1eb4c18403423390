package dev.otaclient.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.internal.ecu.Answer;
import dev.otaclient.internal.ecu.EcuInfo;
import dev.otaclient.internal.ecu.EcuNode;
import dev.otaclient.internal.ecu.EcuNodeSettings;
import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.internal.ecu.LocalEcu;
import dev.otaclient.internal.ecu.RebootGate;
import dev.otaclient.internal.ecu.UpdateRequestEcu;
import dev.otaclient.error.FailureType;
import dev.otaclient.status.CancelOutcome;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.RequestTable;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The shared table of request entries through the whole gRPC path (stub, Netty, service, ECU tree):
 * the answer must be the table's verdict, the same the rules and the CLI reach.
 */
class RequestVerdictTest {
  private static GrpcEcuTransport transport;
  private static EcuNode node;
  private static GrpcServer server;
  private static OtaClientStub client;

  /** An ECU that accepts every update it is asked to start and never becomes busy. */
  private static final class AcceptingEcu implements LocalEcu {
    @Override
    public Answer startUpdate(UpdateRequestEcu request, String requestId, RebootGate gate) {
      return Answer.accepted();
    }

    @Override
    public Answer startClientUpdate(UpdateRequestEcu request, String requestId) {
      return Answer.accepted();
    }

    @Override
    public Answer startRollback(RebootGate gate) {
      return Answer.accepted();
    }

    @Override
    public CancelOutcome abort() {
      return CancelOutcome.NOT_RUNNING;
    }

    @Override
    public EcuStatus status() {
      return new EcuStatus("main", OtaStatus.SUCCESS, FailureType.NO_FAILURE, "", "1.0", Optional.empty());
    }
  }

  @BeforeAll
  static void start() {
    transport = new GrpcEcuTransport();
    node = new EcuNode(new EcuInfo(1, "main", "127.0.0.1", List.of(), List.of("main")), new AcceptingEcu(),
        transport, new EcuNodeSettings(Duration.ofSeconds(1), Duration.ofMillis(100),
            Duration.ofMillis(300), Duration.ofMillis(500), Duration.ofSeconds(5)));
    server = new GrpcServer("127.0.0.1", 0, OtaClientGrpcService.forNode(node), TlsConfig.DISABLED,
        Duration.ofSeconds(1)).start();
    // as a parent ECU relays requests: the table judges content; a direct caller would also be told
    // that the table's other ids are in no ECU's tree (EcuNodeAbortAndIdsTest)
    client = OtaClientStub.relay("127.0.0.1", server.port(), Duration.ofSeconds(5), TlsConfig.DISABLED);
  }

  @AfterAll
  static void stop() {
    client.close();
    server.close();
    node.close();
    transport.close();
  }

  static List<RequestTable.Row> rows() {
    return RequestTable.rows();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void updateAnswersTheVerdictOfTheTable(RequestTable.Row row) {
    List<EcuResult> answer = client.update(RequestTable.request(row));
    assertThat(RequestTable.acceptedBy(row, answer)).as(answer.toString()).isEqualTo(row.accepted());
  }

  @Test
  void repeatedIdsAreRefusedInUpdateAndRollback() {
    UpdateRequestEcu e = new UpdateRequestEcu("main", "2.0", RequestTable.URL, "{}");
    String twice = "'main' is listed 2 times in one request";
    assertThat(client.update(List.of(e, e))).containsExactly(new EcuResult("main", FailureType.RECOVERABLE, twice));
    assertThat(client.rollback(List.of("main", "main")))
        .containsExactly(new EcuResult("main", FailureType.RECOVERABLE, twice));
    assertThat(client.rollback(List.of("a\u0085b", "main"))).containsExactly(
        new EcuResult("a\u0085b", FailureType.RECOVERABLE, "ecu id contains the control character U+0085 at position 1"),
        new EcuResult("main", FailureType.NO_FAILURE));
  }
}
