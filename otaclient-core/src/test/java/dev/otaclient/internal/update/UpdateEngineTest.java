package dev.otaclient.internal.update;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.error.FailureType;
import dev.otaclient.internal.fetch.CacheControl;
import dev.otaclient.internal.fetch.Cookies;
import dev.otaclient.internal.fetch.RetryPolicy;
import dev.otaclient.internal.fs.TempNames;
import dev.otaclient.internal.image.ListKind;
import dev.otaclient.internal.image.ListReader;
import dev.otaclient.internal.image.RegularEntry;
import dev.otaclient.internal.image.sign.TestCa;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.Progress;
import dev.otaclient.testing.Await;
import dev.otaclient.testing.FaultyHttpServer;
import dev.otaclient.testing.FaultyHttpServer.Fault;
import dev.otaclient.testing.Nginx;
import dev.otaclient.testing.SampleRootfs;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.TreeSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine end to end over a real nginx: full install, delta, in place, no-op, persistents and
 * counters. Trees are compared with {@link TreeSnapshot} (content, modes incl. setuid, owners,
 * symlink targets, hard-link groups).
 */
class UpdateEngineTest {
  static final List<String> META = SignedImageFixture.ENGINE_META;
  static final List<String> PERSISTENTS = List.of("/etc/hostname", "/var/lib/state");

  @TempDir static Path shared;
  static SignedImageFixture images;
  static Path v1;
  static Path v2;
  static Nginx nginx;
  static Path www;

  @BeforeAll
  static void images() {
    assumeTrue(Nginx.available(), "nginx not installed");
    images = SignedImageFixture.create("engine", shared);
    // signed with the key as read back from its PEM file, as the CLI does
    images.sampleV1("v1", b -> b.signWith(TestCa.readPrivateKey(images.key()), images.cert()).persistents(PERSISTENTS));
    images.sampleV2("v1", "v2", b -> b.signWith(TestCa.readPrivateKey(images.key()), images.cert()).persistents(PERSISTENTS));
    v1 = images.rootfs("v1");
    v2 = images.rootfs("v2");
    www = images.www();
    nginx = Nginx.serve(www);
  }

  @AfterAll
  static void stop() throws Exception {
    if (nginx != null) {
      nginx.close();
    }
  }

  static UpdateEngine client(TestSlots slots) {
    UpdateSettings s = UpdateSettings.defaults(images.caStore())
        .withRetry(new RetryPolicy(5, Duration.ofMillis(5), Duration.ofMillis(50), Duration.ofSeconds(10)));
    UpdateEngine c = new UpdateEngine("main", slots, s);
    c.start();
    return c;
  }

  static String url(String v) {
    return nginx.imageUrl(v);
  }

  static Path installV1(Path slot) {
    TestSlots slots = new TestSlots(slot.resolveSibling(slot.getFileName() + "-empty-active"), slot);
    EcuStatus s = client(slots).update(UpdateRequest.of("v1", url("v1"), "{}"));
    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    return slot;
  }

  @Test
  void fullInstallBuildsAnExactCopyOfTheImage(@TempDir Path tmp) throws Exception {
    TestSlots slots = new TestSlots(tmp.resolve("a"), tmp.resolve("b"));
    UpdateEngine c = client(slots);
    int logBefore = nginx.accessLog().size();
    List<Progress> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    c.addListener(st -> st.progress().ifPresent(seen::add));
    EcuStatus s = c.update(UpdateRequest.of("v1", url("v1"), "{\"session\":\"abc\"}"));

    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(slots.calls).containsSubsequence("prepare v1", "commit", "reboot");
    assertThat(TreeSnapshot.of(tmp.resolve("b"), META).diff(TreeSnapshot.of(v1))).isEmpty();
    assertThat(TreeSnapshot.of(tmp.resolve("b"), META)).isEqualTo(TreeSnapshot.of(v1));
    assertThat(Files.readString(tmp.resolve("b/opt/ota/image-meta/regulars.txt")))
        .isEqualTo(Files.readString(www.resolve("v1/regulars.txt")));
    assertThat(tmp.resolve("b/.ota-work")).doesNotExist();
    // the cookie reached the server on every request
    List<String> requests = nginx.accessLog();
    assertThat(requests.subList(logBefore, requests.size())).hasSizeGreaterThan(8).allMatch(l -> l.contains("session=abc"));
    // phases were all reported, SYMLINK included
    assertThat(seen).extracting(Progress::phase).map(Enum::name).containsSubsequence(
        "METADATA", "DIRECTORY", "SYMLINK", "REGULAR", "PERSISTENT", "POST_PROCESSING");
  }

