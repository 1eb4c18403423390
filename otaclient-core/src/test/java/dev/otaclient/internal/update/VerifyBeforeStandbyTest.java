package dev.otaclient.internal.update;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.boot.BootController;
import dev.otaclient.internal.boot.BootState;
import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.internal.boot.ImageFiles;
import dev.otaclient.internal.boot.RollbackCheck;
import dev.otaclient.internal.boot.Standby;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.internal.fetch.HttpSettings;
import dev.otaclient.internal.fetch.RetryPolicy;
import dev.otaclient.internal.image.CaStore;
import dev.otaclient.internal.image.build.ImageBuilder;
import dev.otaclient.internal.image.sign.TestCa;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.FaultyHttpServer;
import dev.otaclient.testing.FaultyHttpServer.Fault;
import dev.otaclient.testing.HandmadeImage;
import dev.otaclient.testing.SampleRootfs;
import dev.otaclient.testing.TreeSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Only a verified image may touch the standby: metadata, lists and plan are checked first, in a
 * private work directory. A refused image leaves both slots byte-identical; a server that stalls on
 * the metadata or in the middle of a list ends in a clear error within the retry budget, or succeeds
 * after a retry, and never hangs. (The JUnit timeouts are generous upper bounds, not the mechanism.)
 */
class VerifyBeforeStandbyTest {
  @TempDir static Path shared;
  static TestCa ca;
  static Path cas;
  static Path v1;
  static Path v2;

  @TempDir Path tmp;
  Path state;
  Path work;
  FaultyHttpServer server;

