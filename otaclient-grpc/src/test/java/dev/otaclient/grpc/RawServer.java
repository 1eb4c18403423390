package dev.otaclient.grpc;

import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * An OtaClientV2 server on 127.0.0.1 that speaks raw protobuf bytes: each method answers with what
 * its script returns for the request bytes, and every request is recorded as received. It stands in
 * for an ECU of another generation (a 2022 client without Abort, a 3.14 client that sends only
 * {@code ecu_v2}); a method it is not given answers UNIMPLEMENTED, as such a client does.
 */
final class RawServer implements AutoCloseable {
  private static final String SERVICE = "OtaClientV2.OtaClientService";

  private final Server server;
  private final Map<String, List<byte[]>> requests = new ConcurrentHashMap<>();

  private RawServer(Map<String, UnaryOperator<byte[]>> methods) {
    ServerServiceDefinition.Builder def = ServerServiceDefinition.builder(SERVICE);
    for (Map.Entry<String, UnaryOperator<byte[]>> m : methods.entrySet()) {
      String name = m.getKey();
      UnaryOperator<byte[]> script = m.getValue();
      def.addMethod(RawWire.method(name), ServerCalls.asyncUnaryCall((req, observer) -> {
        requests.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>()).add(req);
        byte[] answer;
        try {
          answer = script.apply(req);
        } catch (RuntimeException e) {
          observer.onError(Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
          return;
        }
        observer.onNext(answer);
        observer.onCompleted();
      }));
    }
    try {
      server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(def.build()).build()
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A server answering the given methods (by their RPC names: "Status", "Update", ...). */
  static RawServer start(Map<String, UnaryOperator<byte[]>> methods) {
    return new RawServer(new LinkedHashMap<>(methods));
  }

  int port() {
    return server.getPort();
  }

  /** The requests {@code method} received so far, as bytes. */
  List<byte[]> requests(String method) {
    return List.copyOf(requests.getOrDefault(method, List.of()));
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}
