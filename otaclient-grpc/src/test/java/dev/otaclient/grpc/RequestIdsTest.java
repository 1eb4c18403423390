package dev.otaclient.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.internal.ecu.SecondaryEcu;
import dev.otaclient.testing.Await;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Request and release ids across three levels (main -> A -> C): an Update sent to main, built by
 * field number, reaches C with every field it had; each ECU saves its entry's ids with the version
 * in the slot it then runs, and main's Status reports them (ecu_v2 fields 4..6) for all three.
 */
class RequestIdsTest {
  @TempDir Path tmp;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private <T extends AutoCloseable> T keep(T c) {
    open.add(c);
    return c;
  }

  private EcuDaemon daemon(String id, List<SecondaryEcu> children, Path certs) {
    Path cfg = TestDaemons.configDir(tmp.resolve("ecu-" + id), id, children, TestDaemons.NO_PROXY);
    return keep(TestDaemons.start(cfg, certs, 0, TestDaemons.SETTINGS));
  }

  private static SecondaryEcu at(String id, int port) {
    return new SecondaryEcu(id, "127.0.0.1", port);
  }

  private static RawWire.Msg entry(String id, String url) {
    return new RawWire.Msg().string(1, id).string(2, "2.0").string(3, url).string(4, "{}")
        .string(5, "release-" + id).string(6, "rid-" + id).string(7, "img-" + id);
  }

  @Test
  void idsAreSavedWithTheVersionOnEveryLevelAndReportedByTheMain() throws Exception {
    assumeTrue(Nginx.available(), "nginx not installed");
    SignedImageFixture images = SignedImageFixture.create("ids", tmp.resolve("img"));
    images.sampleV1("v2");
    Nginx nginx = keep(Nginx.serve(images.www()));
    EcuDaemon c = daemon("C", List.of(), images.cas());
    EcuDaemon a = daemon("A", List.of(at("C", c.port())), images.cas());
    EcuDaemon main = daemon("main", List.of(at("A", a.port())), images.cas());
    ManagedChannel ch = Grpc.newChannelBuilderForAddress("127.0.0.1", main.port(), InsecureChannelCredentials.create())
        .build();
    try {
      String url = nginx.baseUri().resolve("v2/").toString();
      byte[] update = new RawWire.Msg().message(1, entry("main", url)).message(1, entry("A", url))
          .message(1, entry("C", url)).string(2, "req-3levels").toByteArray();
      RawWire.Fields ack = RawWire.decode(RawWire.call(ch, "Update", update));
      assertThat(ack.messages(1)).extracting(f -> f.string(1)).containsExactly("C", "A", "main");
      assertThat(ack.messages(1)).allSatisfy(f -> assertThat(f.has(2)).isFalse());

      RawWire.Fields done = Await.value("all three on 2.0", java.time.Duration.ofSeconds(120),
          () -> RawWire.decode(RawWire.call(ch, "Status", new byte[0])),
          f -> f.messages(3).size() == 3 && f.messages(3).stream().allMatch(e -> e.varint(11) == 1L));
      for (RawWire.Fields e : done.messages(3)) {
        String id = e.string(1);
        assertThat(e.string(2)).isEqualTo("2.0");
        assertThat(e.string(4)).as(id).isEqualTo("release-" + id);
        assertThat(e.string(5)).as(id).isEqualTo("rid-" + id);
        assertThat(e.string(6)).as(id).isEqualTo("img-" + id);
      }
      for (EcuDaemon d : List.of(main, a, c)) {
        String id = d.info().ecuId();
        DirectorySlotController slots = (DirectorySlotController) d.client().bootController();
        assertThat(Files.readString(slots.stateRoot().resolve("status").resolve(slots.activeSlotId())
            .resolve("version_detail"))).as(id).isEqualTo("{\"request_id\":\"req-3levels\",\"release_name\":\"release-"
                + id + "\",\"release_id\":\"rid-" + id + "\",\"image_id\":\"img-" + id + "\"}");
      }
    } finally {
      ch.shutdownNow();
    }
  }

  @Test
  void aRelayingEcuForwardsEveryFieldItDoesNotUseToTheGrandchild() throws Exception {
    // C is a server that records the bytes it receives; A and main are Java daemons relaying to it
    RawServer c = keep(RawServer.start(Map.of(
        "Update", r -> new RawWire.Msg().message(1, new RawWire.Msg().string(1, "C")).toByteArray(),
        "Status", r -> new RawWire.Msg().message(3, new RawWire.Msg().string(1, "C").varint(11, 1)).toByteArray())));
    Path certs = Files.createDirectories(tmp.resolve("certs"));
    EcuDaemon a = daemon("A", List.of(at("C", c.port())), certs);
    EcuDaemon main = daemon("main", List.of(at("A", a.port())), certs);
    ManagedChannel ch = Grpc.newChannelBuilderForAddress("127.0.0.1", main.port(), InsecureChannelCredentials.create())
        .build();
    try {
      // the request names only C: main routes it to A once A has reported C below it
      Await.until("main to know C behind A", () -> main.node().status().ecus().stream()
          .anyMatch(e -> e.ecuId().equals("C")));
      // fields in ascending order, unknown ones last: how any proto encoder writes them, so bytes compare
      byte[] update = new RawWire.Msg()
          .message(1, entry("C", "http://10.0.0.1/v2/").varint(99, 1))
          .string(2, "req-relay").varint(50, 3).toByteArray();
      RawWire.Fields ack = RawWire.decode(RawWire.call(ch, "Update", update));
      assertThat(ack.messages(1)).extracting(f -> f.string(1)).containsExactly("C");
      assertThat(c.requests("Update")).hasSize(1);
      assertThat(c.requests("Update").get(0)).as("the grandchild receives the request byte for byte").isEqualTo(update);
    } finally {
      ch.shutdownNow();
    }
  }
}
