package dev.otaclient.reliability;

import dev.otaclient.testing.Nginx;
import java.util.List;

/** Cuts nginx's access log ({@link Nginx#accessLog()}, exact at every call) into the requests of one run. */
final class NginxLog {
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

  /** Marks the current end of the log; returns the line count to pass to {@link #between}. */
  int mark() {
    return nginx.accessLog().size();
  }

  /** Requests logged between two marks ({@code from} inclusive, {@code to} exclusive). */
  List<Hit> between(int from, int to) {
    return nginx.accessLog().subList(from, to).stream().map(NginxLog::parse).toList();
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
