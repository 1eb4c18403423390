package dev.otaclient.grpc;

import dev.otaclient.internal.ecu.EcuRequest;
import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.internal.ecu.EcuTransport;
import dev.otaclient.internal.ecu.EcuUnreachableException;
import dev.otaclient.internal.ecu.SecondaryEcu;
import dev.otaclient.internal.ecu.StatusReport;
import dev.otaclient.internal.ecu.UpdateRequestEcu;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Calls child ECUs over gRPC. One channel per child address, opened on first use and kept (with
 * keep-alive) for the life of the transport, because the tree polls children every second while
 * updating. Every failure, whatever its gRPC status, means "no answer from this child" to the tree;
 * its message says which (unreachable, deadline, UNIMPLEMENTED for a client without the method).
 * Requests go out as they arrived (see {@link ProtoMapping}), unmarked as direct calls.
 */
public final class GrpcEcuTransport implements EcuTransport, AutoCloseable {
  private final TlsConfig tls;
  private final Map<String, OtaClientStub> stubs = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /** Calls children with the client side of {@code tls} (plaintext if that side is absent). */
  public GrpcEcuTransport(TlsConfig tls) {
    this.tls = Objects.requireNonNull(tls);
  }

  public GrpcEcuTransport() {
    this(TlsConfig.DISABLED);
  }

  @Override
  public List<EcuResult> update(SecondaryEcu child, EcuRequest<UpdateRequestEcu> request, Duration deadline)
      throws EcuUnreachableException {
    return call(child, s -> s.update(request, deadline));
  }

  @Override
  public List<EcuResult> clientUpdate(SecondaryEcu child, EcuRequest<UpdateRequestEcu> request, Duration deadline)
      throws EcuUnreachableException {
    return call(child, s -> s.clientUpdate(request, deadline));
  }

  @Override
  public List<EcuResult> rollback(SecondaryEcu child, EcuRequest<String> request, Duration deadline)
      throws EcuUnreachableException {
    return call(child, s -> s.rollback(request, deadline));
  }

  @Override
  public List<EcuResult> abort(SecondaryEcu child, EcuRequest<String> request, Duration deadline)
      throws EcuUnreachableException {
    return call(child, s -> s.abort(request, deadline));
  }

  @Override
  public StatusReport status(SecondaryEcu child, Duration deadline) throws EcuUnreachableException {
    return call(child, s -> s.status(deadline));
  }

  /** One call to {@code child}; any failure is "no answer from this child", naming it. */
  private <T> T call(SecondaryEcu child, java.util.function.Function<OtaClientStub, T> rpc)
      throws EcuUnreachableException {
    try {
      return rpc.apply(stub(child));
    } catch (OtaCallException e) {
      throw new EcuUnreachableException("ecu " + child.ecuId() + ": " + e.getMessage(), e);
    }
  }

  /** Number of open channels (one per distinct child address used so far). */
  public int openChannels() {
    return stubs.size();
  }

  private OtaClientStub stub(SecondaryEcu child) {
    if (closed) {
      throw new IllegalStateException("transport closed");
    }
    String target = Channels.target(child.ipAddr(), child.port());
    return stubs.computeIfAbsent(target,
        t -> OtaClientStub.relay(child.ipAddr(), child.port(), OtaClientStub.DEFAULT_DEADLINE, tls));
  }

  @Override
  public void close() {
    closed = true;
    stubs.values().forEach(OtaClientStub::close);
    stubs.clear();
  }
}
