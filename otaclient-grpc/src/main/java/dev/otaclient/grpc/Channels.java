package dev.otaclient.grpc;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import java.util.concurrent.TimeUnit;

/** How we open client channels to OtaClientV2 servers (children or, from the CLI, any ECU). */
final class Channels {
  /**
   * Pings only while a call is outstanding: idle pings would trip the default ping policy of gRPC
   * servers (Python's included) and get the connection closed with "too_many_pings".
   */
  private static final long KEEPALIVE_SECONDS = 30;
  private static final long KEEPALIVE_TIMEOUT_SECONDS = 10;
  /** Answers carry whole subtrees of statuses; leave room above the 4 MiB default. */
  private static final int MAX_ANSWER_BYTES = 16 << 20;

  private Channels() {}

  static ManagedChannel open(String host, int port, TlsConfig tls) {
    return Grpc.newChannelBuilderForAddress(host, port, tls.channelCredentials())
        .keepAliveTime(KEEPALIVE_SECONDS, TimeUnit.SECONDS)
        .keepAliveTimeout(KEEPALIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .keepAliveWithoutCalls(false)
        .maxInboundMessageSize(MAX_ANSWER_BYTES)
        .build();
  }

  /** Graceful, then forced; bounded to about two seconds. */
  static void close(ManagedChannel channel) {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(1, TimeUnit.SECONDS)) {
        channel.shutdownNow();
        channel.awaitTermination(1, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  static String target(String host, int port) {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }
}
