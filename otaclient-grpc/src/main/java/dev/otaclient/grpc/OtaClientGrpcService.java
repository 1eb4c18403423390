package dev.otaclient.grpc;

import dev.otaclient.api.v2.AbortRequest;
import dev.otaclient.api.v2.AbortRequestEcu;
import dev.otaclient.api.v2.AbortResponse;
import dev.otaclient.api.v2.OtaClientServiceGrpc;
import dev.otaclient.api.v2.RollbackRequest;
import dev.otaclient.api.v2.RollbackRequestEcu;
import dev.otaclient.api.v2.RollbackResponse;
import dev.otaclient.api.v2.StatusRequest;
import dev.otaclient.api.v2.StatusResponse;
import dev.otaclient.api.v2.UpdateRequest;
import dev.otaclient.api.v2.UpdateRequestEcu;
import dev.otaclient.api.v2.UpdateResponse;
import dev.otaclient.internal.ecu.DaemonThreads;
import dev.otaclient.internal.ecu.EcuNode;
import dev.otaclient.internal.ecu.EcuRequest;
import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.internal.ecu.StatusReport;
import dev.otaclient.error.OtaException;
import io.grpc.Context;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OtaClientV2 service: applies the transport bounds of {@link RequestLimits}, converts to core
 * types and delegates to the ECU tree, which checks every entry's content. A business failure (busy,
 * invalid entry, unreachable child) is always an answer with RECOVERABLE/UNRECOVERABLE entries, as
 * Python callers expect; a gRPC error status is used only for a request that is too large to take
 * (too many entries, too many bytes) and for bugs. Refusals carry their reason in {@code message}.
 */