  @BeforeAll
  static void images() {
    ca = TestCa.create("verify-first", Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(1)));
    cas = shared.resolve("cas");
    ca.installInto(cas, "1");
    Path cert = shared.resolve("sign.pem");
    ca.writeSigningMaterial(shared.resolve("sign.key"), cert);
    SampleRootfs.create(shared.resolve("rootfs-v1"));
    SampleRootfs.v2From(shared.resolve("rootfs-v1"), shared.resolve("rootfs-v2"));
    for (String v : List.of("v1", "v2")) {
      ImageBuilder.fromRootfs(shared.resolve("rootfs-" + v)).outputDir(shared.resolve("www/" + v))
          .signWith(ca.signingKey(), cert).compress(true).build();
    }
    v1 = shared.resolve("www/v1");
    v2 = shared.resolve("www/v2");
  }

  @BeforeEach
  void device() throws IOException {
    state = tmp.resolve("state");
    work = tmp.resolve("work");
    // v1 installed, so one slot runs v1 and the other holds the initial (empty) build
    EcuStatus s = device(UpdateSettings.defaults(CaStore.load(cas))).update(UpdateRequest.of("v1", v1.toString(), "{}"));
    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    server = FaultyHttpServer.serving(tmp.resolve("www"));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  UpdateEngine device(UpdateSettings settings) {
    UpdateEngine c = new UpdateEngine("main", new DirectorySlotController(state), settings.withWorkDir(work));
    c.start();
    return c;
  }

  /** Short read timeout and a small budget, so a stall costs seconds. */
  UpdateEngine impatientDevice() {
    return device(UpdateSettings.defaults(CaStore.load(cas))
        .withHttp(HttpSettings.defaults().withTimeouts(Duration.ofSeconds(2), Duration.ofMillis(300)))
        .withRetry(new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(20))));
  }

  Path serve(Path image, String as) throws IOException {
    Path target = tmp.resolve("www").resolve(as);
    copyTree(image, target);
    return target;
  }

  String url(String as) {
    return server.baseUri().resolve(as + "/").toString();
  }

  List<TreeSnapshot> slots() {
    return List.of(TreeSnapshot.of(state.resolve(DirectorySlotController.SLOT_A)),
        TreeSnapshot.of(state.resolve(DirectorySlotController.SLOT_B)));
  }

  @Test
  @Timeout(120)
  void aTamperedListLeavesBothSlotsByteIdentical() throws Exception {
    Path img = serve(v2, "tampered");
    Files.writeString(img.resolve("regulars.txt"), "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    List<TreeSnapshot> before = slots();

    EcuStatus s = device(UpdateSettings.defaults(CaStore.load(cas))).update(UpdateRequest.of("v2", url("tampered"), "{}"));

    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.failureReason()).contains("-" + ErrorCode.METADATA_VERIFICATION.number() + ":")
        .contains("list regulars.txt").contains("is not the one metadata.jwt signed");
    assertThat(slots()).isEqualTo(before);
    assertThat(leftoversIn(work)).isEmpty();
  }

  @Test
  @Timeout(120)
  void aSignedImageWhosePlanIsRefusedNeverTouchesTheStandby() throws Exception {
    // duplicate path: correctly signed lists, refused while planning
    byte[] content = "x\n".getBytes(StandardCharsets.UTF_8);
    new HandmadeImage().dirs("0755,0,0,'/etc'")
        .regulars(HandmadeImage.regularLine("/etc/x", content), HandmadeImage.regularLine("/etc/x", content))
        .file("data/etc/x", content).writeTo(tmp.resolve("www/duplicate"), ca, false);
    List<TreeSnapshot> before = slots();

    EcuStatus s = device(UpdateSettings.defaults(CaStore.load(cas))).update(UpdateRequest.of("v2", url("duplicate"), "{}"));

    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.failureReason()).contains("regulars.txt");
    assertThat(slots()).isEqualTo(before);
  }

  @Test
  @Timeout(120)
  void aControllerRefusesFromOneFileOfTheImageBeforeTheDownloadAndBeforeTheStandby() throws Exception {
    serve(v2, "vetted");
    List<TreeSnapshot> before = slots();
    List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    BootController refusing = new VettingController(new DirectorySlotController(state), files -> {
      seen.add(files.read("/etc/hostname", 4096).map(b -> new String(b, StandardCharsets.UTF_8)).orElse("<none>"));
      seen.add(files.read("/no/such/file", 4096).map(b -> "present").orElse("<none>"));
      throw new OtaException(ErrorCode.INVALID_UPDATE_REQUEST, ErrorModule.BOOT_CONTROL, "not for this device");
    });
    UpdateEngine c = new UpdateEngine("main", refusing, UpdateSettings.defaults(CaStore.load(cas)).withWorkDir(work));
    c.start();

    EcuStatus s = c.update(UpdateRequest.of("v2", url("vetted"), "{}"));

    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.failureReason()).contains("-" + ErrorCode.INVALID_UPDATE_REQUEST.number() + ":").contains("not for this device");
    // the file as the image has it (fetched alone and checked against regulars.txt), none for a missing path
    assertThat(seen).containsExactly(Files.readString(shared.resolve("rootfs-v2/etc/hostname")), "<none>");
    assertThat(slots()).isEqualTo(before);
    assertThat(leftoversIn(work)).isEmpty();
    // one content of the image was downloaded: the one asked for
    assertThat(server.requests().stream().map(FaultyHttpServer.Recorded::path)
        .filter(p -> p.startsWith("vetted/data")).toList()).as(server.requests().toString()).hasSize(1);
  }

  /** A controller that vets images with {@code vet} and is otherwise {@code delegate}. */
  static final class VettingController implements BootController {
    private final BootController delegate;
    private final java.util.function.Consumer<ImageFiles> vet;

    VettingController(BootController delegate, java.util.function.Consumer<ImageFiles> vet) {
      this.delegate = delegate;
      this.vet = vet;
    }

    @Override
    public void vetImage(ImageFiles image) {
      vet.accept(image);
    }

    @Override
    public String activeSlotId() {
      return delegate.activeSlotId();
    }

    @Override
    public String standbySlotId() {
      return delegate.standbySlotId();
    }

    @Override
    public BootState finalizeAtStartup() {
      return delegate.finalizeAtStartup();
    }

    @Override
    public BootState currentState() {
      return delegate.currentState();
    }

    @Override
    public Path activeRoot() {
      return delegate.activeRoot();
    }

    @Override
    public Standby prepareStandby(String newVersion, boolean reuseInPlace) {
      return delegate.prepareStandby(newVersion, reuseInPlace);
    }

    @Override
    public void commitSwitch(Standby standby) {
      delegate.commitSwitch(standby);
    }

    @Override
    public void reboot() {
      delegate.reboot();
    }

    @Override
    public void onFailure(String failureReason) {
      delegate.onFailure(failureReason);
    }

    @Override
    public void onAbort() {
      delegate.onAbort();
    }

    @Override
    public RollbackCheck checkRollback() {
      return delegate.checkRollback();
    }

    @Override
    public void prepareRollback() {
      delegate.prepareRollback();
    }
  }

  @Test
  @Timeout(120)
  void aServerThatNeverAnswersForMetadataEndsInANetworkFailure() throws Exception {
    serve(v2, "v2");
    server.always("v2/metadata.jwt", Fault.silent(Duration.ofHours(1)));
    List<TreeSnapshot> before = slots();

    EcuStatus s = impatientDevice().update(UpdateRequest.of("v2", url("v2"), "{}"));

    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.failureReason()).contains("-" + ErrorCode.NETWORK.number() + ":")
        .contains("cannot fetch metadata.jwt from " + url("v2")).contains("giving up after 3 attempts");
    assertThat(server.requests("v2/metadata.jwt")).hasSize(3);
    assertThat(slots()).isEqualTo(before);
  }

  @Test
  @Timeout(120)
  void aStallInTheMiddleOfAListIsRetried() throws Exception {
    serve(v2, "v2");
    server.script("v2/regulars.txt", Fault.stallAfter(100, Duration.ofHours(1)));

    EcuStatus s = impatientDevice().update(UpdateRequest.of("v2", url("v2"), "{}"));

    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(s.version()).isEqualTo("v2");
    assertThat(server.requests("v2/regulars.txt")).hasSize(2);
    assertThat(server.requests("v2/regulars.txt").get(1).header("ota-file-cache-control")).isEqualTo("no_cache");
  }

  @Test
  @Timeout(120)
  void aListThatAlwaysStallsEndsAsAMetadataDownloadFailure() throws Exception {
    serve(v2, "v2");
    server.always("v2/regulars.txt", Fault.stallAfter(100, Duration.ofHours(1)));
    List<TreeSnapshot> before = slots();

    EcuStatus s = impatientDevice().update(UpdateRequest.of("v2", url("v2"), "{}"));

    assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(s.failureReason()).contains("-" + ErrorCode.METADATA_DOWNLOAD.number() + ":")
        .contains("cannot fetch list regulars.txt from " + url("v2"));
    assertThat(server.requests("v2/regulars.txt")).hasSize(3);
    assertThat(slots()).isEqualTo(before);
    assertThat(leftoversIn(work)).isEmpty();
  }

  private static List<Path> leftoversIn(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isSymbolicLink(p)) {
          Files.createSymbolicLink(t, Files.readSymbolicLink(p));
        } else if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
  }
}
