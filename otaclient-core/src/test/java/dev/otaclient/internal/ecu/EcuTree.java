package dev.otaclient.internal.ecu;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ECU-tree set-up of the tests: {@link EcuNode}s with {@link FakeLocalEcu}s, wired to each other by
 * a {@link Wiring} (in memory, or over gRPC in the grpc module), with one event log the fake ECUs
 * write their reboots and failures to. ECUs are added children first, each naming its direct children.
 */
public final class EcuTree implements AutoCloseable {
  /**
   * Fast polls, and deadlines far above what a loaded machine needs for an in-process answer, so that
   * only the tests about deadlines (which set their own) ever see one expire.
   */
  public static final EcuNodeSettings SETTINGS = new EcuNodeSettings(Duration.ofSeconds(10), Duration.ofMillis(50),
      Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofSeconds(30));

  /** How the nodes reach each other. */
  public interface Wiring extends AutoCloseable {
    /** The transport node {@code ecuId} reaches its children through. */
    EcuTransport transportFor(String ecuId);

    /** Makes a new node reachable; returns where its parent reaches it. */
    SecondaryEcu expose(EcuNode node);

    /** Stops serving every node (called before the nodes close). */
    default void stopServing() {}

    /** Releases what the wiring holds (called after the nodes closed). */
    @Override
    default void close() {}
  }

  private final EcuNodeSettings settings;
  private final Wiring wiring;
  private final List<String> events = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, EcuNode> nodes = new LinkedHashMap<>();
  private final Map<String, FakeLocalEcu> locals = new LinkedHashMap<>();
  private final Map<String, SecondaryEcu> addresses = new LinkedHashMap<>();

  public EcuTree(EcuNodeSettings settings, Wiring wiring) {
    this.settings = settings;
    this.wiring = wiring;
  }

  /** An ECU whose direct children (added before) are {@code children}, with these available ids. */
  public synchronized EcuTree ecu(String id, List<String> children, List<String> available) {
    List<SecondaryEcu> secondaries = new ArrayList<>();
    for (String c : children) {
      SecondaryEcu a = addresses.get(c);
      if (a == null) {
        throw new IllegalArgumentException("child " + c + " of " + id + " is not in the tree yet");
      }
      secondaries.add(a);
    }
    FakeLocalEcu local = new FakeLocalEcu(id, events);
    EcuNode node = new EcuNode(new EcuInfo(1, id, "127.0.0.1", secondaries, available), local,
        wiring.transportFor(id), settings);
    locals.put(id, local);
    nodes.put(id, node);
    addresses.put(id, wiring.expose(node));
    return this;
  }

  /** An ECU with these direct children; it lists only itself as available. */
  public EcuTree ecu(String id, String... children) {
    return ecu(id, List.of(children), List.of(id));
  }

  /** A child that is not a node of this tree (e.g. a hung server): its parent reaches it at {@code at}. */
  public synchronized EcuTree external(SecondaryEcu at) {
    addresses.put(at.ecuId(), at);
    return this;
  }

  /** The tree of the issue: main -> (A, B), A -> C; main lists all four as available. */
  public EcuTree standard() {
    return ecu("C").ecu("A", "C").ecu("B").ecu("main", List.of("A", "B"), List.of("main", "A", "B", "C"));
  }

  /** Starts every node's status poller. */
  public synchronized EcuTree startAll() {
    nodes.values().forEach(EcuNode::start);
    return this;
  }

  public synchronized EcuNode node(String id) {
    return nodes.get(id);
  }

  public synchronized FakeLocalEcu local(String id) {
    return locals.get(id);
  }

  /** Where a parent reaches {@code id}. */
  public synchronized SecondaryEcu address(String id) {
    return addresses.get(id);
  }

  /** The reboots and failures so far, in order. */
  public List<String> events() {
    synchronized (events) {
      return List.copyOf(events);
    }
  }

  /** Position of {@code event} in the log, or -1. */
  public int indexOf(String event) {
    synchronized (events) {
      return events.indexOf(event);
    }
  }

  @Override
  public void close() {
    List<EcuNode> all;
    synchronized (this) {
      all = new ArrayList<>(nodes.values());
    }
    wiring.stopServing();
    Collections.reverse(all);
    all.forEach(EcuNode::close);
    try {
      wiring.close();
    } catch (Exception e) {
      throw new IllegalStateException("closing the tree's wiring", e);
    }
  }
}