  @Test
  void deltaCopiesWhatTheActiveSlotHasAndDownloadsOnlyChangedContent(@TempDir Path tmp) throws Exception {
    Path a = installV1(tmp.resolve("a"));
    TestSlots slots = new TestSlots(a, tmp.resolve("b"));
    UpdateEngine c = client(slots);
    int logBefore = nginx.accessLog().size();
    Progress[] last = new Progress[1];
    c.addListener(st -> st.progress().ifPresent(p -> last[0] = p));
    EcuStatus s = c.update(UpdateRequest.of("v2", url("v2"), "{}"));

    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(TreeSnapshot.of(tmp.resolve("b"), META).diff(TreeSnapshot.of(v2))).isEmpty();
    Progress p = last[0];
    assertThat(p.regularFilesProcessed()).isEqualTo(p.totalRegularFiles());
    assertThat(p.filesProcessedCopy() + p.filesProcessedLink() + p.filesProcessedDownload())
        .isEqualTo(p.totalRegularFiles());

    Map<String, Long> expectedBlobs = changedBlobs(www.resolve("v2"));
    assertThat(p.filesProcessedDownload()).isEqualTo(expectedBlobs.size());
    assertThat(p.downloadBytes()).isEqualTo(expectedBlobs.values().stream().mapToLong(Long::longValue).sum());
    List<String> log = nginx.accessLog();
    List<String> fetched = log.subList(logBefore, log.size());
    // the moved file was copied from the active slot, not downloaded
    assertThat(fetched).noneMatch(l -> l.contains("README"));
    assertThat(fetched).noneMatch(l -> l.contains("/data/usr/share/random.bin"));
  }

  /**
   * Found by the Raspberry Pi and Jetson UEFI crash suites: the in-place clean removed the status files
   * the controller had just written inside the standby (UPDATING, version), so the new slot started as
   * INITIALIZED without a version instead of finalising the switch.
   */
  @Test
  void anInPlaceUpdateKeepsTheStatusFilesTheControllerWroteInsideTheStandby(@TempDir Path tmp) throws Exception {
    Path a = installV1(tmp.resolve("a"));
    Path b = installV1(tmp.resolve("b"));
    TestSlots slots = new TestSlots(a, b);
    slots.statusInSlot = true;
    EcuStatus s = client(slots).update(UpdateRequest.of("v2", url("v2"), "{}"));
    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(b.resolve("boot/ota-status/status")).hasContent("UPDATING");
    assertThat(TreeSnapshot.of(b, List.of("/opt/ota", "/boot/ota-status")).diff(TreeSnapshot.of(v2, List.of("/opt/ota"))))
        .isEmpty();
  }

  /** sha256 -> bytes on the wire for every v2 content that v1 does not have. */
  static Map<String, Long> changedBlobs(Path image) throws IOException {
    Set<String> old = new HashSet<>();
    try (ListReader<RegularEntry> r = ListReader.open(ListKind.REGULARS, www.resolve("v1/regulars.txt"))) {
      r.forEachRemaining(e -> old.add(e.sha256()));
    }
    Map<String, Long> blobs = new HashMap<>();
    try (ListReader<RegularEntry> r = ListReader.open(ListKind.REGULARS, image.resolve("regulars.txt"))) {
      while (r.hasNext()) {
        RegularEntry e = r.next();
        if (old.contains(e.sha256()) || e.size() == 0) {
          continue;
        }
        long wire = e.isCompressed() ? Files.size(image.resolve("data.zst/" + e.sha256() + ".zst")) : e.size();
        blobs.put(e.sha256(), wire);
      }
    }
    return blobs;
  }

