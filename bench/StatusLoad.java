import dev.otaclient.internal.boot.BootBackend;
import dev.otaclient.internal.ecu.EcuNodeSettings;
import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.internal.ecu.StatusReport;
import dev.otaclient.internal.ecu.UpdateRequestEcu;
import dev.otaclient.error.FailureType;
import dev.otaclient.grpc.EcuDaemon;
import dev.otaclient.grpc.OtaCallException;
import dev.otaclient.grpc.OtaClientStub;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * Scenario 5 of the benchmark, Status under load: a tree of eight ECUs on loopback, one of them hung,
 * and N concurrent callers of Status on the main ECU. Compiled by run.sh against otaclient.jar (it also
 * runs as {@code java -cp otaclient.jar bench/StatusLoad.java ...}).
 *
 * <pre>
 * StatusLoad --work DIR --certs DIR [--callers 1,8,32] [--seconds 10] [--warmup 2]
 *            [--update VERSION=URL ...]
 * </pre>
 *
 * <p>The tree: {@code main -> (A, B, H)}, {@code A -> (C, D)}, {@code B -> (E, F)}. Seven are real ECU
 * daemons as {@code otaclient serve} composes them ({@link EcuDaemon}: directory slots, the update
 * engine, the tree node with the default poll settings, a Netty gRPC server on 127.0.0.1); H accepts
 * TCP connections and never answers, so every poll of it by main runs into its deadline. All of them,
 * and the callers, share this one JVM.
 *
 * <p>Phase {@code idle}: the tree does nothing but poll. Phase {@code updating} (with {@code --update}):
 * main runs real updates, one after the other, through the given images (e.g. v1 then v2 from the
 * bench nginx), issued over gRPC like any caller would. For each phase and each N, the callers (one
 * channel each, calling back to back) first warm up, then are measured for {@code --seconds}; one JSON
 * line per measurement on stdout: latency percentiles of the calls started in the window, calls/s,
 * errors and answers that missed an ECU.
 */
public final class StatusLoad {
  /** Answers from main list everyone but the hung child. */
  private static final int EXPECTED_ECUS = 7;

  private StatusLoad() {}

