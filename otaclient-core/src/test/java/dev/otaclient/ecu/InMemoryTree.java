package dev.otaclient.ecu;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Several {@link EcuNode}s with {@link FakeLocalEcu}s, wired by an in-memory transport that can make
 * an ECU hang (calls block until released or interrupted) or be unreachable (calls fail at once).
 */
final class InMemoryTree implements AutoCloseable {
  enum Mode { NORMAL, HUNG, UNREACHABLE }

  final List<String> events = Collections.synchronizedList(new ArrayList<>());
  final Map<String, EcuNode> nodes = new ConcurrentHashMap<>();
  final Map<String, FakeLocalEcu> locals = new ConcurrentHashMap<>();
  final Map<String, Mode> modes = new ConcurrentHashMap<>();
  final Map<String, AtomicInteger> updateCalls = new ConcurrentHashMap<>();
  final Map<String, AtomicInteger> statusCalls = new ConcurrentHashMap<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private final EcuNodeSettings settings;

  final EcuTransport transport = new EcuTransport() {
    @Override
    public List<EcuResult> update(SecondaryEcu child, List<UpdateRequestEcu> request, Duration deadline)
        throws EcuUnreachableException {
      count(updateCalls, child);
      return reach(child).update(request);
    }

    @Override
    public List<EcuResult> rollback(SecondaryEcu child, List<String> ecuIds, Duration deadline)
        throws EcuUnreachableException {
      count(updateCalls, child);
      return reach(child).rollback(ecuIds);
    }

    @Override
    public StatusReport status(SecondaryEcu child, Duration deadline) throws EcuUnreachableException {
      count(statusCalls, child);
      return reach(child).status();
    }
  };

  InMemoryTree(EcuNodeSettings settings) {
    this.settings = settings;
  }

  /** Adds an ECU whose direct children are {@code children}; available ids as given. */
  InMemoryTree ecu(String id, List<String> children, List<String> available) {
    List<SecondaryEcu> secondaries = children.stream().map(c -> new SecondaryEcu(c, "127.0.0.1")).toList();
    EcuInfo info = new EcuInfo(1, id, "127.0.0.1", secondaries, available);
    FakeLocalEcu local = new FakeLocalEcu(id, events);
    locals.put(id, local);
    modes.put(id, Mode.NORMAL);
    nodes.put(id, new EcuNode(info, local, transport, settings));
    return this;
  }

  InMemoryTree ecu(String id, String... children) {
    return ecu(id, List.of(children), List.of(id));
  }

  /** main -> (A, B), A -> C; main lists all four as available. */
  static InMemoryTree standard(EcuNodeSettings settings) {
    return new InMemoryTree(settings)
        .ecu("main", List.of("A", "B"), List.of("main", "A", "B", "C"))
        .ecu("A", "C")
        .ecu("B")
        .ecu("C")
        .startAll();
  }

  InMemoryTree startAll() {
    nodes.values().forEach(EcuNode::start);
    return this;
  }

  EcuNode node(String id) {
    return nodes.get(id);
  }

  FakeLocalEcu local(String id) {
    return locals.get(id);
  }

  int updateCalls(String id) {
    AtomicInteger n = updateCalls.get(id);
    return n == null ? 0 : n.get();
  }

  int statusCalls(String id) {
    AtomicInteger n = statusCalls.get(id);
    return n == null ? 0 : n.get();
  }

  int indexOf(String event) {
    synchronized (events) {
      return events.indexOf(event);
    }
  }

  private static void count(Map<String, AtomicInteger> counters, SecondaryEcu child) {
    counters.computeIfAbsent(child.ecuId(), k -> new AtomicInteger()).incrementAndGet();
  }

  private EcuNode reach(SecondaryEcu child) throws EcuUnreachableException {
    switch (modes.get(child.ecuId())) {
      case UNREACHABLE:
        throw new EcuUnreachableException(child.ecuId() + ": connection refused");
      case HUNG:
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new EcuUnreachableException(child.ecuId() + ": call abandoned", e);
        }
        throw new EcuUnreachableException(child.ecuId() + ": released");
      default:
        return nodes.get(child.ecuId());
    }
  }

  @Override
  public void close() {
    release.countDown();
    nodes.values().forEach(EcuNode::close);
  }
}
