package dev.otaclient.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.error.FailureType;
import dev.otaclient.internal.ecu.EcuRequest;
import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.internal.ecu.UpdateRequestEcu;
import dev.otaclient.internal.update.ClientUpdateSettings;
import dev.otaclient.internal.update.ClientVersion;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.UpdateStage;
import dev.otaclient.testing.Await;
import dev.otaclient.testing.FaultyHttpServer;
import dev.otaclient.testing.FaultyHttpServer.Fault;
import dev.otaclient.testing.JavaChild;
import dev.otaclient.testing.Nginx;
import dev.otaclient.testing.SampleRootfs;
import dev.otaclient.testing.SignedImageFixture;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ClientUpdate on a whole daemon: CLIENT_UPDATING (v2 phase DOWNLOADING_OTA_CLIENT) while it works,
 * then back to SUCCESS; with a client release in the image it is installed (atomically, beside the
 * old one) and the service manager is asked to restart the client (a fake restart command here);
 * the restarted client reports the new {@code otaclient_version}. Without a release, or with a
 * release that does not check out, nothing changes. Never left in CLIENT_UPDATING.
 */
class ClientUpdateTest {
  static final String NEW_VERSION = "9.9.9";

  @TempDir Path tmp;
  private SignedImageFixture images;
  private Nginx nginx;
  private FaultyHttpServer http;
  private FaultyHttpServer.Gate metadataGate;
  private Path clientDir;
  private Path restarts;
  private Path cfg;
  private EcuDaemon daemon;
  private OtaClientStub stub;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Nginx.available(), "nginx not installed");
    images = SignedImageFixture.create("client", tmp.resolve("img"));
    images.sampleV1("v1");
    release("with-client", NEW_VERSION, NEW_VERSION);
    release("bad-client", NEW_VERSION, "1.2.3");
    nginx = Nginx.serve(images.www());
    http = FaultyHttpServer.proxyingTo(nginx.baseUri());
    clientDir = tmp.resolve("client");
    restarts = tmp.resolve("restarts.log");
    cfg = TestDaemons.configDir(tmp.resolve("ecu"), "main", List.of(), TestDaemons.NO_PROXY);
    daemon = EcuDaemon.start(TestDaemons.config(cfg, images.cas(), 0, TestDaemons.SETTINGS)
        .withClientUpdate(new ClientUpdateSettings(clientDir, List.of(fakeRestart().toString()))));
    stub = OtaClientStub.connect("127.0.0.1", daemon.port(), Duration.ofSeconds(30));
    // a device that runs 1.0
    assertThat(stub.update(List.of(entry("v1", "1.0")))).containsExactly(new EcuResult("main", FailureType.NO_FAILURE));
    awaitStatus(s -> s.status() == OtaStatus.SUCCESS && s.version().equals("1.0"));
  }

  @AfterEach
  void tearDown() {
    if (metadataGate != null) {
      metadataGate.open();
    }
    for (AutoCloseable c : new AutoCloseable[] {stub, daemon, http, nginx}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** The sample rootfs plus a client release below /opt/ota/client/release, as image {@code name}. */
  private void release(String name, String manifestVersion, String jarVersion) throws IOException {
    Path root = images.rootfs(name);
    SampleRootfs.create(root);
    Path dir = Files.createDirectories(SampleRootfs.at(root, "/opt/ota/client/release"));
    Files.writeString(dir.resolve("manifest.json"),
        "{\"version\": \"" + manifestVersion + "\", \"jar\": \"otaclient-" + manifestVersion + ".jar\"}");
    writeJar(dir.resolve("otaclient-" + manifestVersion + ".jar"), jarVersion);
    for (Path p : List.of(dir.getParent(), dir, dir.resolve("manifest.json"),
        dir.resolve("otaclient-" + manifestVersion + ".jar"))) {
      Files.setAttribute(p, "unix:mode", Files.isDirectory(p) ? 0755 : 0644);
    }
    images.build(name);
  }

  /** A jar that is, as far as the client can tell, otaclient-java {@code version}. */
  static void writeJar(Path jar, String version) throws IOException {
    try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out)) {
      j.putNextEntry(new ZipEntry("dev/otaclient/otaclient-version.properties"));
      j.write(("version=" + version + "\n").getBytes(StandardCharsets.UTF_8));
      j.closeEntry();
    }
  }

  /**
   * Stands in for {@code systemctl restart}: records that it ran and which release was current then.
   * The record appears whole (written beside, then renamed): the tests wait for the file to exist and
   * then read it, which raced with the shell's write when the redirection created it.
   */
  private Path fakeRestart() throws IOException {
    Path script = tmp.resolve("fake-systemctl");
    Path partial = tmp.resolve("restarts.partial");
    Files.writeString(script, "#!/bin/sh\n{ cat '" + restarts + "' 2>/dev/null; readlink '" + clientDir.resolve("current")
        + "'; } > '" + partial + "' && mv '" + partial + "' '" + restarts + "'\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  private UpdateRequestEcu entry(String image, String version) {
    return new UpdateRequestEcu("main", version, http.baseUri().resolve(image + "/").toString(), "{}");
  }

  private List<EcuResult> clientUpdate(String image) {
    return stub.clientUpdate(EcuRequest.of(List.of(entry(image, "2.0")), "cu-1"), Duration.ofSeconds(30));
  }

  private EcuStatus awaitStatus(java.util.function.Predicate<EcuStatus> p) {
    return Await.value("main's status", () -> stub.status().ecus().get(0), p);
  }

  /** Holds the image's metadata.jwt until the test has seen CLIENT_UPDATING. */
  private void holdMetadata() {
    metadataGate = new FaultyHttpServer.Gate();
    FaultyHttpServer.Gate g = metadataGate;
    http.byDefault((path, attempt) -> path.endsWith("metadata.jwt") ? Fault.holdAfter(0, g) : Fault.none());
  }

  private EcuStatus seenClientUpdating() {
    metadataGate.awaitReached(1);
    EcuStatus s = stub.status().ecus().get(0);
    assertThat(s.status()).isEqualTo(OtaStatus.CLIENT_UPDATING);
    assertThat(s.update().orElseThrow().phase()).isEqualTo(UpdateStage.DOWNLOADING_OTA_CLIENT);
    assertThat(s.update().get().updateFirmwareVersion()).isEqualTo("2.0");
    metadataGate.open();
    return s;
  }

  @Test
  void withoutAClientReleaseItReturnsToSuccessAndChangesNothing() throws Exception {
    holdMetadata();
    assertThat(clientUpdate("v1")).containsExactly(new EcuResult("main", FailureType.NO_FAILURE));
    seenClientUpdating();

    EcuStatus after = awaitStatus(s -> s.status() != OtaStatus.CLIENT_UPDATING);
    assertThat(after.status()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(after.version()).isEqualTo("1.0");
    assertThat(after.otaclientVersion()).isEqualTo(ClientVersion.current());
    assertThat(clientDir).doesNotExist();
    assertThat(restarts).doesNotExist();
  }

  @Test
  void aReleaseThatDoesNotCheckOutIsNotInstalledAndTheStatusReturns() throws Exception {
    assertThat(clientUpdate("bad-client")).containsExactly(new EcuResult("main", FailureType.NO_FAILURE));
    EcuStatus after = awaitStatus(s -> s.status() != OtaStatus.CLIENT_UPDATING);
    assertThat(after.status()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(after.version()).isEqualTo("1.0");
    assertThat(clientDir.resolve("current")).doesNotExist();
    assertThat(restarts).doesNotExist();
  }

  /**
   * After a successful install only three releases can stay: the new one, the one current pointed at
   * before (the way back) and the one this process runs; older ones are removed.
   */
  @Test
  void olderReleasesAreRemovedAfterASuccessfulInstall() throws Exception {
    String running = ClientVersion.current();
    for (String v : List.of("0.8", "0.9", "1.0", running)) {
      writeJar(Files.createDirectories(clientDir.resolve("releases").resolve(v)).resolve("otaclient.jar"), v);
    }
    Files.createSymbolicLink(clientDir.resolve("current"), Path.of("releases", "0.9"));

    assertThat(clientUpdate("with-client")).containsExactly(new EcuResult("main", FailureType.NO_FAILURE));
    Await.until("the restart command", () -> Files.exists(restarts));
    awaitStatus(s -> s.status() == OtaStatus.SUCCESS);

    try (var left = Files.list(clientDir.resolve("releases"))) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(NEW_VERSION, "0.9", running);
    }
    assertThat(clientDir.resolve("releases/0.9/otaclient.jar")).isRegularFile();
    assertThat(Files.readSymbolicLink(clientDir.resolve("current"))).isEqualTo(Path.of("releases", NEW_VERSION));
  }

  @Test
  void aClientReleaseIsInstalledTheClientRestartedAndTheNewVersionReported() throws Exception {
    holdMetadata();
    assertThat(clientUpdate("with-client")).containsExactly(new EcuResult("main", FailureType.NO_FAILURE));
    seenClientUpdating();

    Await.until("the restart command", () -> Files.exists(restarts));
    EcuStatus after = awaitStatus(s -> s.status() != OtaStatus.CLIENT_UPDATING);
    assertThat(after.status()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(after.version()).as("the firmware is not touched").isEqualTo("1.0");
    // installed beside, then made current; the restart saw it current
    Path jar = clientDir.resolve("releases").resolve(NEW_VERSION).resolve("otaclient.jar");
    assertThat(Files.readSymbolicLink(clientDir.resolve("current"))).isEqualTo(Path.of("releases", NEW_VERSION));
    assertThat(jar).hasSameBinaryContentAs(
        images.rootfs("with-client").resolve("opt/ota/client/release/otaclient-" + NEW_VERSION + ".jar"));
    assertThat(Files.readAllLines(restarts)).containsExactly("releases/" + NEW_VERSION);

    // the service manager restarts the client from the current release: it reports the new version
    stub.close();
    stub = null;
    daemon.close();
    daemon = null;
    List<String> cmd = new ArrayList<>(JavaChild.command(DaemonMain.class, List.of(),
        List.of(cfg.toString(), images.cas().toString(), "0")));
    int cp = cmd.indexOf("-cp") + 1;
    cmd.set(cp, clientDir.resolve("current").resolve("otaclient.jar") + ":" + cmd.get(cp));
    Process restarted = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      int port = Integer.parseInt(JavaChild.awaitLine(restarted, "READY ").substring("READY ".length()).strip());
      try (OtaClientStub s = OtaClientStub.connect("127.0.0.1", port, Duration.ofSeconds(30))) {
        EcuStatus now = s.status().ecus().get(0);
        assertThat(now.otaclientVersion()).isEqualTo(NEW_VERSION);
        assertThat(now.status()).isEqualTo(OtaStatus.SUCCESS);
        assertThat(now.version()).isEqualTo("1.0");
      }
    } finally {
      restarted.destroy();
      restarted.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
