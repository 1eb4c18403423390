package dev.otaclient.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.internal.ecu.SecondaryEcu;
import dev.otaclient.internal.ecu.StatusReport;
import dev.otaclient.internal.ecu.UpdateRequestEcu;
import dev.otaclient.error.FailureType;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.Await;
import dev.otaclient.testing.FaultyHttpServer;
import dev.otaclient.testing.FaultyHttpServer.Fault;
import dev.otaclient.testing.Nginx;
import dev.otaclient.testing.ReservedPort;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.Tmpfs;
import dev.otaclient.testing.TreeSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real tree: main -> (A, B), A -> C, each a full daemon (directory slots, the update
 * engine, gRPC on loopback), images served by nginx. One Update naming all four.
 */
class EcuTreeUpdateTest {
  @TempDir Path tmp;
  private final List<EcuDaemon> daemons = new ArrayList<>();
  private final List<Tmpfs> caches = new ArrayList<>();
  /** Parents that reached SUCCESS while a child of theirs had not yet: must stay empty. */
  private final List<String> earlyParents = new CopyOnWriteArrayList<>();
  private SignedImageFixture images;

  @AfterEach
  void closeDaemons() {
    for (int i = daemons.size() - 1; i >= 0; i--) {
      daemons.get(i).close();
    }
    caches.forEach(Tmpfs::close);
  }

  private void image() {
    images = SignedImageFixture.create("tree", tmp);
    images.sampleV1("v2");
  }

  @Test
  void oneUpdateReachesEveryEcuAndChildrenRebootBeforeParents() throws Exception {
    assumeTrue(Nginx.available(), "nginx not installed");
    image();
    FaultyHttpServer.Gate gate = new FaultyHttpServer.Gate();
    try (Nginx nginx = Nginx.serve(images.www());
         FaultyHttpServer held = FaultyHttpServer.proxyingTo(nginx.baseUri())) {
      // the file downloads wait at the gate until main's Status has shown all four updating
      held.byDefault((path, attempt) -> path.contains("/data/") || path.contains("/data.zst/")
          ? Fault.holdAfter(0, gate) : Fault.none());
      EcuDaemon c = start("C", List.of(), TestDaemons.NO_PROXY);
      EcuDaemon a = start("A", List.of(c), TestDaemons.NO_PROXY);
      EcuDaemon b = start("B", List.of(), TestDaemons.NO_PROXY);
      EcuDaemon main = start("main", List.of(a, b), TestDaemons.NO_PROXY);
      String url = held.baseUri().resolve("v2/").toString();
      try (OtaClientStub stub = OtaClientStub.connect("127.0.0.1", main.port(), Duration.ofSeconds(10))) {
        List<EcuResult> acks = stub.update(request(url, "{}"));
        assertThat(acks).extracting(EcuResult::ecuId).containsExactly("C", "A", "B", "main");
        assertThat(acks).allMatch(r -> r.result() == FailureType.NO_FAILURE);

        Await.value("Status on main to show every ECU updating with progress", stub::status,
            r -> r.ecus().size() == 4
                && r.ecus().stream().allMatch(s -> s.status() == OtaStatus.UPDATING && s.progress().isPresent()));
        gate.open();
        StatusReport last = awaitAllSucceeded(stub, r -> { });
        assertThat(last.availableEcuIds()).containsExactly("main", "A", "B");
      }
      assertThat(earlyParents).as("parents that rebooted before their children").isEmpty();
      assertSlotsHoldTheImage();
    }
  }

