package dev.otaclient.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.google.protobuf.ByteString;
import dev.otaclient.api.v2.StatusResponseEcu;
import dev.otaclient.api.v2.StatusResponseEcuV2;
import dev.otaclient.error.FailureType;
import dev.otaclient.internal.ecu.EcuInfo;
import dev.otaclient.internal.ecu.EcuNodeSettings;
import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.internal.ecu.SecondaryEcu;
import dev.otaclient.testing.Await;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Java main ECU (a whole daemon) over children of every generation, each a server answering raw
 * bytes: {@code p314} sends only {@code ecu_v2} (as Python 3.14 does), {@code p2022} only {@code ecu}
 * (as the 2022 client does, and without Abort), {@code p313} both (as 3.4 - 3.13 did). The main's
 * Status must carry every child's entries exactly as the child sent them, in both lists, with the
 * form a child did not send derived; requests must reach the children exactly as the main received
 * them; Abort goes to every child.
 */
class MixedTreeTest {
  @TempDir Path tmp;
  private final List<AutoCloseable> open = new ArrayList<>();
  private final CountDownLatch releaseHung = new CountDownLatch(1);
  private RawServer p314;
  private RawServer p2022;
  private RawServer p313;
  private EcuDaemon main;
  private ManagedChannel channel;

  // ---- what each child says -----------------------------------------------------------------

  /** p314: updating (every UpdateStatus field set), and below it an ECU that aborted (8). */
  static final RawWire.Msg P314_V2 = new RawWire.Msg().string(1, "p314").string(2, "1.0").string(3, "3.14.2")
      .string(4, "rel-a").string(5, "rid-a").string(6, "img-a").varint(11, 3)
      .message(15, new RawWire.Msg().string(1, "2.0").varint(2, 500).varint(3, 50).varint(4, 1_700_000_000L)
          .varint(11, 3).varint(12, 20).varint(13, 200).varint(14, 10).varint(15, 77).varint(16, 100).varint(17, 1)
          .varint(18, 4).varint(19, 4).varint(20, 30).varint(21, 300)
          .message(31, new RawWire.Msg().varint(1, 40)).message(32, new RawWire.Msg().varint(1, 3))
          .message(33, new RawWire.Msg().varint(1, 20).varint(2, 5)).message(34, new RawWire.Msg().varint(1, 9)));
  static final RawWire.Msg P314_SUB_V2 = new RawWire.Msg().string(1, "p314-sub").string(2, "1.0")
      .string(3, "3.14.2").varint(11, 8);

  /** p2022: updating with a full v1 progress (copy and link counts v2 cannot express). */
  static final RawWire.Msg P2022_V1 = new RawWire.Msg().string(1, "p2022").message(3, new RawWire.Msg()
      .varint(1, 3).string(4, "0.9").message(5, new RawWire.Msg().varint(1, 4).varint(2, 100).varint(3, 60)
          .varint(4, 30).varint(5, 10).varint(6, 20).varint(7, 3000).varint(8, 1000).varint(9, 2000)
          .message(10, new RawWire.Msg().varint(1, 3)).message(11, new RawWire.Msg().varint(1, 1))
          .message(12, new RawWire.Msg().varint(1, 7)).varint(13, 2).varint(14, 10000)
          .message(15, new RawWire.Msg().varint(1, 12)).varint(16, 1900)));

  /** p313: failed, in both forms. */
  static final RawWire.Msg P313_V1 = new RawWire.Msg().string(1, "p313").message(3, new RawWire.Msg()
      .varint(1, 2).varint(2, 1).string(3, "E1-0103-100: network").string(4, "1.1"));
  static final RawWire.Msg P313_V2 = new RawWire.Msg().string(1, "p313").string(2, "1.1").string(3, "3.10.0")
      .string(4, "rel-c").varint(11, 2).varint(12, 1).string(13, "E1-0103-100: network");

  /** What a leaf child that accepts everything answers: NO_FAILURE for itself, if named. */
  private static UnaryOperator<byte[]> ack(String self) {
    return request -> {
      RawWire.Msg answer = new RawWire.Msg();
      for (RawWire.Fields e : RawWire.decode(request).messages(1)) {
        if (e.string(1).equals(self)) {
          answer.message(1, new RawWire.Msg().string(1, self));
        }
      }
      return answer.toByteArray();
    };
  }

