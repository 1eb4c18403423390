package dev.otaclient.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.boot.BootBackend;
import dev.otaclient.boot.DirectorySlotController;
import dev.otaclient.ecu.EcuNodeSettings;
import dev.otaclient.ecu.EcuResult;
import dev.otaclient.ecu.StatusReport;
import dev.otaclient.ecu.UpdateRequestEcu;
import dev.otaclient.error.FailureType;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.Nginx;
import dev.otaclient.testing.TreeSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real tree: main -> (A, B), A -> C, each a full daemon (directory slots, the update
 * engine, gRPC on loopback), images served by nginx. One Update naming all four.
 */
class EcuTreeUpdateTest {
  @TempDir Path tmp;

  @Test
  void oneUpdateReachesEveryEcuAndChildrenRebootBeforeParents() throws Exception {
    assumeTrue(Nginx.available(), "nginx not installed");
    SampleImage image = SampleImage.create(tmp);
    Path certs = image.certs();
    Path rootfs = image.rootfs();

    EcuNodeSettings fast = new EcuNodeSettings(Duration.ofSeconds(6), Duration.ofMillis(200), Duration.ofSeconds(1),
        Duration.ofSeconds(2), Duration.ofMinutes(1));
    Map<String, Long> successAt = new ConcurrentHashMap<>();
    List<EcuDaemon> daemons = new ArrayList<>();
    try (Nginx nginx = Nginx.serve(tmp.resolve("www"))) {
      EcuDaemon c = start("C", List.of(), certs, fast, successAt, daemons);
      EcuDaemon a = start("A", List.of(c), certs, fast, successAt, daemons);
      EcuDaemon b = start("B", List.of(), certs, fast, successAt, daemons);
      EcuDaemon main = start("main", List.of(a, b), certs, fast, successAt, daemons);
      String url = nginx.baseUri().resolve("v2/").toString();
      try (OtaClientStub stub = OtaClientStub.connect("127.0.0.1", main.port(), Duration.ofSeconds(10))) {
        List<UpdateRequestEcu> req = new ArrayList<>();
        for (String id : List.of("main", "A", "B", "C")) {
          req.add(new UpdateRequestEcu(id, "2.0", url, "{}"));
        }
        List<EcuResult> acks = stub.update(req);
        assertThat(acks).extracting(EcuResult::ecuId).containsExactly("C", "A", "B", "main");
        assertThat(acks).allMatch(r -> r.result() == FailureType.NO_FAILURE);

        boolean sawAllWithProgress = false;
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        StatusReport last = null;
        while (System.nanoTime() < deadline) {
          last = stub.status();
          if (last.ecus().size() == 4 && last.ecus().stream().anyMatch(s -> s.progress().isPresent())) {
            sawAllWithProgress = true;
          }
          if (last.ecus().size() == 4 && last.ecus().stream().allMatch(s -> s.status() == OtaStatus.SUCCESS)) {
            break;
          }
          Thread.sleep(50);
        }
        assertThat(last.ecus()).extracting(EcuStatus::ecuId).containsExactlyInAnyOrder("main", "A", "B", "C");
        assertThat(last.ecus()).allSatisfy(s -> {
          assertThat(s.status()).as(s.ecuId() + ": " + s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
          assertThat(s.version()).isEqualTo("2.0");
        });
        assertThat(last.availableEcuIds()).containsExactly("main", "A", "B");
        assertThat(sawAllWithProgress).as("Status on main showed every ECU with progress during the update").isTrue();
      }
      assertThat(successAt.get("C")).isLessThan(successAt.get("A"));
      assertThat(successAt.get("A")).isLessThan(successAt.get("main"));
      assertThat(successAt.get("B")).isLessThan(successAt.get("main"));
      for (EcuDaemon d : daemons) {
        Path slot = ((DirectorySlotController) d.client().bootController()).activeRoot();
        assertThat(TreeSnapshot.of(slot, List.of("/opt/ota"))).isEqualTo(TreeSnapshot.of(rootfs));
      }
    } finally {
      for (int i = daemons.size() - 1; i >= 0; i--) {
        daemons.get(i).close();
      }
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
    SampleImage image = SampleImage.create(tmp);
    Path certs = image.certs();
    Path rootfs = image.rootfs();
    EcuNodeSettings fast = new EcuNodeSettings(Duration.ofSeconds(6), Duration.ofMillis(200), Duration.ofSeconds(1),
        Duration.ofSeconds(2), Duration.ofMinutes(1));
    Map<String, Long> successAt = new ConcurrentHashMap<>();
    List<EcuDaemon> daemons = new ArrayList<>();
    int mainProxy = SampleImage.freePort();
    int aProxy = SampleImage.freePort();
    try (Nginx nginx = Nginx.serve(tmp.resolve("www"))) {
      EcuDaemon c = start("C", List.of(), certs, fast, successAt, daemons,
          "enable_local_ota_proxy: false\nupper_ota_proxy: \"http://127.0.0.1:" + aProxy + "\"\n");
      EcuDaemon a = start("A", List.of(c), certs, fast, successAt, daemons,
          "enable_local_ota_proxy: true\ngateway: false\nlocal_ota_proxy_listen_addr: \"127.0.0.1\"\n"
              + "local_ota_proxy_listen_port: " + aProxy + "\nupper_ota_proxy: \"http://127.0.0.1:" + mainProxy + "\"\n");
      EcuDaemon b = start("B", List.of(), certs, fast, successAt, daemons,
          "enable_local_ota_proxy: false\nupper_ota_proxy: \"http://127.0.0.1:" + mainProxy + "\"\n");
      EcuDaemon main = start("main", List.of(a, b), certs, fast, successAt, daemons,
          "enable_local_ota_proxy: true\ngateway: false\nlocal_ota_proxy_listen_addr: \"127.0.0.1\"\n"
              + "local_ota_proxy_listen_port: " + mainProxy + "\n");
      assertThat(main.proxy()).isPresent();
      assertThat(a.proxy()).isPresent();
      String url = nginx.baseUri().resolve("v2/").toString();
      try (OtaClientStub stub = OtaClientStub.connect("127.0.0.1", main.port(), Duration.ofSeconds(10))) {
        List<UpdateRequestEcu> req = new ArrayList<>();
        for (String id : List.of("main", "A", "B", "C")) {
          req.add(new UpdateRequestEcu(id, "2.0", url, "{\"session\":\"s1\"}"));
        }
        assertThat(stub.update(req)).allMatch(r -> r.result() == FailureType.NO_FAILURE);
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        StatusReport last = null;
        while (System.nanoTime() < deadline) {
          last = stub.status();
          if (last.ecus().size() == 4 && last.ecus().stream().allMatch(s -> s.status() == OtaStatus.SUCCESS)) {
            break;
          }
          Thread.sleep(50);
        }
        assertThat(last.ecus()).allSatisfy(s -> assertThat(s.status()).as(s.ecuId() + ": " + s.failureReason())
            .isEqualTo(OtaStatus.SUCCESS));
      }
      List<String> fileRequests = nginx.accessLog().stream()
          .filter(l -> l.startsWith("/v2/data/") || l.startsWith("/v2/data.zst/")).map(l -> l.split(" ")[0]).toList();
      assertThat(fileRequests).isNotEmpty();
      assertThat(fileRequests).doesNotHaveDuplicates();
      assertThat(nginx.accessLog()).allMatch(l -> l.contains("session=s1"));
      for (EcuDaemon d : daemons) {
        Path slot = ((DirectorySlotController) d.client().bootController()).activeRoot();
        assertThat(TreeSnapshot.of(slot, List.of("/opt/ota"))).isEqualTo(TreeSnapshot.of(rootfs));
      }
      // everyone succeeded: the caches were cleared
      for (EcuDaemon d : List.of(main, a)) {
        Path cache = tmp.resolve("ecu-" + d.info().ecuId() + "/cache");
        try (var files = Files.walk(cache)) {
          assertThat(files.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("."))
              .toList()).as(d.info().ecuId() + " cache").isEmpty();
        }
      }
    } finally {
      for (int i = daemons.size() - 1; i >= 0; i--) {
        daemons.get(i).close();
      }
    }
  }


  private EcuDaemon start(String id, List<EcuDaemon> children, Path certs, EcuNodeSettings settings,
      Map<String, Long> successAt, List<EcuDaemon> all) throws Exception {
    return start(id, children, certs, settings, successAt, all, "enable_local_ota_proxy: false\n");
  }

  private EcuDaemon start(String id, List<EcuDaemon> children, Path certs, EcuNodeSettings settings,
      Map<String, Long> successAt, List<EcuDaemon> all, String proxyInfo) throws Exception {
    Path cfg = Files.createDirectories(tmp.resolve("ecu-" + id));
    StringBuilder yaml = new StringBuilder("ecu_id: \"" + id + "\"\nip_addr: \"127.0.0.1\"\n");
    if (!children.isEmpty()) {
      yaml.append("secondaries:\n");
      for (EcuDaemon c : children) {
        yaml.append("  - {ecu_id: \"").append(c.info().ecuId()).append("\", ip_addr: \"127.0.0.1\", port: ")
            .append(c.port()).append("}\n");
      }
      yaml.append("available_ecu_ids: [\"").append(id).append('"');
      for (EcuDaemon c : children) {
        yaml.append(", \"").append(c.info().ecuId()).append('"');
      }
      yaml.append("]\n");
    }
    Files.writeString(cfg.resolve("ecu_info.yaml"), yaml);
    Files.writeString(cfg.resolve("proxy_info.yaml"), proxyInfo);
    EcuDaemon d = EcuDaemon.start(EcuDaemon.Config.fromDirectory(cfg, certs, cfg.resolve("slots"))
        .withBackend(BootBackend.DIRECTORY).withPort(0).withProxyCacheDir(cfg.resolve("cache")).withNodeSettings(settings));
    all.add(d);
    d.client().addListener(s -> {
      if (s.status() == OtaStatus.SUCCESS && "2.0".equals(s.version())) {
        successAt.putIfAbsent(id, System.nanoTime());
      }
    });
    return d;
  }
}
