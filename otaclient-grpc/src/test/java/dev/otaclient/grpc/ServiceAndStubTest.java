package dev.otaclient.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.api.v2.OtaClientServiceGrpc;
import dev.otaclient.api.v2.Status;
import dev.otaclient.api.v2.StatusRequest;
import dev.otaclient.api.v2.StatusResponse;
import dev.otaclient.api.v2.StatusResponseEcu;
import dev.otaclient.internal.ecu.EcuRequest;
import dev.otaclient.internal.ecu.EcuResult;
import dev.otaclient.internal.ecu.EcuUnreachableException;
import dev.otaclient.internal.ecu.SecondaryEcu;
import dev.otaclient.internal.ecu.StatusReport;
import dev.otaclient.internal.ecu.UpdateRequestEcu;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.FailureType;
import dev.otaclient.error.OtaException;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.Await;
import dev.otaclient.testing.ReservedPort;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The service's request checks and the typed client's answers and errors, over real Netty. */
class ServiceAndStubTest {
  private final ScriptedOperations ops = new ScriptedOperations();
  private GrpcServer server;
  private OtaClientStub client;

  @BeforeEach
  void start() {
    server = new GrpcServer("127.0.0.1", 0, new OtaClientGrpcService(ops), TlsConfig.DISABLED,
        Duration.ofSeconds(1)).start();
    client = OtaClientStub.connect("127.0.0.1", server.port(), Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  private static UpdateRequestEcu entry(String id) {
    return new UpdateRequestEcu(id, "1.0", "http://127.0.0.1/img", "{}");
  }

  @Test
  void typedClientRoundTripsThroughTheServer() {
    ops.onUpdate = r -> List.of(new EcuResult("c", FailureType.RECOVERABLE), new EcuResult("m", FailureType.NO_FAILURE));
    ops.status = new StatusReport(List.of(new EcuStatus("m", OtaStatus.SUCCESS, FailureType.NO_FAILURE, "", "3",
        Optional.empty())), List.of("m", "c"));

    assertThat(client.update(List.of(entry("m"), entry("c")))).containsExactly(
        new EcuResult("c", FailureType.RECOVERABLE), new EcuResult("m", FailureType.NO_FAILURE));
    assertThat(ops.updates).containsExactly(List.of(entry("m"), entry("c")));
    assertThat(client.rollback(List.of("m"))).containsExactly(new EcuResult("m", FailureType.NO_FAILURE));
    assertThat(client.status()).isEqualTo(ops.status);
  }

  @Test
  void statusIsAnsweredWhileEveryKindOfTreeCallWaits() throws Exception {
    // Status runs on the transport's thread (GrpcServer: directExecutor); a tree call run there too
    // would hold the connection's event loop, and this Status on the same connection would never come
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch entered = new CountDownLatch(8);
    ops.onUpdate = r -> hold(entered, release, List.of(new EcuResult(r.get(0).ecuId(), FailureType.NO_FAILURE)));
    ops.onRollback = r -> hold(entered, release, List.of(new EcuResult(r.get(0), FailureType.NO_FAILURE)));
    ops.onAbort = r -> hold(entered, release, List.of(new EcuResult(r.get(0), FailureType.NO_FAILURE)));
    ops.status = new StatusReport(List.of(new EcuStatus("m", OtaStatus.UPDATING, FailureType.NO_FAILURE, "", "3",
        Optional.empty())), List.of("m"));
    List<CompletableFuture<List<EcuResult>>> waiting = new java.util.ArrayList<>();
    // a thread per call: the common pool has one thread on a two-core machine
    java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(8);
    // one connection for all nine calls; deadlines beyond the test's own limit, so no call ends early
    Duration patience = Await.LIMIT.multipliedBy(2);
    try (OtaClientStub one = OtaClientStub.connect("127.0.0.1", server.port(), patience)) {
      for (int i = 0; i < 2; i++) {
        waiting.add(CompletableFuture.supplyAsync(() -> one.update(List.of(entry("m"))), callers));
        waiting.add(CompletableFuture.supplyAsync(
            () -> one.clientUpdate(EcuRequest.of(List.of(entry("m")), ""), patience), callers));
        waiting.add(CompletableFuture.supplyAsync(() -> one.rollback(List.of("m")), callers));
        waiting.add(CompletableFuture.supplyAsync(() -> one.abort(List.of("m")), callers));
      }
      try {
        Await.latch("eight tree calls waiting", entered);
        assertThat(one.status()).isEqualTo(ops.status);
      } finally {
        release.countDown();
      }
      for (CompletableFuture<List<EcuResult>> call : waiting) {
        assertThat(call.get(Await.LIMIT.toSeconds(), TimeUnit.SECONDS))
            .containsExactly(new EcuResult("m", FailureType.NO_FAILURE));
      }
    } finally {
      callers.shutdownNow();
    }
  }

  @Test
  void aTreeCallThatFailsWithAnErrorStillEndsTheCall() {
    // the tree runs on the service's own pool: whatever it throws, the caller gets an answer, not a
    // call left open until its deadline (a parent ECU may set none)
    ops.onUpdate = r -> {
      throw new AssertionError("the tree broke");
    };
    ops.onRollback = r -> null; // an answer that cannot be turned into a message
    try (OtaClientStub patient = OtaClientStub.connect("127.0.0.1", server.port(), Await.LIMIT.multipliedBy(2))) {
      assertThatThrownBy(() -> patient.update(List.of(entry("m"))))
          .isInstanceOfSatisfying(OtaCallException.class,
              e -> assertThat(e.code()).contains(io.grpc.Status.Code.INTERNAL))
          .hasMessageContaining("the tree broke");
      assertThatThrownBy(() -> patient.rollback(List.of("m")))
          .isInstanceOfSatisfying(OtaCallException.class,
              e -> assertThat(e.code()).contains(io.grpc.Status.Code.INTERNAL));
      // the server still serves
      assertThat(patient.abort(List.of("m"))).containsExactly(new EcuResult("m", FailureType.NO_FAILURE));
    }
  }

  private static <T> T hold(CountDownLatch entered, CountDownLatch release, T answer) {
    entered.countDown();
    Await.latch("the test's release", release);
    return answer;
  }

  @Test
  void tooManyEntriesIsInvalidArgumentAndNothingStarts() {
    List<UpdateRequestEcu> request = IntStream.range(0, 65).mapToObj(i -> entry("e" + i)).toList();
    assertThatThrownBy(() -> client.update(request))
        .isInstanceOfSatisfying(OtaCallException.class, e -> {
          assertThat(e.kind()).isEqualTo(OtaCallException.Kind.REJECTED);
          assertThat(e.code()).contains(io.grpc.Status.Code.INVALID_ARGUMENT);
        })
        .hasMessageContaining("rejected Update: INVALID_ARGUMENT")
        .hasMessageContaining("65 ecu entries, at most 64");
    assertThatThrownBy(() -> client.rollback(IntStream.range(0, 65).mapToObj(i -> "e" + i).toList()))
        .hasMessageContaining("65 ecu entries");
    assertThat(ops.updates).isEmpty();
    assertThat(ops.rollbacks).isEmpty();

    // the limit itself is fine
    assertThat(client.update(request.subList(0, 64))).hasSize(64);
  }

  @Test
  void contentIsCheckedByTheTreeNotByTheService() {
    // long ids and fields pass the service unchanged; the tree answers them (see RequestVerdictTest)
    List<UpdateRequestEcu> request = List.of(entry("x".repeat(300)),
        new UpdateRequestEcu("b", "v".repeat(300), "http://h/" + "a".repeat(9000), "{\"k\":\"" + "c".repeat(70_000) + "\"}"));
    ops.onUpdate = r -> List.of(new EcuResult("b", FailureType.RECOVERABLE));
    assertThat(client.update(request)).containsExactly(new EcuResult("b", FailureType.RECOVERABLE));
    assertThat(ops.updates).containsExactly(request);
  }

  @Test
  void messageOverOneMebibyteIsRefusedByTheTransport() {
    String cookies = "{\"k\":\"" + "c".repeat(60_000) + "\"}";
    List<UpdateRequestEcu> request = IntStream.range(0, 20)
        .mapToObj(i -> new UpdateRequestEcu("e" + i, "1", "http://h/", cookies)).toList();
    assertThatThrownBy(() -> client.update(request))
        .isInstanceOfSatisfying(OtaCallException.class,
            e -> assertThat(e.code()).contains(io.grpc.Status.Code.RESOURCE_EXHAUSTED));
    assertThat(ops.updates).isEmpty();
  }

  @Test
  void businessExceptionFromTheTreeIsStillAnAnswer() {
    ops.onUpdate = r -> {
      throw new OtaException(ErrorCode.INVALID_UPDATE_REQUEST, ErrorModule.API, "scripted");
    };
    String why = "E1-0104-203: invalid update request: scripted";
    assertThat(client.update(List.of(entry("a"), entry("b"), entry("a")))).containsExactly(
        new EcuResult("a", FailureType.RECOVERABLE, why), new EcuResult("b", FailureType.RECOVERABLE, why));

    ops.onRollback = r -> {
      throw new IllegalStateException("bug");
    };
    assertThatThrownBy(() -> client.rollback(List.of("a")))
        .isInstanceOfSatisfying(OtaCallException.class,
            e -> assertThat(e.code()).contains(io.grpc.Status.Code.INTERNAL))
        .hasMessageContaining("Rollback failed: bug");
  }

  @Test
  void connectionRefusedNamesTheTarget() {
    try (ReservedPort closed = ReservedPort.reserve();
         OtaClientStub dead = OtaClientStub.connect("127.0.0.1", closed.port(), Duration.ofSeconds(5))) {
      int port = closed.port();
      assertThatThrownBy(dead::status)
          .isInstanceOfSatisfying(OtaCallException.class, e -> {
            assertThat(e.kind()).isEqualTo(OtaCallException.Kind.UNREACHABLE);
            assertThat(e.target()).isEqualTo("127.0.0.1:" + port);
          })
          .hasMessageStartingWith("cannot reach 127.0.0.1:" + port + ": ")
          .hasMessageEndingWith("Connection refused (UNAVAILABLE)");
    }
  }

  @Test
  void silentServerRunsIntoTheDeadline() throws IOException {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        OtaClientStub stub = OtaClientStub.connect("127.0.0.1", silent.getLocalPort(), Duration.ofMillis(300))) {
      assertThatThrownBy(stub::status)
          .isInstanceOfSatisfying(OtaCallException.class,
              e -> assertThat(e.code()).contains(io.grpc.Status.Code.DEADLINE_EXCEEDED))
          .hasMessage("cannot reach 127.0.0.1:" + silent.getLocalPort()
              + ": no answer to Status within 300ms (DEADLINE_EXCEEDED)");
    }
  }

  @Test
  void unreadableAnswerIsABadAnswerNotACrash() throws Exception {
    OtaClientServiceGrpc.OtaClientServiceImplBase future = new OtaClientServiceGrpc.OtaClientServiceImplBase() {
      @Override
      public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
        observer.onNext(StatusResponse.newBuilder().addEcu(StatusResponseEcu.newBuilder().setEcuId("p9")
            .setStatus(Status.newBuilder().setStatusValue(9))).build());
        observer.onCompleted();
      }
    };
    Server s = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(future).build().start();
    try (OtaClientStub stub = OtaClientStub.connect("127.0.0.1", s.getPort(), Duration.ofSeconds(5))) {
      assertThatThrownBy(stub::status)
          .isInstanceOfSatisfying(OtaCallException.class,
              e -> assertThat(e.kind()).isEqualTo(OtaCallException.Kind.BAD_ANSWER))
          .hasMessageContaining("sent an unreadable Status answer")
          .hasMessageContaining("StatusResponse.ecu[p9].status.status: unknown StatusOta 9");
    } finally {
      s.shutdownNow();
    }
  }

