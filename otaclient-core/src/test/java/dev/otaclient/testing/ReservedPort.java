package dev.otaclient.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A loopback port held for a test: a socket bound to it with {@code SO_REUSEADDR} that never listens.
 * "Pick a free port, close it, bind it later" is a race with every other process on the machine; a
 * held port is not:
 *
 * <ul>
 *   <li>the kernel hands it to no one else: neither a {@code bind} to port 0 nor the local port of an
 *       outgoing connection, and a {@code bind} without {@code SO_REUSEADDR} to it fails;</li>
 *   <li>a server that sets {@code SO_REUSEADDR} (nginx, Netty, Jetty, Java's server sockets all do)
 *       binds and listens on it while it is held, so a process can be started, killed and restarted
 *       on the same port with no window in which the port is free;</li>
 *   <li>while nothing listens on it, connecting to it is refused: it is also the "closed port" of
 *       connection-refused tests.</li>
 * </ul>
 */
public final class ReservedPort implements AutoCloseable {
  private final Socket holder;

  private ReservedPort(Socket holder) {
    this.holder = holder;
  }

  /** Holds a port of 127.0.0.1 chosen by the kernel. */
  public static ReservedPort reserve() {
    Socket s = new Socket();
    try {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return new ReservedPort(s);
    } catch (IOException e) {
      try {
        s.close();
      } catch (IOException ignored) {
        // nothing was held
      }
      throw new UncheckedIOException("cannot reserve a port on 127.0.0.1", e);
    }
  }

  public int port() {
    return holder.getLocalPort();
  }

  /** {@code 127.0.0.1:<port>}. */
  public String hostPort() {
    return "127.0.0.1:" + port();
  }

  /** Releases the port; a server listening on it keeps it. */
  @Override
  public void close() {
    try {
      holder.close();
    } catch (IOException ignored) {
      // closing a socket that never connected
    }
  }

  @Override
  public String toString() {
    return "ReservedPort[" + hostPort() + "]";
  }
}
