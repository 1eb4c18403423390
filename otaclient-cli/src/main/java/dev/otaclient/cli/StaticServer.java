package dev.otaclient.cli;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ResourceHandler;

/** A static file server for images, on loopback only (`image serve`, the demo). */
final class StaticServer implements AutoCloseable {
  private final Server server;
  private final ServerConnector connector;

  private StaticServer(Server server, ServerConnector connector) {
    this.server = server;
    this.connector = connector;
  }

  static StaticServer start(Path root, String host, int port) throws Exception {
    Server server = new Server();
    HttpConfiguration http = new HttpConfiguration();
    // Image file names may contain anything (';', '\', '?', non-ASCII) percent-encoded; the legacy
    // compliance mode decodes them as plain names instead of rejecting them as ambiguous.
    http.setUriCompliance(UriCompliance.LEGACY);
    http.setSendServerVersion(false);
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost(host);
    connector.setPort(port);
    server.addConnector(connector);
    ResourceHandler files = new ResourceHandler();
    files.setBaseResourceAsString(root.toRealPath().toString());
    files.setDirAllowed(false);
    server.setHandler(files);
    server.start();
    return new StaticServer(server, connector);
  }

  int port() {
    return connector.getLocalPort();
  }

  URI baseUri() {
    return URI.create("http://" + connector.getHost() + ":" + port() + "/");
  }

  InetSocketAddress address() {
    return new InetSocketAddress(connector.getHost(), port());
  }

  void join() throws InterruptedException {
    server.join();
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }
}
