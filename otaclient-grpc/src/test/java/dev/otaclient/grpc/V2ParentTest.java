package dev.otaclient.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.internal.ecu.SecondaryEcu;
import dev.otaclient.internal.update.ClientVersion;
import dev.otaclient.testing.Await;
import dev.otaclient.testing.FaultyHttpServer;
import dev.otaclient.testing.FaultyHttpServer.Fault;
import dev.otaclient.testing.Nginx;
import dev.otaclient.testing.SignedImageFixture;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Java ECU under a parent that reads only {@code ecu_v2}, as Python 3.14 does: the test is that
 * parent, sending an Update built by field number and polling Status decoding field 3 alone. The
 * child must be visible through the whole update: UPDATING from the acknowledgement on (the parent
 * allows 60 s), its phases in order, a phase up to DOWNLOADING_OTA_FILES exactly while it still
 * downloads (the parent keeps its ota_proxy up for that), then SUCCESS with the new version and
 * the request's release ids.
 *
 * <p>Downloads wait at a gate until the test has seen the download phase; the child's reboot waits
 * for its own child {@code g} (a raw server reporting UPDATING until the test lets it succeed), so
 * the post-update phase is seen for as long as the test needs, not by luck of timing.
 */
class V2ParentTest {
  @TempDir Path tmp;

  private static final int UPDATING = 3;
  private static final int SUCCESS = 1;

  @Test
  void aParentReadingOnlyEcuV2SeesTheJavaChildThroughTheWholeUpdate() throws Exception {
    assumeTrue(Nginx.available(), "nginx not installed");
    SignedImageFixture images = SignedImageFixture.create("v2parent", tmp.resolve("img"));
    images.sampleV1("v2");
    AtomicBoolean grandchildDone = new AtomicBoolean();
    FaultyHttpServer.Gate gate = new FaultyHttpServer.Gate();
    try (Nginx nginx = Nginx.serve(images.www());
         FaultyHttpServer held = FaultyHttpServer.proxyingTo(nginx.baseUri());
         RawServer g = RawServer.start(Map.of(
             "Update", req -> new RawWire.Msg().message(1, new RawWire.Msg().string(1, "g")).toByteArray(),
             "Status", req -> new RawWire.Msg().message(3, new RawWire.Msg().string(1, "g").string(2, "1.0")
                 .varint(11, grandchildDone.get() ? SUCCESS : UPDATING)).toByteArray()))) {
      held.byDefault((path, attempt) -> path.contains("/data/") || path.contains("/data.zst/")
          ? Fault.holdAfter(0, gate) : Fault.none());
      Path cfg = TestDaemons.configDir(tmp.resolve("ecu-java"), "java",
          List.of(new SecondaryEcu("g", "127.0.0.1", g.port())), TestDaemons.NO_PROXY);
      try (EcuDaemon child = TestDaemons.start(cfg, images.cas(), 0, TestDaemons.SETTINGS)) {
        ManagedChannel ch = Grpc.newChannelBuilderForAddress("127.0.0.1", child.port(),
            InsecureChannelCredentials.create()).build();
        try {
          run(ch, held.baseUri().resolve("v2/").toString(), gate, grandchildDone, child);
        } finally {
          ch.shutdownNow();
        }
      }
    }
  }