  @Test
  void serverListensOnlyOnItsIpAddrNotOnEveryAddress() {
    // 127.0.0.2 is another address of the loopback interface: a wildcard bind would answer there
    try (OtaClientStub other = OtaClientStub.connect("127.0.0.2", server.port(), Duration.ofSeconds(5))) {
      assertThatThrownBy(other::status).isInstanceOfSatisfying(OtaCallException.class,
          e -> assertThat(e.code()).contains(io.grpc.Status.Code.UNAVAILABLE));
    }
    assertThat(client.status()).isEqualTo(ops.status);
  }

  @Test
  void transportCallsAChildAndReportsAnUnreachableOneByName() throws Exception {
    ops.onRollback = ids -> List.of(new EcuResult("k", FailureType.UNRECOVERABLE));
    ops.status = new StatusReport(List.of(new EcuStatus("k", OtaStatus.ROLLBACK_FAILURE, FailureType.UNRECOVERABLE,
        "E2-0201-307: failed to prepare the rollback", "5", Optional.empty())), List.of("k"));
    try (ReservedPort dead = ReservedPort.reserve();
         GrpcEcuTransport transport = new GrpcEcuTransport()) {
      int deadPort = dead.port();
      SecondaryEcu child = new SecondaryEcu("k", "127.0.0.1", server.port());
      assertThat(transport.update(child, EcuRequest.of(List.of(entry("k")), ""), Duration.ofSeconds(5)))
          .containsExactly(new EcuResult("k", FailureType.NO_FAILURE));
      assertThat(ops.updates).containsExactly(List.of(entry("k")));
      assertThat(transport.rollback(child, EcuRequest.of(List.of("k"), ""), Duration.ofSeconds(5)))
          .containsExactly(new EcuResult("k", FailureType.UNRECOVERABLE));
      assertThat(ops.rollbacks).containsExactly(List.of("k"));
      assertThat(transport.status(child, Duration.ofSeconds(5))).isEqualTo(ops.status);
      assertThat(transport.openChannels()).isEqualTo(1);

      SecondaryEcu gone = new SecondaryEcu("gone", "127.0.0.1", deadPort);
      assertThatThrownBy(() -> transport.status(gone, Duration.ofSeconds(5)))
          .isInstanceOf(EcuUnreachableException.class)
          .hasMessage("ecu gone: cannot reach 127.0.0.1:" + deadPort + ": Connection refused (UNAVAILABLE)");
      assertThat(transport.openChannels()).isEqualTo(2);
    }
  }