  /**
   * The same tree with ota_proxy: main and A run proxies (A chained to main), B and C download through
   * their parent's proxy. The origin serves every file of the image once for the whole tree, and the
   * caches are cleared after everyone succeeded.
   */
  @Test
  void withProxiesTheOriginServesEachFileOnceForTheWholeTree() throws Exception {
    assumeTrue(Nginx.available(), "nginx not installed");
    image();
    // the proxies' ports must be in the children's configs before the proxies start: held until then
    // Each proxy's cache on a filesystem of its own: the space limits are shares of the cache's
    // filesystem, and a shared disk that happens to be above the soft limit evicts entries before
    // the last ECU asked for them (CI saw three files fetched twice).
    for (String id : List.of("main", "A")) {
      caches.add(Tmpfs.mount(tmp.resolve("ecu-" + id + "/cache"), "size=16m"));
    }
    try (ReservedPort mainProxy = ReservedPort.reserve();
         ReservedPort aProxy = ReservedPort.reserve();
         Nginx nginx = Nginx.serve(images.www())) {
      EcuDaemon c = start("C", List.of(), "enable_local_ota_proxy: false\nupper_ota_proxy: \"http://"
          + aProxy.hostPort() + "\"\n");
      EcuDaemon a = start("A", List.of(c), "enable_local_ota_proxy: true\ngateway: false\n"
          + "local_ota_proxy_listen_addr: \"127.0.0.1\"\nlocal_ota_proxy_listen_port: " + aProxy.port()
          + "\nupper_ota_proxy: \"http://" + mainProxy.hostPort() + "\"\n");
      EcuDaemon b = start("B", List.of(), "enable_local_ota_proxy: false\nupper_ota_proxy: \"http://"
          + mainProxy.hostPort() + "\"\n");
      EcuDaemon main = start("main", List.of(a, b), "enable_local_ota_proxy: true\ngateway: false\n"
          + "local_ota_proxy_listen_addr: \"127.0.0.1\"\nlocal_ota_proxy_listen_port: " + mainProxy.port() + "\n");
      assertThat(main.proxy()).isPresent();
      assertThat(a.proxy()).isPresent();
      String url = nginx.baseUri().resolve("v2/").toString();
      try (OtaClientStub stub = OtaClientStub.connect("127.0.0.1", main.port(), Duration.ofSeconds(10))) {
        assertThat(stub.update(request(url, "{\"session\":\"s1\"}"))).allMatch(r -> r.result() == FailureType.NO_FAILURE);
        awaitAllSucceeded(stub, r -> { });
      }
      List<String> log = nginx.accessLog();
      List<String> fileLines = log.stream().filter(l -> l.startsWith("/v2/data/") || l.startsWith("/v2/data.zst/")).toList();
      List<String> fileRequests = fileLines.stream().map(l -> l.split(" ")[0]).toList();
      assertThat(fileRequests).isNotEmpty();
      // the whole lines on failure: status and ota-file-cache-control tell a retry from a missed hit
      assertThat(fileRequests).as(String.join("\n", fileLines)).doesNotHaveDuplicates();
      assertThat(log).allMatch(l -> l.contains("session=s1"));
      assertThat(earlyParents).as("parents that rebooted before their children").isEmpty();
      assertSlotsHoldTheImage();
      // everyone succeeded: the caches are cleared (by a status listener, which runs just after the
      // SUCCESS that Status already shows)
      for (EcuDaemon d : List.of(main, a)) {
        Path cache = tmp.resolve("ecu-" + d.info().ecuId() + "/cache");
        Await.value(d.info().ecuId() + "'s cache to be cleared", () -> cachedFiles(cache), List::isEmpty);
      }
    }
  }

  private static List<Path> cachedFiles(Path cache) {
    try (var files = Files.walk(cache)) {
      return files.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static List<UpdateRequestEcu> request(String url, String cookies) {
    List<UpdateRequestEcu> req = new ArrayList<>();
    for (String id : List.of("main", "A", "B", "C")) {
      req.add(new UpdateRequestEcu(id, "2.0", url, cookies));
    }
    return req;
  }

  /** Polls main's Status (each report shown to {@code seen}) until all four ECUs report SUCCESS. */
  private static StatusReport awaitAllSucceeded(OtaClientStub stub, java.util.function.Consumer<StatusReport> seen) {
    StatusReport last = Await.value("all four ECUs SUCCESS", Duration.ofSeconds(120), () -> {
      StatusReport r = stub.status();
      seen.accept(r);
      return r;
    }, r -> r.ecus().size() == 4 && r.ecus().stream().allMatch(s -> s.status() == OtaStatus.SUCCESS)
        || r.ecus().stream().anyMatch(s -> s.status() == OtaStatus.FAILURE));
    assertThat(last.ecus()).extracting(EcuStatus::ecuId).containsExactlyInAnyOrder("main", "A", "B", "C");
    assertThat(last.ecus()).allSatisfy(s -> {
      assertThat(s.status()).as(s.ecuId() + ": " + s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
      assertThat(s.version()).isEqualTo("2.0");
    });
    return last;
  }

  private void assertSlotsHoldTheImage() {
    for (EcuDaemon d : daemons) {
      Path slot = ((DirectorySlotController) d.client().bootController()).activeRoot();
      assertThat(TreeSnapshot.of(slot, SignedImageFixture.ENGINE_META)).isEqualTo(TreeSnapshot.of(images.rootfs("v2")));
    }
  }

  /**
   * Starts the daemon of ECU {@code id} with these children. When it reaches SUCCESS on 2.0 it checks
   * that its children are there already: a parent reboots only after its children finished, and a
   * child's status never goes back, so this holds however the threads are scheduled.
   */
  private EcuDaemon start(String id, List<EcuDaemon> children, String proxyInfo) {
    List<SecondaryEcu> secondaries = children.stream()
        .map(c -> new SecondaryEcu(c.info().ecuId(), "127.0.0.1", c.port())).toList();
    Path cfg = TestDaemons.configDir(tmp.resolve("ecu-" + id), id, secondaries, proxyInfo);
    EcuDaemon d = TestDaemons.start(cfg, images.cas(), 0, TestDaemons.SETTINGS);
    daemons.add(d);
    d.client().addListener(s -> {
      if (s.status() == OtaStatus.SUCCESS && "2.0".equals(s.version())) {
        for (EcuDaemon c : children) {
          EcuStatus cs = c.client().status();
          if (cs.status() != OtaStatus.SUCCESS || !"2.0".equals(cs.version())) {
            earlyParents.add(id + " before " + c.info().ecuId() + " (" + cs.status() + ")");
          }
        }
      }
    });
    return d;
  }
}
