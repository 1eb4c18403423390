package dev.otaclient.grpc;

import dev.otaclient.internal.ecu.EcuInfo;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OtaClientV2 gRPC server on Netty, bound to one address (the ECU's {@code ip_addr}, never the
 * wildcard unless configured so), optionally with TLS.
 */
public final class GrpcServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcServer.class);

  /** The port every OtaClientV2 ECU listens on unless told otherwise. */
  public static final int DEFAULT_PORT = 50051;
  /** A peer that opens a connection and never finishes the HTTP/2 (or TLS) handshake is dropped. */
  private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
  /** Our transport pings every 30 s while calls run; let any client do at least that. */
  private static final Duration PERMIT_KEEPALIVE = Duration.ofSeconds(10);
  public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(5);

  private final String bindAddress;
  private final int requestedPort;
  private final OtaClientGrpcService service;
  private final TlsConfig tls;
  private final Duration shutdownGrace;
  private volatile Server server;

  public GrpcServer(String bindAddress, int port, OtaClientGrpcService service, TlsConfig tls,
      Duration shutdownGrace) {
    this.bindAddress = Objects.requireNonNull(bindAddress);
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    this.requestedPort = port;
    this.service = Objects.requireNonNull(service);
    this.tls = Objects.requireNonNull(tls);
    this.shutdownGrace = Objects.requireNonNull(shutdownGrace);
  }

  /** The server for this ECU: bound to {@code ip_addr} of its ecu_info.yaml. */
  public static GrpcServer forEcu(EcuInfo info, int port, OtaClientGrpcService service, TlsConfig tls) {
    return new GrpcServer(info.ipAddr(), port, service, tls, DEFAULT_SHUTDOWN_GRACE);
  }

  /** Binds and starts serving. A bind failure is a start-up error naming the address. */
  public synchronized GrpcServer start() {
    if (server != null) {
      throw new IllegalStateException("already started");
    }
    InetAddress address;
    try {
      address = InetAddress.getByName(bindAddress);
    } catch (UnknownHostException e) {
      throw new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.SERVICE,
          "gRPC bind address " + bindAddress + " does not resolve", e);
    }
    Server s;
    try {
      s = NettyServerBuilder
          .forAddress(new InetSocketAddress(address, requestedPort), tls.serverCredentials())
          .addService(service.definition())
          // Status, the call a fleet and every parent ECU repeat, is answered from memory on the
          // transport thread; the calls that wait for sub-ECUs hand themselves off
          // (OtaClientGrpcService.run). One thread hand-off less per Status in each direction.
          .directExecutor()
          .maxInboundMessageSize(service.limits().maxInboundMessageBytes())
          .handshakeTimeout(HANDSHAKE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .permitKeepAliveTime(PERMIT_KEEPALIVE.toMillis(), TimeUnit.MILLISECONDS)
          .permitKeepAliveWithoutCalls(true)
          .build();
    } catch (IllegalArgumentException | IllegalStateException e) {
      // e.g. a server key that does not match its certificate
      throw new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.SERVICE,
          "gRPC server TLS setup failed (see tls.yaml): " + e.getMessage(), e);
    }
    try {
      s.start();
    } catch (IOException e) {
      throw new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.SERVICE,
          "cannot bind gRPC server to " + bindAddress + ":" + requestedPort + ": " + e.getMessage(), e);
    }
    server = s;
    LOG.info("gRPC server listening on {}:{} ({})", address.getHostAddress(), port(),
        tls.server().isPresent() ? "TLS" : "plaintext");
    return this;
  }

  /** The bound port (useful when started with port 0). */
  public int port() {
    Server s = server;
    if (s == null) {
      throw new IllegalStateException("not started");
    }
    return ((InetSocketAddress) s.getListenSockets().get(0)).getPort();
  }

  /**
   * Stops accepting calls, lets running calls finish for up to the grace period, then cancels the
   * rest. Bounded: returns within about grace + 1 s.
   */
  @Override
  public synchronized void close() {
    Server s = server;
    if (s == null) {
      return;
    }
    server = null;
    s.shutdown();
    try {
      if (!s.awaitTermination(shutdownGrace.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("gRPC calls still running after {}; cancelling them", shutdownGrace);
        s.shutdownNow();
        s.awaitTermination(1, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      s.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