  @BeforeEach
  void tree() throws Exception {
    UnaryOperator<byte[]> ack = ack("p314");
    p314 = keep(RawServer.start(Map.of(
        "Status", r -> new RawWire.Msg().message(3, P314_V2).message(3, P314_SUB_V2).string(2, "p314").toByteArray(),
        "Update", ack, "ClientUpdate", ack, "Rollback", ack, "Abort", ack)));
    p2022 = keep(RawServer.start(Map.of(
        "Status", r -> new RawWire.Msg().message(1, P2022_V1).string(2, "p2022").toByteArray(),
        "Update", ack("p2022"), "Rollback", ack("p2022"))));
    p313 = keep(RawServer.start(Map.of(
        "Status", r -> new RawWire.Msg().message(1, P313_V1).string(2, "p313").message(3, P313_V2).toByteArray(),
        "Update", ack("p313"), "Rollback", ack("p313"), "Abort", r -> {
          awaitQuietly(releaseHung); // never answers in time: the ack deadline decides
          return ack("p313").apply(r);
        })));
    List<SecondaryEcu> children = List.of(new SecondaryEcu("p314", "127.0.0.1", p314.port()),
        new SecondaryEcu("p2022", "127.0.0.1", p2022.port()), new SecondaryEcu("p313", "127.0.0.1", p313.port()));
    EcuInfo info = new EcuInfo(1, "main", "127.0.0.1", children, List.of("main", "p314", "p2022", "p313"));
    // a short acknowledgement deadline, so that the hung Abort of p313 ends quickly: the 6 s is a setting
    EcuNodeSettings settings = new EcuNodeSettings(Duration.ofSeconds(2), Duration.ofMillis(100),
        Duration.ofMillis(300), Duration.ofSeconds(2), Duration.ofMinutes(1));
    main = keep(EcuDaemon.start(EcuDaemon.Config.of(info, Files.createDirectories(tmp.resolve("certs")),
        tmp.resolve("main")).withNodeSettings(settings)));
    channel = Grpc.newChannelBuilderForAddress("127.0.0.1", main.port(), InsecureChannelCredentials.create()).build();
  }

