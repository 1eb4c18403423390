package dev.otaclient.proxy;

import dev.otaclient.internal.fetch.CacheControl;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The response to one client, written with blocking calls. Remembers whether the client went away
 * so the caller can keep filling the cache without writing, and completes the Jetty callback
 * exactly once.
 */
final class ClientReply {
  private final Response response;
  private final Callback callback;
  private final LongAdder bytesServed;
  private OutputStream out;
  private boolean completed;
  private boolean gone;

  ClientReply(Response response, Callback callback, LongAdder bytesServed) {
    this.response = response;
    this.callback = callback;
    this.bytesServed = bytesServed;
  }

  /** Sets status and entity headers; nothing is sent before the first {@link #write}. */
  void head(int status, EntryMeta meta, Optional<String> echo) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, meta.contentType());
    meta.contentEncoding().ifPresent(e -> response.getHeaders().put(HttpHeader.CONTENT_ENCODING, e));
    if (meta.size() >= 0) {
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, meta.size());
    }
    echo.ifPresent(v -> response.getHeaders().put(CacheControl.HEADER, v));
  }

  void header(HttpHeader name, String value) {
    response.getHeaders().put(name, value);
  }

  /** Sends bytes; returns false (and stops for good) when the client is gone. */
  boolean write(byte[] buf, int off, int len) {
    if (gone || completed) {
      return false;
    }
    try {
      if (out == null) {
        out = Content.Sink.asOutputStream(response);
      }
      out.write(buf, off, len);
      bytesServed.add(len);
      return true;
    } catch (IOException e) {
      gone = true;
      fail(e);
      return false;
    }
  }

  boolean gone() {
    return gone;
  }

  /** Ends a complete body. */
  void finish() {
    if (gone || completed) {
      return;
    }
    try {
      if (out == null) {
        out = Content.Sink.asOutputStream(response);
      }
      out.close();
      completed = true;
      callback.succeeded();
    } catch (IOException e) {
      gone = true;
      fail(e);
    }
  }

  /**
   * Ends the exchange in error: before the head is sent Jetty answers 500, afterwards it closes the
   * connection so the client sees a short body instead of a silently truncated file.
   */
  void abort(Throwable why) {
    fail(why);
  }

  /** A complete short text answer (errors produced by the proxy itself). */
  void text(int status, String message) {
    if (completed) {
      return;
    }
    completed = true;
    byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  private void fail(Throwable why) {
    if (!completed) {
      completed = true;
      callback.failed(why);
    }
  }
}
