import dev.otaclient.api.v2.OtaClientServiceGrpc;
import dev.otaclient.api.v2.StatusRequest;
import dev.otaclient.api.v2.StatusResponse;
import dev.otaclient.internal.boot.BootBackend;
import dev.otaclient.internal.ecu.EcuNodeSettings;
import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.internal.ecu.StatusReport;
import dev.otaclient.internal.ecu.UpdateRequestEcu;
import dev.otaclient.error.FailureType;
import dev.otaclient.grpc.EcuDaemon;
import dev.otaclient.grpc.OtaCallException;
import dev.otaclient.grpc.OtaClientStub;
import dev.otaclient.grpc.ProtoMapping;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
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
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;

/**
 * Scenario 5 of the benchmark, Status under load: a tree of eight ECUs on loopback, one of them hung,
 * and N concurrent callers of Status on the main ECU. Compiled by run.sh against otaclient.jar (it also
 * runs as {@code java -cp otaclient.jar bench/StatusLoad.java ...}).
 *
 * <pre>
 * StatusLoad --work DIR --certs DIR [--callers 1,8,32] [--seconds 10] [--warmup 2]
 *            [--callers-mode async|blocking|async,blocking] [--update VERSION=URL ...]
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
 *
 * <p>{@code --callers-mode async} (the default): each caller issues its next call from the callback of
 * the last, on its channel's event loop, and no caller has a thread of its own. {@code blocking}: each
 * caller is a thread in the blocking stub, as up to round seventeen; its figures include that thread's
 * wait for a core once its answer is in.
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
    List<Boolean> modes = new ArrayList<>();
    for (String m : option(a, "--callers-mode", "async").split(",")) {
      if (!m.equals("async") && !m.equals("blocking")) {
        System.err.println("--callers-mode: async, blocking or a comma-separated list of them, not " + m);
        System.exit(2);
      }
      modes.add(m.equals("blocking"));
    }
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
          for (boolean blocking : modes) {
            System.out.println(measure("idle", n, main.port(), warmup, window, null, blocking).json());
          }
        }
        if (!updates.isEmpty()) {
          Updater updater = new Updater(probe, updates);
          updater.start();
          awaitStatus(probe, s -> mainOf(s).status() == OtaStatus.UPDATING, Duration.ofSeconds(60));
          for (int n : callers) {
            for (boolean blocking : modes) {
              System.out.println(measure("updating", n, main.port(), warmup, window, updater, blocking).json());
            }
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

  private record Result(String phase, int callers, boolean blocking, double seconds, long calls, long[] sortedNanos,
      long errors, long shortAnswers, long mainBusy, double cpuSeconds, Updater updater) {
    String json() {
      StringBuilder b = new StringBuilder();
      b.append(String.format(Locale.ROOT,
          "{\"kind\":\"status\",\"name\":\"s5-status-%s-%d%s\",\"phase\":\"%s\",\"callers\":%d,"
              + "\"callers_mode\":\"%s\",\"seconds\":%.3f,"
              + "\"calls\":%d,\"calls_per_s\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,"
              + "\"p999_ms\":%.3f,\"max_ms\":%.3f,\"mean_ms\":%.3f,\"errors\":%d,\"short_answers\":%d,"
              + "\"main_busy_answers\":%d,\"cpu_seconds\":%.2f,\"ecus\":8,\"hung\":1",
          phase, callers, blocking ? "-blocking" : "", phase, callers, blocking ? "blocking" : "async", seconds,
          calls, calls / seconds, pct(0.50), pct(0.90), pct(0.99), pct(0.999), pct(1.0), mean(), errors,
          shortAnswers, mainBusy, cpuSeconds));
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

  /** What one caller saw of the calls it started inside the window: latencies (nanoseconds) and counts. */
  private static class Tally {
    private final long from;
    final long to;
    long[] nanos = new long[4096];
    int n;
    long errors;
    long shortAnswers;
    long mainBusy;

    Tally(long from, long to) {
      this.from = from;
      this.to = to;
    }

    void answered(long t0, long dt, StatusReport r) {
      if (t0 < from) {
        return;
      }
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

    void failed(long t0) {
      if (t0 >= from) {
        errors++;
      }
    }
  }

  /**
   * A caller with a thread of its own that blocks in each call: the latency includes the time that
   * thread waits for a core after its answer came in, and its wake-ups take CPU from the tree it
   * measures (docs/benchmarks.md, round eighteen: 1.3-1.9x fewer calls answered at 8 and 32 callers).
   */
  private static final class BlockingCaller extends Tally implements Runnable {
    private final OtaClientStub stub;
    private final CountDownLatch go;
    private final CountDownLatch done;

    BlockingCaller(OtaClientStub stub, CountDownLatch go, CountDownLatch done, long from, long to) {
      super(from, to);
      this.stub = stub;
      this.go = go;
      this.done = done;
    }

    @Override
    public void run() {
      try {
        go.await();
        long t0;
        while ((t0 = System.nanoTime()) < to) {
          try {
            StatusReport r = stub.status();
            answered(t0, System.nanoTime() - t0, r);
          } catch (OtaCallException e) {
            failed(t0);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        done.countDown();
      }
    }
  }

  /**
   * A caller without a thread: it starts its next call from the callback of the last one, on the
   * channel's event loop, and times each call from its start to that callback, the way a client on
   * another machine would see it (what it cannot see: its own wake-up behind 31 other callers).
   */
  private static final class AsyncCaller extends Tally implements StreamObserver<StatusResponse> {
    private static final StatusRequest REQUEST = StatusRequest.getDefaultInstance();
    private final ManagedChannel channel;
    private final OtaClientServiceGrpc.OtaClientServiceStub stub;
    private final CountDownLatch done;
    private long t0;
    private StatusResponse answer;

    AsyncCaller(int port, CountDownLatch done, long from, long to) {
      super(from, to);
      // callbacks on the transport's event loop, as the blocking stub's answers arrive, without a hop
      this.channel = Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
          .directExecutor().build();
      this.stub = OtaClientServiceGrpc.newStub(channel);
      this.done = done;
    }

    void next() {
      t0 = System.nanoTime();
      if (t0 >= to) {
        done.countDown();
        return;
      }
      answer = null;
      stub.withDeadlineAfter(5, TimeUnit.SECONDS).status(REQUEST, this);
    }

    @Override
    public void onNext(StatusResponse value) {
      answer = value;
    }

    @Override
    public void onCompleted() {
      long dt = System.nanoTime() - t0;
      try {
        answered(t0, dt, ProtoMapping.fromProto(answer));
      } catch (RuntimeException e) {
        failed(t0);
      }
      next();
    }

    @Override
    public void onError(Throwable t) {
      failed(t0);
      // not from this callback: a call that fails at once would recurse
      ForkJoinPool.commonPool().execute(this::next);
    }

    void close() {
      channel.shutdownNow();
    }
  }

  private static Result measure(String phase, int callers, int port, Duration warmup, Duration window, Updater updater,
      boolean blocking) throws InterruptedException {
    List<AutoCloseable> open = new ArrayList<>();
    try {
      CountDownLatch go = new CountDownLatch(1);
      CountDownLatch done = new CountDownLatch(callers);
      long from = System.nanoTime() + Duration.ofMillis(200).toNanos() + warmup.toNanos();
      long to = from + window.toNanos();
      List<Tally> tallies = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        if (blocking) {
          OtaClientStub stub = OtaClientStub.connect("127.0.0.1", port, Duration.ofSeconds(5));
          open.add(stub);
          BlockingCaller c = new BlockingCaller(stub, go, done, from, to);
          Thread t = new Thread(c, "status-caller-" + i);
          t.setDaemon(true);
          t.start();
          tallies.add(c);
        } else {
          AsyncCaller c = new AsyncCaller(port, done, from, to);
          open.add(c::close);
          tallies.add(c);
        }
      }
      go.countDown();
      for (Tally t : tallies) {
        if (t instanceof AsyncCaller c) {
          c.next();
        }
      }
      long sleep = (from - System.nanoTime()) / 1_000_000;
      if (sleep > 0) {
        Thread.sleep(sleep);
      }
      double cpu0 = processCpuSeconds();
      done.await();
      double cpu = processCpuSeconds() - cpu0;
      int total = tallies.stream().mapToInt(c -> c.n).sum();
      long[] all = new long[total];
      int k = 0;
      long errors = 0;
      long shortAnswers = 0;
      long busy = 0;
      for (Tally c : tallies) {
        System.arraycopy(c.nanos, 0, all, k, c.n);
        k += c.n;
        errors += c.errors;
        shortAnswers += c.shortAnswers;
        busy += c.mainBusy;
      }
      Arrays.sort(all);
      return new Result(phase, callers, blocking, window.toNanos() / 1e9, total, all, errors, shortAnswers, busy, cpu,
          updater);
    } finally {
      for (AutoCloseable c : open) {
        try {
          c.close();
        } catch (Exception e) {
          System.err.println("close: " + e);
        }
      }
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
            + " [--warmup S] [--callers-mode async|blocking|async,blocking] [--update VERSION=URL ...];"
            + " missing " + name);
        System.exit(2);
      }
      return dflt;
    }
    return args.get(i + 1);
  }
}
