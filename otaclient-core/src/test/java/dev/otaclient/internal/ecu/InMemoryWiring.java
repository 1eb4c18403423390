package dev.otaclient.internal.ecu;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wires an {@link EcuTree} in memory: a call to a child is a direct call of its node. An ECU can be
 * made to hang (calls block until the tree closes or the caller gives up and interrupts) or to be
 * unreachable (calls fail at once). Calls are counted, and those that hung are counted when they start
 * and when they are abandoned, for handshakes.
 */
final class InMemoryWiring implements EcuTree.Wiring {
  enum Mode { NORMAL, HUNG, UNREACHABLE }

  private final Map<String, EcuNode> nodes = new ConcurrentHashMap<>();
  private final Map<String, Mode> modes = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> updateCalls = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> abortCalls = new ConcurrentHashMap<>();
  private final Map<String, List<Long>> statusCalls = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> hung = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> abandoned = new ConcurrentHashMap<>();
  private final CountDownLatch release = new CountDownLatch(1);

  private final EcuTransport transport = new EcuTransport() {
    @Override
    public List<EcuResult> update(SecondaryEcu child, EcuRequest<UpdateRequestEcu> request, Duration deadline)
        throws EcuUnreachableException {
      count(updateCalls, child);
      return reach(child).update(relayed(request));
    }

    @Override
    public List<EcuResult> clientUpdate(SecondaryEcu child, EcuRequest<UpdateRequestEcu> request, Duration deadline)
        throws EcuUnreachableException {
      count(updateCalls, child);
      return reach(child).clientUpdate(relayed(request));
    }

    @Override
    public List<EcuResult> rollback(SecondaryEcu child, EcuRequest<String> request, Duration deadline)
        throws EcuUnreachableException {
      count(updateCalls, child);
      return reach(child).rollback(relayed(request));
    }

    @Override
    public List<EcuResult> abort(SecondaryEcu child, EcuRequest<String> request, Duration deadline)
        throws EcuUnreachableException {
      count(abortCalls, child);
      return reach(child).abort(relayed(request));
    }

    @Override
    public StatusReport status(SecondaryEcu child, Duration deadline) throws EcuUnreachableException {
      statusCalls.computeIfAbsent(child.ecuId(), k -> new CopyOnWriteArrayList<>()).add(System.nanoTime());
      return reach(child).status();
    }
  };

  @Override
  public EcuTransport transportFor(String ecuId) {
    return transport;
  }

  @Override
  public SecondaryEcu expose(EcuNode node) {
    String id = node.info().ecuId();
    nodes.put(id, node);
    modes.put(id, Mode.NORMAL);
    return new SecondaryEcu(id, "127.0.0.1");
  }

  void mode(String id, Mode mode) {
    modes.put(id, mode);
  }

  int updateCalls(String id) {
    AtomicInteger n = updateCalls.get(id);
    return n == null ? 0 : n.get();
  }

  int abortCalls(String id) {
    AtomicInteger n = abortCalls.get(id);
    return n == null ? 0 : n.get();
  }

  /** What a child receives from its parent: the same request, relayed (not from a direct caller). */
  private static <E> EcuRequest<E> relayed(EcuRequest<E> r) {
    return new EcuRequest<>(r.entries(), r.requestId(), r.original(), false);
  }

  int statusCalls(String id) {
    return statusCallTimes(id).size();
  }

  /** {@link System#nanoTime()} at each status call to {@code id}, in order. */
  List<Long> statusCallTimes(String id) {
    return List.copyOf(statusCalls.getOrDefault(id, List.of()));
  }

  /** Calls to {@code id} that started hanging. */
  int hungCalls(String id) {
    AtomicInteger n = hung.get(id);
    return n == null ? 0 : n.get();
  }

  /** Hung calls to {@code id} whose caller gave up (interrupted them). */
  int abandonedCalls(String id) {
    AtomicInteger n = abandoned.get(id);
    return n == null ? 0 : n.get();
  }

  private static void count(Map<String, AtomicInteger> counters, SecondaryEcu child) {
    counters.computeIfAbsent(child.ecuId(), k -> new AtomicInteger()).incrementAndGet();
  }

  private EcuNode reach(SecondaryEcu child) throws EcuUnreachableException {
    switch (modes.get(child.ecuId())) {
      case UNREACHABLE:
        throw new EcuUnreachableException(child.ecuId() + ": connection refused");
      case HUNG:
        count(hung, child);
        try {
          release.await();
        } catch (InterruptedException e) {
          count(abandoned, child);
          Thread.currentThread().interrupt();
          throw new EcuUnreachableException(child.ecuId() + ": call abandoned", e);
        }
        throw new EcuUnreachableException(child.ecuId() + ": released");
      default:
        return nodes.get(child.ecuId());
    }
  }

  /** Hung calls return (with an error) once the tree stops. */
  @Override
  public void stopServing() {
    release.countDown();
  }
}