  @Test
  void reapplyingTheImageTheStandbyHoldsWritesAndDownloadsNothing(@TempDir Path tmp) throws Exception {
    Path a = installV1(tmp.resolve("a"));
    Path b = installV1(tmp.resolve("b"));
    Map<String, Object> before = inodes(b);
    Map<String, Object> usrBefore = ctimes(b.resolve("usr"));
    reapplyV1DownloadingNothing(new TestSlots(a, b));
    // nothing was rewritten: every regular file is still the same inode
    Map<String, Object> after = inodes(b);
    // the lists are saved anew and persistents are copied over again; nothing else is touched
    before.keySet().removeIf(k -> k.startsWith("/opt/ota/image-meta") || PERSISTENTS.contains(k));
    assertThat(after).containsAllEntriesOf(before);
    // not even an attribute: no chmod or chown of a directory, file or symlink that has them already
    assertThat(ctimes(b.resolve("usr"))).isEqualTo(usrBefore);
    assertThat(TreeSnapshot.of(b, META)).isEqualTo(TreeSnapshot.of(v1));
  }

  /** The ctime of every entry below {@code dir}, itself included. */
  static Map<String, Object> ctimes(Path dir) throws IOException {
    Map<String, Object> m = new HashMap<>();
    try (var s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        m.put(dir.relativize(p).toString(), Files.getAttribute(p, "unix:ctime", LinkOption.NOFOLLOW_LINKS));
      }
    }
    return m;
  }

  /**
   * In place, the standby may hold the persistent file exactly as it was last carried over: it is left
   * as it is (same inode, same ctime), while one that differs in its modification time only is written
   * again, so the result is always the active slot's file with its attributes.
   */
  @Test
  void aPersistentFileTheStandbyAlreadyHoldsIsNotWrittenAgain(@TempDir Path tmp) throws Exception {
    for (boolean sameTime : new boolean[] {true, false}) {
      Path a = installV1(tmp.resolve(sameTime + "/a"));
      Path b = installV1(tmp.resolve(sameTime + "/b"));
      Path active = a.resolve("etc/hostname");
      Path standby = b.resolve("etc/hostname");
      Files.writeString(active, "vehicle-42\n");
      Files.copy(active, standby, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
      if (!sameTime) {
        Files.setLastModifiedTime(standby, FileTime.fromMillis(Files.getLastModifiedTime(active).toMillis() - 1000));
      }
      Map<String, Object> before = Files.readAttributes(standby, "unix:ino,ctime", LinkOption.NOFOLLOW_LINKS);

      EcuStatus s = client(new TestSlots(a, b)).update(UpdateRequest.of("v2", url("v2"), "{}"));

      assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
      assertThat(Files.readString(standby)).isEqualTo("vehicle-42\n");
      // to the microsecond: what Files.copy keeps, and so does the copy the engine makes (the
      // standby's file one second older shows it was written again)
      assertThat(Files.getLastModifiedTime(standby).to(TimeUnit.MICROSECONDS))
          .isEqualTo(Files.getLastModifiedTime(active).to(TimeUnit.MICROSECONDS));
      if (sameTime) {
        assertThat(Files.readAttributes(standby, "unix:ino,ctime", LinkOption.NOFOLLOW_LINKS)).as("left as it was")
            .isEqualTo(before);
      }
    }
  }

  /**
   * A caller that reads the final status of an update and asks for the next one at once is not
   * refused as busy while the first still tells its listeners (bench scenario 5 met that window).
   */
  @Test
  void theNextUpdateIsAcceptedAsSoonAsTheFinalStatusShows(@TempDir Path tmp) throws Exception {
    UpdateEngine c = client(new TestSlots(tmp.resolve("a"), tmp.resolve("b")));
    CountDownLatch finalShown = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean held = new AtomicBoolean();
    c.addListener(st -> {
      if (st.status() == OtaStatus.SUCCESS && held.compareAndSet(false, true)) {
        finalShown.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
    c.startUpdate(UpdateRequest.of("v1", url("v1"), "{}"), BeforeReboot.NONE);
    finalShown.await();
    assertThat(c.status().status()).isEqualTo(OtaStatus.SUCCESS);

    AtomicReference<Object> second = new AtomicReference<>();
    Thread asker = new Thread(() -> {
      try {
        second.set(c.startUpdate(UpdateRequest.of("v2", url("v2"), "{}"), BeforeReboot.NONE));
      } catch (RuntimeException e) {
        second.set(e);
      }
    });
    asker.start();
    // the asker now waits for the first update's end; refused at once, it has ended instead
    while (asker.isAlive() && asker.getState() != Thread.State.TIMED_WAITING) {
      Thread.onSpinWait();
    }
    release.countDown();
    asker.join();

    assertThat(second.get()).isInstanceOf(UpdateOperation.class);
    EcuStatus end = ((UpdateOperation) second.get()).await();
    assertThat(end.status()).as(end.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(TreeSnapshot.of(tmp.resolve("b"), META).diff(TreeSnapshot.of(v2))).isEmpty();
  }

  /**
   * The status an update starts with names the version it installs. The Update RPC is acknowledged
   * as soon as the operation began, and a parent's first Status can come before the operation's
   * thread has run at all; a v2 parent reads update_firmware_version from that first answer. A
   * listener sees exactly that first status, on the caller's thread, before the thread starts.
   */
  @Test
  void theFirstStatusOfAnOperationAlreadyNamesItsTargetVersion(@TempDir Path tmp) throws Exception {
    UpdateEngine c = client(new TestSlots(tmp.resolve("a"), tmp.resolve("b")));
    List<EcuStatus> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    c.addListener(seen::add);
    UpdateOperation op = c.startUpdate(UpdateRequest.of("v1", url("v1"), "{}"), BeforeReboot.NONE);
    EcuStatus first = seen.get(0);
    assertThat(first.status()).isEqualTo(OtaStatus.UPDATING);
    assertThat(first.update()).hasValueSatisfying(u -> assertThat(u.updateFirmwareVersion()).isEqualTo("v1"));
    EcuStatus end = op.await();
    assertThat(end.status()).as(end.failureReason()).isEqualTo(OtaStatus.SUCCESS);

    seen.clear();
    UpdateOperation client = c.startClientUpdate(UpdateRequest.of("v2", url("v2"), "{}"));
    EcuStatus clientFirst = seen.get(0);
    assertThat(clientFirst.status()).isEqualTo(OtaStatus.CLIENT_UPDATING);
    assertThat(clientFirst.update()).hasValueSatisfying(u -> {
      assertThat(u.updateFirmwareVersion()).isEqualTo("v2");
      assertThat(u.phase()).isEqualTo(dev.otaclient.status.UpdateStage.DOWNLOADING_OTA_CLIENT);
    });
    client.await();
  }

  /**
   * An update started in the background (the daemon's) runs at the lowest thread priority: building
   * the standby yields the CPU to the ECU's other work and to Status. The final status is told on the
   * update's own thread.
   */
  @Test
  void aBackgroundUpdateRunsAtTheLowestThreadPriority(@TempDir Path tmp) throws Exception {
    UpdateEngine c = client(new TestSlots(tmp.resolve("a"), tmp.resolve("b")));
    AtomicReference<Thread> finalOn = new AtomicReference<>();
    c.addListener(st -> {
      if (st.status() == OtaStatus.SUCCESS) {
        finalOn.set(Thread.currentThread());
      }
    });
    EcuStatus end = c.startUpdate(UpdateRequest.of("v1", url("v1"), "{}"), BeforeReboot.NONE).await();
    assertThat(end.status()).as(end.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(finalOn.get().getName()).isEqualTo("ota-update");
    assertThat(finalOn.get().getPriority()).isEqualTo(Thread.MIN_PRIORITY);
  }

  /** Installs v1 again on {@code slots}: it succeeds with no download (counter and nginx log); the last progress. */
  static Progress reapplyV1DownloadingNothing(TestSlots slots) {
    int logBefore = nginx.accessLog().size();
    Progress[] last = new Progress[1];
    UpdateEngine c = client(slots);
    c.addListener(st -> st.progress().ifPresent(p -> last[0] = p));
    EcuStatus s = c.update(UpdateRequest.of("v1", url("v1"), "{}"));
    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(last[0].filesProcessedDownload()).isZero();
    assertThat(last[0].downloadBytes()).isZero();
    List<String> log = nginx.accessLog();
    assertThat(log.subList(logBefore, log.size())).noneMatch(l -> l.contains("/data/") || l.contains("/data.zst/"));
    return last[0];
  }

  /**
   * The standby holds the image, but its persistent /etc/hostname is the one carried over from the
   * active slot, which the device has since changed: it must not be downloaded (the image's content is
   * nowhere on the device) only to be replaced by the active slot's copy.
   */
  @Test
  void aNoOpWithAChangedPersistentFileDownloadsNothing(@TempDir Path tmp) throws Exception {
    Path a = installV1(tmp.resolve("a"));
    Path b = installV1(tmp.resolve("b"));
    Files.writeString(a.resolve("etc/hostname"), "renamed-ecu\n");
    Files.writeString(b.resolve("etc/hostname"), "renamed-ecu\n");
    Progress last = reapplyV1DownloadingNothing(new TestSlots(a, b));
    assertThat(last.regularFilesProcessed()).isEqualTo(last.totalRegularFiles());
    assertThat(Files.readString(b.resolve("etc/hostname"))).isEqualTo("renamed-ecu\n");
    // the rest is exactly the image
    assertThat(TreeSnapshot.of(b, META).diff(TreeSnapshot.of(v1)).lines().toList())
        .singleElement().asString().startsWith("~ /etc/hostname: ");
  }

  @Test
  void inPlaceUpdateOfAStaleStandbyRemovesWhatIsGoneAndKeepsWhatIsUnchanged(@TempDir Path tmp) throws Exception {
    Path a = installV1(tmp.resolve("a"));
    Path b = installV1(tmp.resolve("b"));
    Files.writeString(b.resolve("stray-file"), "left over");
    Object randomInode = Files.getAttribute(b.resolve(SampleRootfs.RANDOM.substring(1)), "unix:ino");
    TestSlots slots = new TestSlots(a, b);
    EcuStatus s = client(slots).update(UpdateRequest.of("v2", url("v2"), "{}"));

    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    assertThat(TreeSnapshot.of(b, META).diff(TreeSnapshot.of(v2))).isEmpty();
    assertThat(Files.getAttribute(b.resolve(SampleRootfs.RANDOM.substring(1)), "unix:ino")).isEqualTo(randomInode);
  }

  @Test
  void persistentsAreCarriedOverWithOwnersTranslatedByName(@TempDir Path tmp) throws Exception {
    assumeTrue(dev.otaclient.internal.slot.FileAttributes.canChown(), "needs root");
    Path a = installV1(tmp.resolve("a"));
    // On the running system "autoware" has uid 2000; in the new image it is 1000 (SampleRootfs).
    String passwd = Files.readString(a.resolve("etc/passwd")).replace("autoware:x:1000:1000", "autoware:x:2000:1000");
    Files.writeString(a.resolve("etc/passwd"), passwd);
    Files.createDirectories(a.resolve("var/lib/state/sub"));
    Files.writeString(a.resolve("var/lib/state/sub/data"), "device state");
    Files.setAttribute(a.resolve("var/lib/state/sub/data"), "unix:uid", 2000);
    Files.writeString(a.resolve("etc/hostname"), "vehicle-42\n");
    TestSlots slots = new TestSlots(a, tmp.resolve("b"));
    EcuStatus s = client(slots).update(UpdateRequest.of("v2", url("v2"), "{}"));

    assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
    Path b = tmp.resolve("b");
    assertThat(Files.readString(b.resolve("etc/hostname"))).isEqualTo("vehicle-42\n");
    assertThat(Files.readString(b.resolve("var/lib/state/sub/data"))).isEqualTo("device state");
    assertThat(Files.getAttribute(b.resolve("var/lib/state/sub/data"), "unix:uid")).isEqualTo(1000);
  }

  @Test
  void permanent404EndsInFailureWithTheApplyCode(@TempDir Path tmp) throws Exception {
    Path img = tmp.resolve("www/broken");
    copyTree(www.resolve("v1"), img);
    // remove one blob the update must download
    try (var s = Files.walk(img.resolve("data.zst"))) {
      Path victim = s.filter(Files::isRegularFile).findFirst().orElseThrow();
      Files.delete(victim);
    }
    try (Nginx own = Nginx.serve(tmp.resolve("www"))) {
      TestSlots slots = new TestSlots(tmp.resolve("a"), tmp.resolve("b"));
      EcuStatus s = client(slots).update(UpdateRequest.of("v1", own.baseUri().resolve("broken/").toString(), "{}"));
      assertThat(s.status()).isEqualTo(OtaStatus.FAILURE);
      assertThat(s.failure()).isEqualTo(FailureType.RECOVERABLE);
      assertThat(s.failureReason()).startsWith("E1-0103-207").contains("404");
      assertThat(slots.calls).noneMatch(c -> c.equals("commit"));
      assertThat(slots.calls).anyMatch(c -> c.startsWith("failure E1-0103-207"));
    }
  }

  @Test
  void anInterruptedUpdateResumesWithoutDownloadingWhatIsAlreadyPlaced(@TempDir Path tmp) throws Exception {
    Path img = tmp.resolve("www/resume");
    copyTree(www.resolve("v1"), img);
    Path blobs = img.resolve("data.zst");
    Path hidden = tmp.resolve("hidden.zst");
    Path victim;
    try (var s = Files.list(blobs)) {
      victim = s.filter(Files::isRegularFile).findFirst().orElseThrow();
    }
    Files.move(victim, hidden);
    try (Nginx own = Nginx.serve(tmp.resolve("www"))) {
      String url = own.baseUri().resolve("resume/").toString();
      TestSlots slots = new TestSlots(tmp.resolve("a"), tmp.resolve("b"));
      EcuStatus first = client(slots).update(UpdateRequest.of("v1", url, "{}"));
      assertThat(first.status()).isEqualTo(OtaStatus.FAILURE);

      Set<String> placed = new HashSet<>();
      try (var s = Files.walk(tmp.resolve("b"))) {
        for (Path p : (Iterable<Path>) s::iterator) {
          if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && !p.toString().contains("/.ota-work/")
              && !TempNames.isTemp(p.getFileName().toString())) {
            placed.add(TreeSnapshot.sha256(p));
          }
        }
      }
      assertThat(placed).as("the first run placed some files before it failed").isNotEmpty();

      Files.move(hidden, victim);
      int before = own.accessLog().size();
      EcuStatus second = client(slots).update(UpdateRequest.of("v1", url, "{}"));
      assertThat(second.status()).as(second.failureReason()).isEqualTo(OtaStatus.SUCCESS);
      assertThat(TreeSnapshot.of(tmp.resolve("b"), META)).isEqualTo(TreeSnapshot.of(v1));
      List<String> log = own.accessLog();
      List<String> again = log.subList(before, log.size()).stream()
          .filter(l -> l.contains("file_sha256="))
          .filter(l -> placed.contains(l.replaceAll(".*file_sha256=([0-9a-f]{64}).*", "$1")))
          .toList();
      assertThat(again).as("files already placed must not be downloaded again").isEmpty();
      assertThat(log.subList(before, log.size())).anyMatch(l -> l.contains(victim.getFileName().toString()));
    }
  }

  @Test
  void networkFaultsAreSurvivedAndCountedAsDownloadErrors(@TempDir Path tmp) throws Exception {
    try (FaultyHttpServer faulty = FaultyHttpServer.proxyingTo(nginx.baseUri())) {
      // each fault breaks any file, however small
      List<Fault> faults = List.of(Fault.resetAfter(1), Fault.status(500), Fault.truncateAfter(1),
          Fault.flipBit(0), Fault.status(503), Fault.stallAfter(1, Duration.ofSeconds(3)));
      List<String> blobs = new java.util.ArrayList<>();
      try (var s = Files.list(www.resolve("v1/data.zst"))) {
        s.map(p -> "v1/data.zst/" + p.getFileName()).sorted().forEach(blobs::add);
      }
      for (String plain : List.of(SampleRootfs.RANDOM, SampleRootfs.PASSWD, SampleRootfs.SETUID, SampleRootfs.KERNEL,
          SampleRootfs.USER_FILE)) {
        blobs.add("v1/data" + plain);
      }
      for (int i = 0; i < blobs.size(); i++) {
        faulty.script(blobs.get(i), faults.get(i % faults.size()), faults.get((i + 1) % faults.size()));
      }
      TestSlots slots = new TestSlots(tmp.resolve("a"), tmp.resolve("b"));
      UpdateEngine c = new UpdateEngine("main", slots, UpdateSettings.defaults(images.caStore())
          .withHttp(dev.otaclient.internal.fetch.HttpSettings.defaults().withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(1)))
          .withRetry(new RetryPolicy(5, Duration.ofMillis(5), Duration.ofMillis(50), Duration.ofSeconds(20))));
      c.start();
      Progress[] last = new Progress[1];
      c.addListener(st -> st.progress().ifPresent(p -> last[0] = p));
      EcuStatus s = c.update(UpdateRequest.of("v1", faulty.baseUri().resolve("v1/").toString(), "{}"));

      assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
      assertThat(TreeSnapshot.of(tmp.resolve("b"), META)).isEqualTo(TreeSnapshot.of(v1));
      assertThat(last[0].errorsDownload()).isEqualTo(2L * blobs.size());
      for (String b : blobs) {
        List<FaultyHttpServer.Recorded> reqs = faulty.requests(b);
        assertThat(reqs).hasSize(3);
        assertThat(reqs.get(0).header(CacheControl.HEADER)).doesNotContain("retry_caching");
        assertThat(reqs.get(2).header(CacheControl.HEADER)).contains("retry_caching");
      }
    }
  }

  @Test
  void aSecondUpdateWhileOneRunsIsRefusedAsBusy(@TempDir Path tmp) throws Exception {
    try (FaultyHttpServer held = FaultyHttpServer.proxyingTo(nginx.baseUri())) {
      // every file download waits at the gate, so the first update is surely running when the second arrives
      FaultyHttpServer.Gate gate = new FaultyHttpServer.Gate();
      held.byDefault(attempt -> Fault.holdAfter(0, gate));
      TestSlots slots = new TestSlots(tmp.resolve("a"), tmp.resolve("b"));
      UpdateEngine c = client(slots);
      UpdateOperation first = c.startUpdate(UpdateRequest.of("v1", held.baseUri().resolve("v1/").toString(), "{}"),
          BeforeReboot.NONE);
      gate.awaitReached(1);
      assertThat(c.status().status()).isEqualTo(OtaStatus.UPDATING);
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> c.startUpdate(UpdateRequest.of("v2", url("v2"), "{}"), BeforeReboot.NONE))
          .isInstanceOfSatisfying(dev.otaclient.error.OtaException.class,
              e -> assertThat(e.failureType()).isEqualTo(FailureType.RECOVERABLE))
          .hasMessageStartingWith("E1-0104-201");
      gate.open();
      assertThat(first.await(Await.LIMIT)).as("the first update ends").isPresent();
      EcuStatus s = c.status();
      assertThat(s.status()).as(s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
      assertThat(TreeSnapshot.of(tmp.resolve("b"), META)).isEqualTo(TreeSnapshot.of(v1));
    }
  }

  @Test
  void badCookiesAreRefusedBeforeAnythingStarts() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> UpdateRequest.of("v1", url("v1"), "[1]"))
        .hasMessageStartingWith("E1-0104-203");
    assertThat(Cookies.parse("{}").isEmpty()).isTrue();
  }

  static Map<String, Object> inodes(Path root) throws IOException {
    Map<String, Object> m = new HashMap<>();
    try (var s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          m.put("/" + root.relativize(p), Files.getAttribute(p, "unix:ino"));
        }
      }
    }
    return m;
  }

  static void copyTree(Path from, Path to) throws IOException, InterruptedException {
    Files.createDirectories(to.getParent());
    Process p = new ProcessBuilder("cp", "-a", from.toString(), to.toString()).inheritIO().start();
    assertThat(p.waitFor()).isZero();
  }

  static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.UTF_8);
  }
}
