package dev.otaclient.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Tells the calls of an operator's client (the CLI, an embedding application) from a parent ECU
 * relaying a request: only a direct caller is told which of the ECU ids it named no ECU answered
 * for, since a relayed request also names the ECUs of other branches. Our client sends a header;
 * a parent ECU (ours or Python) sends none, so an unknown caller is treated as a relay and gets
 * exactly the Python client's answer. The header changes nothing in the messages.
 */
final class DirectCalls {
  static final Metadata.Key<String> HEADER = Metadata.Key.of("otaclient-direct-call", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<Boolean> DIRECT = Context.key("otaclient-direct-call");

  private DirectCalls() {}

  /** Whether the call being served came from a direct caller. */
  static boolean current() {
    return Boolean.TRUE.equals(DIRECT.get());
  }

  /** Server side: reads the header into the call's context. */
  static ServerInterceptor reader() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        Context ctx = Context.current().withValue(DIRECT, "1".equals(headers.get(HEADER)));
        return Contexts.interceptCall(ctx, call, headers, next);
      }
    };
  }

  /** Client side: marks every call of a channel as direct. */
  static ClientInterceptor marker() {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            headers.put(HEADER, "1");
            super.start(listener, headers);
          }
        };
      }
    };
  }
}