  @Test
  void transportCallRunsIntoItsDeadlineAndStopsWhenInterrupted() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        GrpcEcuTransport transport = new GrpcEcuTransport()) {
      SecondaryEcu child = new SecondaryEcu("h", "127.0.0.1", silent.getLocalPort());
      assertThatThrownBy(() -> transport.update(child, EcuRequest.of(List.of(entry("h")), ""), Duration.ofMillis(200)))
          .isInstanceOf(EcuUnreachableException.class)
          .hasMessageContaining("no answer to Update within 200ms (DEADLINE_EXCEEDED)");

      // EcuNode interrupts a call it has abandoned: the blocked thread must come back promptly
      java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
      Thread caller = new Thread(() -> {
        try {
          transport.status(child, Duration.ofSeconds(30));
        } catch (Throwable t) {
          thrown.set(t);
        }
      });
      caller.start();
      Await.blockedIn(caller, "blockingUnaryCall");
      caller.interrupt();
      // far below the call's 30 s deadline: the interrupt ended it
      Await.join("the interrupted call", caller, Duration.ofSeconds(20));
      assertThat(thrown.get()).isInstanceOf(EcuUnreachableException.class);
    }
  }

  @Test
  void closeLetsARunningCallFinishWithinTheGraceThenCancelsTheRest() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    CountDownLatch entered = new CountDownLatch(2);
    CountDownLatch finishQuick = new CountDownLatch(1);
    ScriptedOperations slow = new ScriptedOperations();
    slow.onUpdate = r -> {
      entered.countDown();
      try {
        if (r.get(0).ecuId().equals("quick")) {
          finishQuick.await();
          return List.of(new EcuResult("quick", FailureType.NO_FAILURE));
        }
        never.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return List.of();
    };
    GrpcServer s = new GrpcServer("127.0.0.1", 0, new OtaClientGrpcService(slow), TlsConfig.DISABLED,
        Duration.ofSeconds(3)).start();
    try (OtaClientStub stub = OtaClientStub.connect("127.0.0.1", s.port(), Duration.ofSeconds(30))) {
      var quick = CompletableFuture.supplyAsync(() -> stub.update(List.of(entry("quick"))));
      var stuck = CompletableFuture.supplyAsync(() -> stub.update(List.of(entry("stuck"))));
      Await.latch("both calls running", entered);
      Thread closer = new Thread(s::close, "closer");
      closer.start();
      // close has begun (no new calls) and waits out its grace: now the quick call ends
      Await.blockedIn(closer, "awaitTermination");
      finishQuick.countDown();
      assertThat(quick.get(Await.LIMIT.toSeconds(), TimeUnit.SECONDS))
          .containsExactly(new EcuResult("quick", FailureType.NO_FAILURE));
      // the stuck call never ends by itself: only the grace ending lets close return
      Await.join("close", closer, Duration.ofSeconds(30));
      assertThat(stuck).failsWithin(Await.LIMIT)
          .withThrowableOfType(java.util.concurrent.ExecutionException.class)
          .withCauseInstanceOf(OtaCallException.class);
    } finally {
      never.countDown();
    }
  }

  @Test
  void serverRefusesAnAddressItCannotBind() {
    GrpcServer other = new GrpcServer("127.0.0.1", server.port(), new OtaClientGrpcService(ops),
        TlsConfig.DISABLED, Duration.ofSeconds(1));
    assertThatThrownBy(other::start)
        .isInstanceOf(OtaException.class)
        .hasMessageContaining("cannot bind gRPC server to 127.0.0.1:" + server.port());
  }
}