  private void run(ManagedChannel ch, String url, FaultyHttpServer.Gate gate, AtomicBoolean grandchildDone,
      EcuDaemon child) throws Exception {
    long before = System.currentTimeMillis() / 1000;
    byte[] update = new RawWire.Msg()
        .message(1, new RawWire.Msg().string(1, "java").string(2, "2.0").string(3, url).string(4, "{}")
            .string(5, "release-2").string(6, "rid-2").string(7, "image-2"))
        .message(1, new RawWire.Msg().string(1, "g").string(2, "2.0").string(3, url).string(4, "{}"))
        .string(2, "req-v2").toByteArray();
    RawWire.Fields ack = RawWire.decode(RawWire.call(ch, "Update", update));
    assertThat(ack.messages(1)).extracting(f -> f.string(1), f -> f.varint(2))
        .containsExactly(org.assertj.core.groups.Tuple.tuple("g", 0L), org.assertj.core.groups.Tuple.tuple("java", 0L));

    // at once (the parent allows 60 s): UPDATING, with update_status
    RawWire.Fields first = own(poll(ch));
    assertThat(first.varint(11)).isEqualTo(UPDATING);
    assertThat(first.has(15)).isTrue();
    assertThat(first.message(15).string(1)).isEqualTo("2.0");
    assertThat(first.message(15).varint(4)).isBetween(before, System.currentTimeMillis() / 1000);

    // downloads held: the phase reaches DOWNLOADING_OTA_FILES and never goes past it
    List<Long> phases = new ArrayList<>();
    RawWire.Fields downloading = Await.value("the download phase", () -> own(poll(ch)), f -> {
      phases.add(f.message(15).varint(11));
      return f.message(15).varint(11) == 3;
    });
    gate.awaitReached(1);
    RawWire.Fields stillHeld = own(poll(ch));
    assertThat(stillHeld.message(15).varint(11)).as("a download is held: the network is still needed")
        .isEqualTo(3L);
    assertThat(downloading.message(15).varint(3)).as("total_files_num").isPositive();
    assertThat(downloading.message(15).varint(12)).as("total_download_files_num").isPositive();
    gate.open();

    // everything downloaded; the reboot waits for g: PROCESSING_POSTUPDATE with the downloads complete
    RawWire.Fields post = Await.value("the post-update phase", () -> own(poll(ch)), f -> {
      phases.add(f.message(15).varint(11));
      return f.message(15).varint(11) == 5;
    });
    RawWire.Fields u = post.message(15);
    assertThat(u.varint(14)).as("downloaded_files_num = total_download_files_num").isEqualTo(u.varint(12));
    assertThat(u.varint(15)).as("downloaded_bytes").isPositive();
    assertThat(u.varint(20)).as("processed_files_num = total_files_num").isEqualTo(u.varint(3));
    assertThat(u.message(31).varint(1) * 1_000_000_000L + u.message(31).varint(2)).as("total_elapsed_time").isPositive();
    assertThat(phases).as("phases only move forward").isSorted();
    assertThat(phases).contains(3L);

    grandchildDone.set(true);
    RawWire.Fields done = Await.value("SUCCESS on 2.0", () -> own(poll(ch)), f -> f.varint(11) == SUCCESS);
    assertThat(done.string(2)).isEqualTo("2.0");
    assertThat(done.string(3)).isEqualTo(ClientVersion.current());
    assertThat(done.string(4)).isEqualTo("release-2");
    assertThat(done.string(5)).isEqualTo("rid-2");
    assertThat(done.string(6)).isEqualTo("image-2");
    assertThat(done.has(15)).as("no update_status once the update ended").isFalse();
    assertThat(done.has(12)).isFalse();

    // saved with the version, beside it, in the slot that now runs
    DirectorySlotController slots = (DirectorySlotController) child.client().bootController();
    String detail = Files.readString(slots.stateRoot().resolve("status").resolve(slots.activeSlotId())
        .resolve("version_detail"));
    assertThat(detail).isEqualTo(
        "{\"request_id\":\"req-v2\",\"release_name\":\"release-2\",\"release_id\":\"rid-2\",\"image_id\":\"image-2\"}");
  }

  private static RawWire.Fields poll(ManagedChannel ch) {
    return RawWire.decode(RawWire.call(ch, "Status", new byte[0]));
  }

  /** The child's own entry, read from ecu_v2 only (field 3): all a 3.14 parent reads. */
  private static RawWire.Fields own(RawWire.Fields status) {
    return status.messages(3).stream().filter(f -> f.string(1).equals("java")).findFirst()
        .orElseThrow(() -> new AssertionError("no ecu_v2 entry for the Java ECU"));
  }
}
