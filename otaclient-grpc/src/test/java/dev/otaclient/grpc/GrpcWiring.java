package dev.otaclient.grpc;

import dev.otaclient.internal.ecu.EcuNode;
import dev.otaclient.internal.ecu.EcuTransport;
import dev.otaclient.internal.ecu.EcuTree;
import dev.otaclient.internal.ecu.SecondaryEcu;
import java.util.ArrayList;
import java.util.List;

/**
 * Wires an {@link EcuTree} over real gRPC: every node behind its own Netty server on 127.0.0.1 (port 0,
 * so no port is ever picked before it is bound), talking to its children through its own
 * {@link GrpcEcuTransport}.
 */
final class GrpcWiring implements EcuTree.Wiring {
  private final List<GrpcServer> servers = new ArrayList<>();
  private final List<GrpcEcuTransport> transports = new ArrayList<>();

  @Override
  public synchronized EcuTransport transportFor(String ecuId) {
    GrpcEcuTransport t = new GrpcEcuTransport();
    transports.add(t);
    return t;
  }

  @Override
  public synchronized SecondaryEcu expose(EcuNode node) {
    GrpcServer server = GrpcServer.forEcu(node.info(), 0, OtaClientGrpcService.forNode(node), TlsConfig.DISABLED);
    servers.add(server);
    server.start();
    return new SecondaryEcu(node.info().ecuId(), "127.0.0.1", server.port());
  }

  /** Servers first: no new calls while the nodes shut down. */
  @Override
  public synchronized void stopServing() {
    for (int i = servers.size() - 1; i >= 0; i--) {
      servers.get(i).close();
    }
  }

  /** Channels last, once no node uses them any more. */
  @Override
  public synchronized void close() {
    for (int i = transports.size() - 1; i >= 0; i--) {
      transports.get(i).close();
    }
  }
}
