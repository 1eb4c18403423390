package dev.otaclient.proxy;

import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.internal.HttpConnection;

/**
 * HTTP/1.1 connections that remember the request target exactly as it appeared on the request
 * line. Jetty completes an origin-form target ({@code GET /path}) with the Host header, which makes
 * it indistinguishable from the absolute form a forward proxy must receive; the raw line is the only
 * way to tell them apart, and it also preserves the client's percent-encoding byte for byte.
 */
final class RawTargetConnectionFactory extends HttpConnectionFactory {
  RawTargetConnectionFactory(HttpConfiguration config) {
    super(config);
  }

  /** The raw target of the request being handled on this connection, or null if unknown. */
  static String rawTarget(ConnectionMetaData connection) {
    return connection instanceof TargetConnection c ? c.target : null;
  }

  @Override
  public Connection newConnection(Connector connector, EndPoint endPoint) {
    return configure(new TargetConnection(getHttpConfiguration(), connector, endPoint), connector, endPoint);
  }

  private static final class TargetConnection extends HttpConnection {
    // HTTP/1.1 handles one request at a time per connection (the next request line is parsed only
    // after the current exchange completes), so one field per connection is enough.
    private volatile String target;

    TargetConnection(HttpConfiguration config, Connector connector, EndPoint endPoint) {
      super(config, connector, endPoint);
    }

    @Override
    protected HttpStreamOverHTTP1 newHttpStream(String method, String uri, HttpVersion version) {
      target = uri;
      return super.newHttpStream(method, uri, version);
    }
  }
}
