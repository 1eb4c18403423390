package dev.otaclient.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A response body as a blocking {@link InputStream} with a per-read timeout. The JDK's
 * {@code BodyHandlers.ofInputStream()} blocks forever on a silent server (the request timeout only
 * covers the headers); this one gives up when no byte arrives for {@code readTimeout}, and reacts to
 * interrupts. Closing it cancels the exchange, which drops the connection.
 *
 * <p>Flow control: one list of buffers is requested at a time, so at most one network chunk is
 * queued ahead of the reader.
 */
final class ResponseBodyStream extends InputStream implements HttpResponse.BodySubscriber<InputStream> {
  private static final Object END = new Object();

  private final long timeoutNanos;
  private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private volatile Flow.Subscription subscription;
  private volatile boolean closed;

  // reader-thread state
  private Iterator<ByteBuffer> currentList;
  private ByteBuffer current;
  private boolean demandOutstanding = true; // onSubscribe asks for the first list
  private boolean eof;

  ResponseBodyStream(Duration readTimeout) {
    this.timeoutNanos = readTimeout.toNanos();
  }

  @Override
  public CompletionStage<InputStream> getBody() {
    return CompletableFuture.completedFuture(this);
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    if (closed) {
      s.cancel();
    } else {
      s.request(1);
    }
  }

  @Override
  public void onNext(List<ByteBuffer> item) {
    queue.add(item);
  }

  @Override
  public void onError(Throwable throwable) {
    queue.add(throwable);
  }

  @Override
  public void onComplete() {
    queue.add(END);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n <= 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException("stream closed");
    }
    if (len == 0) {
      return 0;
    }
    if (!nextNonEmptyBuffer()) {
      return -1;
    }
    int n = Math.min(len, current.remaining());
    current.get(b, off, n);
    return n;
  }

  /** Positions {@code current} on a buffer with data; false at end of body. */
  private boolean nextNonEmptyBuffer() throws IOException {
    while (current == null || !current.hasRemaining()) {
      if (currentList != null && currentList.hasNext()) {
        current = currentList.next();
        continue;
      }
      if (eof) {
        return false;
      }
      takeNextList();
    }
    return true;
  }

  @SuppressWarnings("unchecked")
  private void takeNextList() throws IOException {
    if (!demandOutstanding) {
      subscription.request(1);
      demandOutstanding = true;
    }
    Object item;
    try {
      item = queue.poll(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      close();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading the response body");
    }
    if (item == null) {
      close();
      throw new SocketTimeoutException("no data received for " + Duration.ofNanos(timeoutNanos).toMillis() + " ms");
    }
    if (item == END) {
      eof = true;
      currentList = null;
      current = null;
      return;
    }
    if (item instanceof Throwable t) {
      eof = true;
      throw t instanceof IOException io ? new IOException(io.getMessage(), io) : new IOException(t);
    }
    demandOutstanding = false;
    currentList = ((List<ByteBuffer>) item).iterator();
    current = null;
  }

  @Override
  public int available() {
    return current == null ? 0 : current.remaining();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    Flow.Subscription s = subscription;
    if (s != null && !eof) {
      s.cancel();
    }
    queue.clear();
  }
}