public final class OtaClientGrpcService extends OtaClientServiceGrpc.OtaClientServiceImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(OtaClientGrpcService.class);
  /**
   * Where Update, ClientUpdate, Rollback and Abort run: they wait for sub-ECUs, so they must not hold
   * a transport thread. Idle threads end after a minute, as gRPC's own default executor's do.
   */
  private static final ExecutorService TREE_CALLS =
      Executors.newCachedThreadPool(DaemonThreads.named("otaclient-grpc-call"));

  private final OtaOperations operations;
  private final RequestLimits limits;

  public OtaClientGrpcService(OtaOperations operations, RequestLimits limits) {
    this.operations = Objects.requireNonNull(operations);
    this.limits = Objects.requireNonNull(limits);
  }

  public OtaClientGrpcService(OtaOperations operations) {
    this(operations, RequestLimits.DEFAULT);
  }

  /** The production service: answers come from this ECU's node of the tree. */
  public static OtaClientGrpcService forNode(EcuNode node, RequestLimits limits) {
    Objects.requireNonNull(node);
    return new OtaClientGrpcService(new OtaOperations() {
      @Override
      public List<EcuResult> update(EcuRequest<dev.otaclient.internal.ecu.UpdateRequestEcu> request) {
        return node.update(request);
      }

      @Override
      public List<EcuResult> clientUpdate(EcuRequest<dev.otaclient.internal.ecu.UpdateRequestEcu> request) {
        return node.clientUpdate(request);
      }

      @Override
      public List<EcuResult> rollback(EcuRequest<String> request) {
        return node.rollback(request);
      }

      @Override
      public List<EcuResult> abort(EcuRequest<String> request) {
        return node.abort(request);
      }

      @Override
      public StatusReport status() {
        return node.status();
      }
    }, limits);
  }

  public static OtaClientGrpcService forNode(EcuNode node) {
    return forNode(node, RequestLimits.DEFAULT);
  }

  public RequestLimits limits() {
    return limits;
  }

  /**
   * The service as a server registers it: every method first learns whether its caller is direct
   * ({@link DirectCalls}). Registered without this, every caller counts as a relaying parent.
   */
  public ServerServiceDefinition definition() {
    return ServerInterceptors.intercept(bindService(), DirectCalls.reader());
  }

  @Override
  public void update(UpdateRequest request, StreamObserver<UpdateResponse> observer) {
    run(observer, "Update", request.getEcuList().stream().map(UpdateRequestEcu::getEcuId).toList(),
        () -> operations.update(ProtoMapping.fromProto(request, DirectCalls.current())),
        ProtoMapping::toUpdateResponse);
  }

  @Override
  public void clientUpdate(UpdateRequest request, StreamObserver<UpdateResponse> observer) {
    run(observer, "ClientUpdate", request.getEcuList().stream().map(UpdateRequestEcu::getEcuId).toList(),
        () -> operations.clientUpdate(ProtoMapping.fromProto(request, DirectCalls.current())),
        ProtoMapping::toUpdateResponse);
  }

  @Override
  public void rollback(RollbackRequest request, StreamObserver<RollbackResponse> observer) {
    List<String> ids = request.getEcuList().stream().map(RollbackRequestEcu::getEcuId).toList();
    run(observer, "Rollback", ids, () -> operations.rollback(ProtoMapping.fromProto(request, DirectCalls.current())),
        ProtoMapping::toRollbackResponse);
  }

  @Override
  public void abort(AbortRequest request, StreamObserver<AbortResponse> observer) {
    List<String> ids = request.getEcuList().stream().map(AbortRequestEcu::getEcuId).toList();
    run(observer, "Abort", ids, () -> operations.abort(ProtoMapping.fromProto(request, DirectCalls.current())),
        ProtoMapping::toAbortResponse);
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
    StatusResponse response;
    try {
      response = ProtoMapping.toProto(operations.status());
    } catch (RuntimeException e) {
      LOG.error("Status failed: {}", e.toString());
      LOG.debug("Status failure detail", e);
      observer.onError(Status.INTERNAL.withDescription("status unavailable: " + e.getMessage())
          .asRuntimeException());
      return;
    }
    answer(observer, response);
  }

  /**
   * Applies the transport bounds, then has the tree answer the request on a thread of
   * {@link #TREE_CALLS} (with the call's context, which says whether the caller is direct).
   */
  private <R> void run(StreamObserver<R> observer, String rpc, List<String> ids,
      Supplier<List<EcuResult>> call, Function<List<EcuResult>, R> toProto) {
    Optional<String> tooLarge = checkEntries(rpc, ids);
    if (tooLarge.isPresent()) {
      reject(observer, tooLarge.get());
      return;
    }
    Executor calls = Context.current().fixedContextExecutor(TREE_CALLS);
    calls.execute(() -> answerFromTree(observer, rpc, ids, call, toProto));
  }

  private <R> void answerFromTree(StreamObserver<R> observer, String rpc, List<String> ids,
      Supplier<List<EcuResult>> call, Function<List<EcuResult>, R> toProto) {
    try {
      answer(observer, toProto.apply(resultsOf(rpc, ids, call)));
    } catch (Throwable t) {
      // The call ends whatever went wrong, as it did when gRPC's executor ran it: a caller without a
      // deadline (a parent ECU) would otherwise wait forever, and a server's close for its grace period.
      LOG.error("{} failed: {}", rpc, t.toString());
      LOG.debug("{} failure detail", rpc, t);
      try {
        observer.onError(Status.INTERNAL.withDescription(rpc + " failed: " + t.getMessage()).asRuntimeException());
      } catch (RuntimeException e) {
        LOG.debug("{}: the call had already ended: {}", rpc, e.toString());
      }
    }
  }

  private static List<EcuResult> resultsOf(String rpc, List<String> ids,
      Supplier<List<EcuResult>> call) {
    try {
      return call.get();
    } catch (OtaException e) {
      // The tree answers business failures as entries; if one escapes anyway it is still an answer,
      // not a transport error, so callers see the same shape either way.
      LOG.warn("{} failed: {}", rpc, e.getMessage());
      LOG.debug("{} failure detail", rpc, e);
      return ids.stream().distinct().map(id -> new EcuResult(id, e.failureType(), e.failureReason())).toList();
    }
  }

  /** Problems that make the request too large to answer entry by entry. */
  private Optional<String> checkEntries(String rpc, List<String> ids) {
    if (ids.size() > limits.maxEntries()) {
      return Optional.of(rpc + " request has " + ids.size() + " ecu entries, at most " + limits.maxEntries()
          + " are accepted");
    }
    return Optional.empty();
  }

  private static void reject(StreamObserver<?> observer, String reason) {
    LOG.warn("request rejected: {}", reason);
    observer.onError(Status.INVALID_ARGUMENT.withDescription(reason).asRuntimeException());
  }

  private static <R> void answer(StreamObserver<R> observer, R response) {
    observer.onNext(response);
    observer.onCompleted();
  }
}