  @AfterEach
  void close() throws Exception {
    releaseHung.countDown();
    if (channel != null) {
      channel.shutdownNow();
    }
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private <T extends AutoCloseable> T keep(T c) {
    open.add(c);
    return c;
  }

  private static void awaitQuietly(CountDownLatch l) {
    try {
      l.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The main's Status, as bytes decoded by field number, once every ECU of the tree is in it. */
  private RawWire.Fields fullStatus() {
    return Await.value("main's Status to hold all five ECUs",
        () -> RawWire.decode(RawWire.call(channel, "Status", new byte[0])),
        f -> f.messages(3).size() == 5 && f.messages(1).size() == 5);
  }

  private static Map<String, ByteString> entries(RawWire.Fields status, int field) {
    Map<String, ByteString> byId = new LinkedHashMap<>();
    for (Object o : status.values().get(field)) {
      ByteString b = (ByteString) o;
      byId.put(RawWire.decode(b.toByteArray()).string(1), b);
    }
    return byId;
  }

  @Test
  void statusCarriesEveryChildsEntriesAsSentInBothListsAndDerivesTheMissingForm() throws Exception {
    RawWire.Fields status = fullStatus();
    Map<String, ByteString> v2 = entries(status, 3);
    Map<String, ByteString> v1 = entries(status, 1);
    assertThat(v2.keySet()).containsExactly("p314", "p314-sub", "p2022", "p313", "main");
    assertThat(v1.keySet()).containsExactly("p314", "p314-sub", "p2022", "p313", "main");
    assertThat(status.strings(2)).as("available ids: main's own, not merged").containsExactly(
        "main", "p314", "p2022", "p313");

    // exactly as sent, where sent (compared as messages: the same fields, values and presence)
    assertThat(StatusResponseEcuV2.parseFrom(v2.get("p314")))
        .isEqualTo(StatusResponseEcuV2.parseFrom(P314_V2.toByteArray()));
    assertThat(StatusResponseEcuV2.parseFrom(v2.get("p314-sub")))
        .isEqualTo(StatusResponseEcuV2.parseFrom(P314_SUB_V2.toByteArray()));
    assertThat(StatusResponseEcu.parseFrom(v1.get("p2022"))).isEqualTo(StatusResponseEcu.parseFrom(P2022_V1.toByteArray()));
    assertThat(StatusResponseEcu.parseFrom(v1.get("p313"))).isEqualTo(StatusResponseEcu.parseFrom(P313_V1.toByteArray()));
    assertThat(StatusResponseEcuV2.parseFrom(v2.get("p313"))).isEqualTo(StatusResponseEcuV2.parseFrom(P313_V2.toByteArray()));

    // derived v1 of the 3.14 child: 2022 values, progress projected (DOWNLOADING_OTA_FILES -> REGULAR,
    // copy = processed - downloaded)
    RawWire.Fields p314v1 = RawWire.decode(v1.get("p314").toByteArray()).message(3);
    assertThat(p314v1.varint(1)).isEqualTo(3L);
    assertThat(p314v1.string(4)).isEqualTo("1.0");
    RawWire.Fields progress = p314v1.message(5);
    assertThat(progress.varint(1)).isEqualTo(4L); // REGULAR
    assertThat(progress.varint(2)).isEqualTo(50L);
    assertThat(progress.varint(3)).isEqualTo(30L);
    assertThat(progress.varint(4)).isEqualTo(20L);
    assertThat(progress.varint(6)).isEqualTo(10L);
    assertThat(progress.varint(16)).isEqualTo(77L);
    RawWire.Fields subV1 = RawWire.decode(v1.get("p314-sub").toByteArray()).message(3);
    assertThat(subV1.varint(1)).as("ABORTED to a 2022 reader").isEqualTo(2L);
    assertThat(subV1.string(3)).isEqualTo("update aborted on request (status ABORTED)");

    // derived v2 of the 2022 child: its status, version and progress (REGULAR -> DOWNLOADING_OTA_FILES)
    RawWire.Fields p2022v2 = RawWire.decode(v2.get("p2022").toByteArray());
    assertThat(p2022v2.varint(11)).isEqualTo(3L);
    assertThat(p2022v2.string(2)).isEqualTo("0.9");
    assertThat(p2022v2.has(3)).as("a 2022 client reports no client version").isFalse();
    RawWire.Fields u = p2022v2.message(15);
    assertThat(u.varint(11)).isEqualTo(3L);
    assertThat(u.varint(3)).isEqualTo(100L);
    assertThat(u.varint(20)).isEqualTo(60L);
    assertThat(u.varint(14)).isEqualTo(20L);
    assertThat(u.varint(15)).isEqualTo(1900L);

    // the main itself, in both
    RawWire.Fields mainV2 = RawWire.decode(v2.get("main").toByteArray());
    assertThat(mainV2.string(3)).as("the project's version").isEqualTo(
        dev.otaclient.internal.update.ClientVersion.current()).isNotEqualTo("unknown");
  }

  @Test
  void requestsReachEveryChildExactlyAsTheMainReceivedThem() {
    fullStatus(); // the children's subtrees are known
    // canonical order (fields ascending, unknown ones last): what a proto encoder writes, so the bytes
    // a child receives can be compared with the bytes sent
    byte[] request = new RawWire.Msg()
        .message(1, new RawWire.Msg().string(1, "p314").string(2, "2.0").string(3, "http://10.0.0.1/v2/")
            .string(4, "{}").string(5, "rel").string(6, "rid").string(7, "img").varint(99, 1))
        .message(1, new RawWire.Msg().string(1, "p2022").string(2, "2.0").string(3, "http://10.0.0.1/v2/")
            .string(4, "{}"))
        .string(2, "req-77").varint(50, 2).toByteArray();

    RawWire.Fields answer = RawWire.decode(RawWire.call(channel, "Update", request));
    assertThat(answer.messages(1)).extracting(f -> f.string(1), f -> f.varint(2))
        .containsExactly(tuple("p314", 0L), tuple("p2022", 0L));
    assertThat(p314.requests("Update")).hasSize(1);
    assertThat(p314.requests("Update").get(0)).isEqualTo(request);
    assertThat(p2022.requests("Update").get(0)).isEqualTo(request);
    assertThat(p313.requests("Update")).as("not named, nothing named below it").isEmpty();

    byte[] client = new RawWire.Msg().message(1, new RawWire.Msg().string(1, "p314").string(2, "2.0")
        .string(3, "http://10.0.0.1/v2/").string(4, "{}")).string(2, "req-78").toByteArray();
    RawWire.call(channel, "ClientUpdate", client);
    assertThat(p314.requests("ClientUpdate").get(0)).isEqualTo(client);
  }

  @Test
  void abortGoesToEveryChildAndNamesThoseThatCannotTakeIt() {
    fullStatus();
    try (OtaClientStub stub = OtaClientStub.connect("127.0.0.1", main.port(), Duration.ofSeconds(30))) {
      List<EcuResult> answer = stub.abort(dev.otaclient.internal.ecu.EcuRequest.of(List.of("p314"), "req-ab"),
          Duration.ofSeconds(30));

      assertThat(answer).extracting(EcuResult::ecuId, EcuResult::result).containsExactly(
          tuple("p314", FailureType.NO_FAILURE),
          tuple("p2022", FailureType.RECOVERABLE),
          tuple("p313", FailureType.RECOVERABLE));
      assertThat(answer.get(1).message()).startsWith("ECU p2022 did not take the abort: ").contains("UNIMPLEMENTED");
      assertThat(answer.get(2).message()).startsWith("ECU p313 did not take the abort: ")
          // whichever gives up first at the same 2 s deadline: the relay's own timer or the transport's
          .containsPattern("no answer (to Abort )?within (2000 ms|2s)");
    }
    // every direct child got the request, named or not, as sent
    RawWire.Fields sent = RawWire.decode(p314.requests("Abort").get(0));
    assertThat(sent.string(2)).isEqualTo("req-ab");
    assertThat(sent.message(1).string(1)).isEqualTo("p314");
    assertThat(p313.requests("Abort")).hasSize(1);
  }
}
