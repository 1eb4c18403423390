package dev.otaclient.proxy;

import dev.otaclient.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An origin that breaks its promise: it announces {@code announced} bytes, sends {@code sent} of them
 * in slices with a pause between slices, then closes the connection. nginx cannot be made to do that.
 * Made {@link #holdAfterFirstSlice() to hold}, it sends the first slice and waits for
 * {@link #release()} before the rest: the download is in progress for exactly as long as a test needs.
 */
final class BrokenOrigin implements AutoCloseable {
  private final ServerSocket server;
  private final Thread acceptor;
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger finished = new AtomicInteger();
  private final CountDownLatch firstSliceSent = new CountDownLatch(1);
  private volatile CountDownLatch release = new CountDownLatch(0);

  BrokenOrigin(byte[] body, int announced, int slices, long pauseMillis) throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(() -> {
      while (!server.isClosed()) {
        boolean served = false;
        try (Socket s = server.accept()) {
          readHead(s.getInputStream());
          requests.incrementAndGet();
          served = true;
          OutputStream out = s.getOutputStream();
          out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + announced
              + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
          int step = Math.max(1, body.length / slices);
          for (int off = 0; off < body.length; off += step) {
            out.write(body, off, Math.min(step, body.length - off));
            out.flush();
            if (off == 0) {
              firstSliceSent.countDown();
              release.await();
            }
            Thread.sleep(pauseMillis); // the pace of the fault, not a synchronisation
          }
        } catch (IOException e) {
          // the proxy hung up or the server was closed
        } catch (InterruptedException e) {
          return;
        } finally {
          if (served) {
            finished.incrementAndGet();
          }
        }
      }
    }, "broken-origin");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** From now on responses stop after their first slice until {@link #release()}. */
  BrokenOrigin holdAfterFirstSlice() {
    release = new CountDownLatch(1);
    return this;
  }

  /** Waits until the first slice of a response has been sent (and is held, if asked). */
  void awaitFirstSlice() {
    Await.latch("the first slice of the broken body", firstSliceSent);
  }

  void release() {
    release.countDown();
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.getLocalPort() + path;
  }

  int requests() {
    return requests.get();
  }

  /** Connections fully handled (body sent and socket closed). */
  int finished() {
    return finished.get();
  }

  private static void readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      head.write(c);
      byte[] h = head.toByteArray();
      int n = h.length;
      if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
        return;
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    acceptor.interrupt();
  }
}
