package dev.otaclient.reliability;

import dev.otaclient.testing.Nginx;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Cuts nginx's access log into the requests of one run. nginx logs a request just after answering
 * it, so a run's last lines can lag; a marker request sent after the run ends and awaited in the log
 * guarantees every earlier line is there (one worker process handles requests in order).
 */
final class NginxLog {
  private static final AtomicInteger MARKERS = new AtomicInteger();
  private static final HttpClient HTTP = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();

  /** One blob request of the access log: URI, status and body bytes sent. */
  record Hit(String uri, int status, long bytes) {
    boolean isBlob() {
      return uri.contains("/data/") || uri.contains("/data.zst/");
    }

    /** The blob's SHA-256 for a compressed blob ({@code data.zst/<sha>.zst}), else null. */
    String compressedSha() {
      int i = uri.lastIndexOf('/');
      String name = uri.substring(i + 1);
      return uri.contains("/data.zst/") && name.endsWith(".zst") ? name.substring(0, name.length() - 4) : null;
    }
  }

  private final Nginx nginx;

  NginxLog(Nginx nginx) {
    this.nginx = nginx;
  }

  /** Marks the current end of the log; returns the line count to pass to {@link #since}. */
  int mark() {
    String marker = "__marker_" + MARKERS.incrementAndGet();
    try {
      HTTP.send(HttpRequest.newBuilder(nginx.baseUri().resolve(marker)).GET().build(),
          HttpResponse.BodyHandlers.discarding());
    } catch (IOException e) {
      throw new IllegalStateException("marker request failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (System.nanoTime() < deadline) {
      List<String> log = nginx.accessLog();
      for (int i = log.size() - 1; i >= 0; i--) {
        if (log.get(i).startsWith("/" + marker + " ")) {
          return i + 1;
        }
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException("marker " + marker + " never reached the access log");
  }

  /** Requests logged between two marks ({@code from} inclusive, {@code to} exclusive, markers excluded). */
  List<Hit> between(int from, int to) {
    return nginx.accessLog().subList(from, to).stream()
        .filter(l -> !l.startsWith("/__marker_"))
        .map(NginxLog::parse)
        .toList();
  }

  static Hit parse(String line) {
    String[] f = line.split(" ");
    int q = f[0].indexOf('?');
    return new Hit(q < 0 ? f[0] : f[0].substring(0, q), Integer.parseInt(f[1]), Long.parseLong(f[2]));
  }

  static long blobBytes(List<Hit> hits) {
    return hits.stream().filter(Hit::isBlob).mapToLong(Hit::bytes).sum();
  }
}
