package dev.otaclient.grpc;

import dev.otaclient.api.v2.OtaClientServiceGrpc;
import dev.otaclient.api.v2.StatusRequest;
import dev.otaclient.internal.ecu.EcuRequest;
import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.internal.ecu.StatusReport;
import dev.otaclient.internal.ecu.UpdateRequestEcu;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A typed client of one OtaClientV2 server (any ECU, Java or Python). Every call has a deadline;
 * a call without a usable answer throws {@link OtaCallException} with a message such as
 * {@code cannot reach 127.0.0.1:50051: Connection refused (UNAVAILABLE)}. Thread-safe; one channel
 * that reconnects by itself, so keep one instance per server.
 *
 * <p>Calls of a stub from {@link #connect} are marked as coming from an operator's client
 * ({@link DirectCalls}): a Java ECU then also answers for requested ids no ECU of its tree answered
 * for. The stubs a parent ECU uses to relay to its children ({@link #relay}) are not marked.
 */
public final class OtaClientStub implements AutoCloseable {
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);

  private final String target;
  private final ManagedChannel channel;
  private final OtaClientServiceGrpc.OtaClientServiceBlockingStub stub;
  private final Duration deadline;

  private OtaClientStub(String host, int port, TlsConfig tls, Duration deadline, boolean direct) {
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline must be positive: " + deadline);
    }
    this.target = Channels.target(host, port);
    this.deadline = deadline;
    this.channel = Channels.open(host, port, Objects.requireNonNull(tls));
    var s = OtaClientServiceGrpc.newBlockingStub(channel);
    this.stub = direct ? s.withInterceptors(DirectCalls.marker()) : s;
  }

  /** Plaintext client. Connecting is lazy: an unreachable server shows on the first call. */
  public static OtaClientStub connect(String host, int port, Duration deadline) {
    return new OtaClientStub(host, port, TlsConfig.DISABLED, deadline, true);
  }

  /** Client using the {@code ca}/{@code client_*} side of {@code tls} (plaintext if that side is absent). */
  public static OtaClientStub connect(String host, int port, Duration deadline, TlsConfig tls) {
    return new OtaClientStub(host, port, tls, deadline, true);
  }

  /** The client a parent ECU relays requests to a child with: calls are not marked as direct. */
  static OtaClientStub relay(String host, int port, Duration deadline, TlsConfig tls) {
    return new OtaClientStub(host, port, tls, deadline, false);
  }

  /** {@code host:port} as dialled. */
  public String target() {
    return target;
  }

  public List<EcuResult> update(List<UpdateRequestEcu> request) {
    return update(request, deadline);
  }

  public List<EcuResult> update(List<UpdateRequestEcu> request, Duration callDeadline) {
    return update(EcuRequest.of(request, ""), callDeadline);
  }

  /** Update with a request id; a request with an encoded form is sent as it is. */
  public List<EcuResult> update(EcuRequest<UpdateRequestEcu> request, Duration callDeadline) {
    return call("Update", callDeadline,
        s -> ProtoMapping.fromProto(s.update(ProtoMapping.toUpdateRequest(request))));
  }

  public List<EcuResult> clientUpdate(EcuRequest<UpdateRequestEcu> request, Duration callDeadline) {
    return call("ClientUpdate", callDeadline,
        s -> ProtoMapping.fromProto(s.clientUpdate(ProtoMapping.toUpdateRequest(request))));
  }

  public List<EcuResult> rollback(List<String> ecuIds) {
    return rollback(ecuIds, deadline);
  }

  public List<EcuResult> rollback(List<String> ecuIds, Duration callDeadline) {
    return rollback(EcuRequest.of(ecuIds, ""), callDeadline);
  }

  public List<EcuResult> rollback(EcuRequest<String> request, Duration callDeadline) {
    return call("Rollback", callDeadline,
        s -> ProtoMapping.fromProto(s.rollback(ProtoMapping.toRollbackRequest(request))));
  }

  /** Abort; ABORT_NO_FAILURE reads as NO_FAILURE, ABORT_FAILURE as RECOVERABLE. */
  public List<EcuResult> abort(EcuRequest<String> request, Duration callDeadline) {
    return call("Abort", callDeadline,
        s -> ProtoMapping.fromProto(s.abort(ProtoMapping.toAbortRequest(request))));
  }

  public List<EcuResult> abort(List<String> ecuIds) {
    return abort(EcuRequest.of(ecuIds, ""), deadline);
  }

  public StatusReport status() {
    return status(deadline);
  }

  public StatusReport status(Duration callDeadline) {
    return call("Status", callDeadline,
        s -> ProtoMapping.fromProto(s.status(StatusRequest.getDefaultInstance())));
  }

  private <T> T call(String rpc, Duration callDeadline,
      Function<OtaClientServiceGrpc.OtaClientServiceBlockingStub, T> body) {
    var withDeadline = stub.withDeadlineAfter(callDeadline);
    try {
      return body.apply(withDeadline);
    } catch (StatusRuntimeException e) {
      throw OtaCallException.of(target, rpc, e, callDeadline);
    } catch (RuntimeException e) {
      // the only other failure is converting the answer (unknown enum value, bad duration)
      throw OtaCallException.badAnswer(target, rpc, e);
    }
  }

  @Override
  public void close() {
    Channels.close(channel);
  }
}