  public static void main(String[] args) throws Exception {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      // one warning per hung poll streak is all we want on stderr
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    List<String> a = List.of(args);
    Path work = Path.of(option(a, "--work", null));
    Path certs = Path.of(option(a, "--certs", null));
    int[] callers = Arrays.stream(option(a, "--callers", "1,8,32").split(",")).mapToInt(Integer::parseInt).toArray();
    Duration window = Duration.ofMillis((long) (1000 * Double.parseDouble(option(a, "--seconds", "10"))));
    Duration warmup = Duration.ofMillis((long) (1000 * Double.parseDouble(option(a, "--warmup", "2"))));
    List<String[]> updates = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i).equals("--update") && i + 1 < a.size()) {
        updates.add(a.get(i + 1).split("=", 2));
      }
    }

    List<AutoCloseable> open = new ArrayList<>();
    int code = 1;
    try (Hung hung = new Hung()) {
      Files.createDirectories(work);
      EcuDaemon c = daemon(work, certs, "C", List.of(), List.of(), open);
      EcuDaemon d = daemon(work, certs, "D", List.of(), List.of(), open);
      EcuDaemon e = daemon(work, certs, "E", List.of(), List.of(), open);
      EcuDaemon f = daemon(work, certs, "F", List.of(), List.of(), open);
      EcuDaemon ea = daemon(work, certs, "A", List.of(c, d), List.of(), open);
      EcuDaemon eb = daemon(work, certs, "B", List.of(e, f), List.of(), open);
      // main polls its children every 10 s when idle: start it once A and B know their children, or
      // its first poll may find them empty and the scenario would wait a whole interval for the next
      awaitNode(ea, 3);
      awaitNode(eb, 3);
      EcuDaemon main = daemon(work, certs, "main", List.of(ea, eb), List.of("H=" + hung.port()), open);

      try (OtaClientStub probe = OtaClientStub.connect("127.0.0.1", main.port(), Duration.ofSeconds(5))) {
        // The pollers start at once; wait until main's cache holds the whole healthy subtree.
        StatusReport r = awaitStatus(probe, s -> s.ecus().size() == EXPECTED_ECUS, Duration.ofSeconds(30));
        if (r.availableEcuIds().size() != 8) {
          throw new IllegalStateException("main lists " + r.availableEcuIds() + ", expected 8 ECUs");
        }
        for (int n : callers) {
          System.out.println(measure("idle", n, main.port(), warmup, window, null).json());
        }
        if (!updates.isEmpty()) {
          Updater updater = new Updater(probe, updates);
          updater.start();
          awaitStatus(probe, s -> mainOf(s).status() == OtaStatus.UPDATING, Duration.ofSeconds(60));
          for (int n : callers) {
            System.out.println(measure("updating", n, main.port(), warmup, window, updater).json());
          }
          updater.halt();
        }
      }
      if (hung.held.isEmpty()) {
        throw new IllegalStateException("nobody connected to the hung child: the scenario did not test it");
      }
      code = 0;
    } finally {
      for (int i = open.size() - 1; i >= 0; i--) {
        try {
          open.get(i).close();
        } catch (Exception ex) {
          System.err.println("close: " + ex);
        }
      }
    }
    // an update may still be running in main: it is abandoned with the process
    System.exit(code);
  }

  // ------------------------------------------------------------------------------------ the tree

  /** A child that accepts connections and never reads or answers. */
  private static final class Hung implements AutoCloseable {
    final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    final List<Socket> held = new CopyOnWriteArrayList<>();

    Hung() throws IOException {
      Thread t = new Thread(() -> {
        try {
          while (true) {
            held.add(socket.accept());
          }
        } catch (IOException closed) {
          // scenario over
        }
      }, "hung-child");
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      socket.close();
      for (Socket s : held) {
        s.close();
      }
    }
  }

  /** One ECU daemon with its own config and slots below {@code work/ID}; extra children as ID=PORT. */
  private static EcuDaemon daemon(Path work, Path certs, String id, List<EcuDaemon> children, List<String> extra,
      List<AutoCloseable> open) throws IOException {
    Path cfg = Files.createDirectories(work.resolve(id));
    List<String[]> kids = new ArrayList<>();
    for (EcuDaemon c : children) {
      kids.add(new String[] {c.info().ecuId(), String.valueOf(c.port())});
    }
    for (String x : extra) {
      kids.add(x.split("=", 2));
    }
    StringBuilder yaml = new StringBuilder("ecu_id: \"" + id + "\"\nip_addr: \"127.0.0.1\"\n");
    if (!kids.isEmpty()) {
      yaml.append("secondaries:\n");
      for (String[] k : kids) {
        yaml.append("  - {ecu_id: \"").append(k[0]).append("\", ip_addr: \"127.0.0.1\", port: ").append(k[1])
            .append("}\n");
      }
      // every ECU of the subtree takes part in OTA; main's list thus names all eight
      List<String> all = new ArrayList<>(List.of(id));
      for (EcuDaemon c : children) {
        all.addAll(c.info().availableEcuIds());
      }
      for (String x : extra) {
        all.add(x.split("=", 2)[0]);
      }
      yaml.append("available_ecu_ids: [\"").append(String.join("\", \"", all)).append("\"]\n");
    }
    Files.writeString(cfg.resolve("ecu_info.yaml"), yaml);
    Files.writeString(cfg.resolve("proxy_info.yaml"), "enable_local_ota_proxy: false\n");
    EcuDaemon d = EcuDaemon.start(EcuDaemon.Config.fromDirectory(cfg, certs, cfg.resolve("slots"))
        .withBackend(BootBackend.DIRECTORY).withPort(0).withProxyCacheDir(cfg.resolve("cache"))
        .withNodeSettings(EcuNodeSettings.defaults()));
    open.add(d);
    return d;
  }

  private static void awaitNode(EcuDaemon d, int ecus) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (d.node().status().ecus().size() != ecus) {
      if (System.nanoTime() > end) {
        throw new IllegalStateException("ECU " + d.info().ecuId() + " did not see its children: " + d.node().status());
      }
      Thread.sleep(20);
    }
  }

  private static EcuStatus mainOf(StatusReport r) {
    // the answering ECU comes last
    return r.ecus().get(r.ecus().size() - 1);
  }

  private static StatusReport awaitStatus(OtaClientStub stub, java.util.function.Predicate<StatusReport> ok,
      Duration limit) throws InterruptedException {
    long end = System.nanoTime() + limit.toNanos();
    StatusReport last = null;
    while (System.nanoTime() < end) {
      try {
        last = stub.status();
        if (ok.test(last)) {
          return last;
        }
      } catch (OtaCallException e) {
        last = null;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("main did not reach the expected state within " + limit + "; last " + last);
  }

  /** Keeps main updating: whenever it is idle, requests the next image of the list (round robin). */
  private static final class Updater extends Thread {
    private final OtaClientStub stub;
    private final List<String[]> images;
    private volatile boolean stop;
    volatile int started;
    volatile int succeeded;
    volatile int failed;
    volatile String lastFailure = "";

    Updater(OtaClientStub stub, List<String[]> images) {
      super("updater");
      setDaemon(true);
      this.stub = stub;
      this.images = images;
    }

    @Override
    public void run() {
      String requested = null;
      while (!stop) {
        try {
          EcuStatus self = mainOf(stub.status());
          if (!self.status().isBusy()) {
            if (requested != null) {
              if (self.status() == OtaStatus.SUCCESS && self.version().equals(requested)) {
                succeeded++;
              } else {
                failed++;
                lastFailure = self.status() + " " + self.failureReason();
              }
            }
            if (failed > 0) {
              // a failed update is reported, not retried in a loop that would measure nothing but failures
              return;
            }
            String[] next = images.get(started % images.size());
            List<EcuResult> ack = stub.update(List.of(new UpdateRequestEcu("main", next[0], next[1], "{}")));
            if (ack.stream().allMatch(x -> x.result() == FailureType.NO_FAILURE)) {
              requested = next[0];
              started++;
            } else {
              requested = null;
              failed++;
              lastFailure = "refused: " + ack;
            }
          }
        } catch (OtaCallException e) {
          lastFailure = e.getMessage();
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    void halt() throws InterruptedException {
      stop = true;
      interrupt();
      join(5000);
    }
  }

  // ------------------------------------------------------------------------------------ the load

  private record Result(String phase, int callers, double seconds, long calls, long[] sortedNanos, long errors,
      long shortAnswers, long mainBusy, double cpuSeconds, Updater updater) {
    String json() {
      StringBuilder b = new StringBuilder();
      b.append(String.format(Locale.ROOT,
          "{\"kind\":\"status\",\"name\":\"s5-status-%s-%d\",\"phase\":\"%s\",\"callers\":%d,\"seconds\":%.3f,"
              + "\"calls\":%d,\"calls_per_s\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,"
              + "\"p999_ms\":%.3f,\"max_ms\":%.3f,\"mean_ms\":%.3f,\"errors\":%d,\"short_answers\":%d,"
              + "\"main_busy_answers\":%d,\"cpu_seconds\":%.2f,\"ecus\":8,\"hung\":1",
          phase, callers, phase, callers, seconds, calls, calls / seconds, pct(0.50), pct(0.90), pct(0.99),
          pct(0.999), pct(1.0), mean(), errors, shortAnswers, mainBusy, cpuSeconds));
      if (updater != null) {
        b.append(String.format(Locale.ROOT, ",\"updates_started\":%d,\"updates_succeeded\":%d,\"updates_failed\":%d,"
            + "\"last_update_failure\":\"%s\"", updater.started, updater.succeeded, updater.failed,
            updater.lastFailure.replace("\\", "\\\\").replace("\"", "'").replace("\n", " ")));
      }
      return b.append('}').toString();
    }

    /** Nearest-rank percentile in milliseconds. */
    double pct(double q) {
      if (sortedNanos.length == 0) {
        return Double.NaN;
      }
      int i = (int) Math.ceil(q * sortedNanos.length) - 1;
      return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, i))] / 1e6;
    }

    double mean() {
      return sortedNanos.length == 0 ? Double.NaN : Arrays.stream(sortedNanos).average().orElse(0) / 1e6;
    }
  }

  /** One caller's latencies (nanoseconds) of the calls it started inside the window. */
  private static final class Caller extends Thread {
    private final OtaClientStub stub;
    private final CountDownLatch go;
    private final long from;
    private final long to;
    long[] nanos = new long[4096];
    int n;
    long errors;
    long shortAnswers;
    long mainBusy;

    Caller(int i, OtaClientStub stub, CountDownLatch go, long from, long to) {
      super("status-caller-" + i);
      this.stub = stub;
      this.go = go;
      this.from = from;
      this.to = to;
    }

    @Override
    public void run() {
      try {
        go.await();
      } catch (InterruptedException e) {
        return;
      }
      long t0;
      while ((t0 = System.nanoTime()) < to) {
        boolean counted = t0 >= from;
        try {
          StatusReport r = stub.status();
          long dt = System.nanoTime() - t0;
          if (counted) {
            if (n == nanos.length) {
              nanos = Arrays.copyOf(nanos, n * 2);
            }
            nanos[n++] = dt;
            if (r.ecus().size() != EXPECTED_ECUS) {
              shortAnswers++;
            }
            if (mainOf(r).status().isBusy()) {
              mainBusy++;
            }
          }
        } catch (OtaCallException e) {
          if (counted) {
            errors++;
          }
        }
      }
    }
  }

  private static Result measure(String phase, int callers, int port, Duration warmup, Duration window, Updater updater)
      throws InterruptedException {
    List<OtaClientStub> stubs = new ArrayList<>();
    for (int i = 0; i < callers; i++) {
      stubs.add(OtaClientStub.connect("127.0.0.1", port, Duration.ofSeconds(5)));
    }
    try {
      CountDownLatch go = new CountDownLatch(1);
      long from = System.nanoTime() + Duration.ofMillis(200).toNanos() + warmup.toNanos();
      long to = from + window.toNanos();
      List<Caller> threads = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        Caller c = new Caller(i, stubs.get(i), go, from, to);
        c.setDaemon(true);
        c.start();
        threads.add(c);
      }
      go.countDown();
      long sleep = (from - System.nanoTime()) / 1_000_000;
      if (sleep > 0) {
        Thread.sleep(sleep);
      }
      double cpu0 = processCpuSeconds();
      for (Caller c : threads) {
        c.join();
      }
      double cpu = processCpuSeconds() - cpu0;
      int total = threads.stream().mapToInt(c -> c.n).sum();
      long[] all = new long[total];
      int k = 0;
      long errors = 0;
      long shortAnswers = 0;
      long busy = 0;
      for (Caller c : threads) {
        System.arraycopy(c.nanos, 0, all, k, c.n);
        k += c.n;
        errors += c.errors;
        shortAnswers += c.shortAnswers;
        busy += c.mainBusy;
      }
      Arrays.sort(all);
      return new Result(phase, callers, window.toNanos() / 1e9, total, all, errors, shortAnswers, busy, cpu, updater);
    } finally {
      stubs.forEach(OtaClientStub::close);
    }
  }

  private static double processCpuSeconds() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime() / 1e9;
    }
    return Double.NaN;
  }

  private static String option(List<String> args, String name, String dflt) {
    int i = args.indexOf(name);
    if (i < 0 || i + 1 >= args.size()) {
      if (dflt == null) {
        System.err.println("usage: StatusLoad --work DIR --certs DIR [--callers 1,8,32] [--seconds S]"
            + " [--warmup S] [--update VERSION=URL ...]; missing " + name);
        System.exit(2);
      }
      return dflt;
    }
    return args.get(i + 1);
  }
}
