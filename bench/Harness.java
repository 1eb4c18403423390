import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.internal.image.CaStore;
import dev.otaclient.internal.image.sign.TestCa;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.Progress;
import dev.otaclient.internal.update.UpdateEngine;
import dev.otaclient.internal.update.UpdateRequest;
import dev.otaclient.internal.update.UpdateSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The benchmark's driver of the update engine, compiled once by run.sh against otaclient.jar (javac,
 * not the single-file launcher, so no compiler runs inside the measured JVM).
 *
 * <pre>
 * Harness ca --out DIR                      test CA: DIR/certs/ (CA store), DIR/sign.key, DIR/sign.pem,
 *                                           DIR/intermediate.pem
 * Harness apply --state-dir D --certs C --image URL|DIR --version V [--workers N] [--downloads M]
 *               [--proxy http://HOST:PORT] [--max-download-rate BYTES_PER_S]
 *     one local update on directory slots, in-process reboot; prints one JSON line with the final
 *     status, the engine's wall time, its progress counters and this process's I/O counters;
 *     with --proxy every request goes through that forward proxy (an ota_proxy); with
 *     --max-download-rate the engine's cap, and the transfer window: the wire counter sampled every
 *     20 ms, from its first sample above zero to the first that reached its final value
 * </pre>
 */
public final class Harness {
  private Harness() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      usage();
    }
    List<String> rest = new ArrayList<>(List.of(args).subList(1, args.length));
    switch (args[0]) {
      case "ca" -> ca(Path.of(option(rest, "--out", null)));
      case "apply" -> apply(rest);
      default -> usage();
    }
  }

  private static void usage() {
    System.err.println("usage: Harness ca --out DIR | Harness apply --state-dir D --certs C --image URL"
        + " --version V [--workers N] [--downloads M] [--proxy http://HOST:PORT]");
    System.exit(2);
  }

  private static String option(List<String> args, String name, String dflt) {
    int i = args.indexOf(name);
    if (i < 0 || i + 1 >= args.size()) {
      if (dflt == null) {
        System.err.println("missing " + name);
        System.exit(2);
      }
      return dflt;
    }
    return args.get(i + 1);
  }

  private static void ca(Path out) throws IOException {
    Files.createDirectories(out);
    TestCa ca = TestCa.create("otaclient-bench", Instant.now().minus(Duration.ofDays(1)),
        Instant.now().plus(Duration.ofDays(3650)));
    ca.installInto(out.resolve("certs"), "1");
    ca.writeSigningMaterial(out.resolve("sign.key"), out.resolve("sign.pem"));
    // OTA image v1 presents the intermediate in index.jwt's x5c header
    Files.writeString(out.resolve("intermediate.pem"), TestCa.certificatePem(ca.intermediateCert()));
  }

  private static void apply(List<String> args) throws IOException {
    Path state = Path.of(option(args, "--state-dir", null));
    CaStore cas = CaStore.load(Path.of(option(args, "--certs", null)));
    UpdateSettings settings = UpdateSettings.defaults(cas);
    int workers = Integer.parseInt(option(args, "--workers", String.valueOf(settings.workers())));
    int downloads = Integer.parseInt(option(args, "--downloads", String.valueOf(settings.downloadConcurrency())));
    settings = settings.withThreads(workers, downloads);
    String proxy = option(args, "--proxy", "");
    if (!proxy.isEmpty()) {
      URI u = URI.create(proxy);
      if (!"http".equals(u.getScheme()) || u.getHost() == null || u.getPort() < 0) {
        System.err.println("--proxy must be http://HOST:PORT, got " + proxy);
        System.exit(2);
      }
      settings = settings.withHttp(settings.http().withProxy(new InetSocketAddress(u.getHost(), u.getPort())));
    }

    long cap = Long.parseLong(option(args, "--max-download-rate", "0"));
    if (cap > 0) {
      settings = settings.withHttp(settings.http().withBandwidthLimit(cap));
    }

    UpdateEngine client = new UpdateEngine("autoware", new DirectorySlotController(state), settings);
    client.start();
    // The status carries progress only while UPDATING; keep the last snapshot seen (at POST_PROCESSING
    // every file has been placed, so its counters are final).
    AtomicReference<Progress> last = new AtomicReference<>(Progress.EMPTY);
    client.addListener(s -> s.progress().ifPresent(last::set));
    // when each stage was first seen (ms since the request): where the engine's time goes
    java.util.Map<String, Long> stages = new java.util.concurrent.ConcurrentHashMap<>();
    long[] origin = {System.nanoTime()};
    client.addListener(s -> s.update().ifPresent(u ->
        stages.putIfAbsent(u.phase().name(), (System.nanoTime() - origin[0]) / 1_000_000)));
    String before = io();
    // (nanoTime, wire bytes) whenever the counter moved: the cap's window is read from these
    List<long[]> samples = new ArrayList<>();
    Thread sampler = new Thread(() -> {
      long seen = 0;
      while (!Thread.currentThread().isInterrupted()) {
        long now = client.status().progress().map(Progress::downloadBytes).orElse(seen);
        if (now != seen) {
          samples.add(new long[] {System.nanoTime(), now});
          seen = now;
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "cap-sampler");
    if (cap > 0) {
      sampler.start();
    }
    long t0 = System.nanoTime();
    origin[0] = t0;
    EcuStatus end = client.update(UpdateRequest.of(option(args, "--version", null), option(args, "--image", null), "{}"));
    double seconds = (System.nanoTime() - t0) / 1e9;
    sampler.interrupt();
    try {
      sampler.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    String window = "";
    if (samples.size() >= 2) {
      long[] from = samples.get(0);
      long[] to = samples.get(samples.size() - 1);
      window = String.format(Locale.ROOT, ",\"cap\":%d,\"cap_window_seconds\":%.3f,\"cap_window_bytes\":%d", cap,
          (to[0] - from[0]) / 1e9, to[1] - from[1]);
    }
    Progress p = last.get();
    Runtime rt = Runtime.getRuntime();
    System.out.println(String.format(Locale.ROOT,
        "{\"status\":\"%s\",\"version\":\"%s\",\"failure_reason\":%s,\"engine_seconds\":%.3f,"
            + "\"workers\":%d,\"downloads\":%d,\"total_regular_files\":%d,\"files_copy\":%d,\"files_link\":%d,"
            + "\"files_download\":%d,\"size_copy\":%d,\"size_link\":%d,\"size_download\":%d,\"download_bytes\":%d,"
            + "\"errors_download\":%d,\"heap_max\":%d,\"heap_committed\":%d,\"proxy\":%s,\"io_before\":%s,"
            + "\"io_after\":%s,\"stages_ms\":%s%s}",
        end.status(), end.version(), quote(end.failureReason()), seconds, workers, downloads,
        p.totalRegularFiles(), p.filesProcessedCopy(), p.filesProcessedLink(), p.filesProcessedDownload(),
        p.fileSizeProcessedCopy(), p.fileSizeProcessedLink(), p.fileSizeProcessedDownload(), p.downloadBytes(),
        p.errorsDownload(), rt.maxMemory(), rt.totalMemory(), quote(proxy), before, io(), stagesJson(stages), window));
    System.exit("SUCCESS".equals(end.status().name()) ? 0 : 1);
  }

  /** This process's /proc/self/io as a JSON object (write_bytes: what reached the page cache for disk). */
  private static String io() throws IOException {
    StringBuilder b = new StringBuilder("{");
    for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
      String[] kv = line.split(":\\s*");
      if (kv.length == 2) {
        b.append(b.length() > 1 ? "," : "").append('"').append(kv[0]).append("\":").append(kv[1].trim());
      }
    }
    return b.append('}').toString();
  }

  private static String stagesJson(java.util.Map<String, Long> stages) {
    StringBuilder b = new StringBuilder("{");
    stages.entrySet().stream().sorted(java.util.Map.Entry.comparingByValue()).forEach(e ->
        b.append(b.length() > 1 ? "," : "").append('"').append(e.getKey()).append("\":").append(e.getValue()));
    return b.append('}').toString();
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }
}
