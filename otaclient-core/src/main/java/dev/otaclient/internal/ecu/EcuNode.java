package dev.otaclient.internal.ecu;

import dev.otaclient.error.FailureType;
import dev.otaclient.error.OtaException;
import dev.otaclient.status.EcuStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ECU tree logic of one ECU process: forwards update and rollback requests to the direct
 * children named in them, keeps a cache of the children's status that a background poller keeps
 * fresh, and holds this ECU's reboot until the children it sent a request to have finished.
 * Transport-agnostic: children are reached through an {@link EcuTransport}.
 *
 * <p>Thread-safe. Update and rollback requests are handled one at a time; status never waits for
 * them nor for any child.
 */
public final class EcuNode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EcuNode.class);
  /** A child whose last good poll is older than this many poll intervals is left out of status. */
  static final int STALE_AFTER_INTERVALS = 3;

  private final EcuInfo info;
  private final LocalEcu local;
  private final EcuTransport transport;
  private final EcuNodeSettings settings;
  private final List<ChildLink> children;
  private final DeadlineCalls calls;
  private final ReentrantLock operationLock = new ReentrantLock(true);
  private final List<RebootTracker> trackers = new CopyOnWriteArrayList<>();
  private final Object pollSignal = new Object();
  private boolean pollRequested; // guarded by pollSignal
  private volatile Duration interval;
  private volatile boolean closed;
  private Thread poller; // guarded by this

  public EcuNode(EcuInfo info, LocalEcu local, EcuTransport transport, EcuNodeSettings settings) {
    this.info = Objects.requireNonNull(info);
    this.local = Objects.requireNonNull(local);
    this.transport = Objects.requireNonNull(transport);
    this.settings = Objects.requireNonNull(settings);
    this.children = info.secondaries().stream().map(ChildLink::new).toList();
    this.calls = new DeadlineCalls("ecu-" + info.ecuId());
    this.interval = settings.pollIdle();
  }

  public EcuInfo info() {
    return info;
  }

  /** Starts the background status poller; idempotent. */
  public synchronized void start() {
    if (closed) {
      throw new IllegalStateException("EcuNode " + info.ecuId() + " is closed");
    }
    if (poller == null) {
      poller = new Thread(this::pollLoop, "ecu-" + info.ecuId() + "-poller");
      poller.setDaemon(true);
      poller.start();
    }
  }

  /** Stops polling; reboot gates still waiting are released with an InterruptedException. */
  @Override
  public void close() {
    Thread t;
    synchronized (this) {
      closed = true;
      t = poller;
    }
    synchronized (pollSignal) {
      pollSignal.notifyAll();
    }
    if (t != null) {
      t.interrupt();
    }
    trackers.forEach(RebootTracker::close);
    trackers.clear();
    calls.close();
  }

  // ---------------------------------------------------------------------------------- update

  /**
   * Handles an update request (reference §2.2 with the checks of issue 5): forwards it unmodified
   * and concurrently to every direct child whose id it names, waits for their acknowledgements (at
   * most the ack deadline), then starts this ECU's own update. Returns the children's answers in
   * {@code ecu_info.yaml} order, then answers for unusable ids, then this ECU's.
   */
  public List<EcuResult> update(List<UpdateRequestEcu> request) {
    Objects.requireNonNull(request);
    start();
    operationLock.lock();
    try {
      RequestCheck check = RequestCheck.ofUpdate(request);
      Set<String> ids = new HashSet<>();
      request.forEach(e -> ids.add(e.ecuId()));
      LOG.info("update request for {}", request.stream().map(UpdateRequestEcu::ecuId).toList());
      RebootTracker tracker = newTracker(RebootTracker.Kind.UPDATE);
      List<EcuResult> out = fanOut("update", ids, check, tracker,
          child -> () -> transport.update(child, request, settings.ackDeadline()));

      String self = info.ecuId();
      if (!ids.contains(self)) {
        LOG.info("update request does not name this ECU ({}): nothing started here", self);
        trackers.remove(tracker);
        return out;
      }
      UpdateRequestEcu own = request.stream().filter(e -> e.ecuId().equals(self)).findFirst().orElseThrow();
      out.add(new EcuResult(self, startLocal("update", check, tracker, () -> local.startUpdate(own, tracker))));
      return out;
    } finally {
      operationLock.unlock();
    }
  }

  /** Handles a rollback request: the same fan-out as {@link #update}, then the local rollback. */
  public List<EcuResult> rollback(List<String> ecuIds) {
    Objects.requireNonNull(ecuIds);
    start();
    operationLock.lock();
    try {
      RequestCheck check = RequestCheck.ofRollback(ecuIds);
      Set<String> ids = new HashSet<>(ecuIds);
      LOG.info("rollback request for {}", ecuIds);
      RebootTracker tracker = newTracker(RebootTracker.Kind.ROLLBACK);
      List<EcuResult> out = fanOut("rollback", ids, check, tracker,
          child -> () -> transport.rollback(child, ecuIds, settings.ackDeadline()));
      String self = info.ecuId();
      if (!ids.contains(self)) {
        LOG.info("rollback request does not name this ECU ({}): nothing started here", self);
        trackers.remove(tracker);
        return out;
      }
      out.add(new EcuResult(self, startLocal("rollback", check, tracker, () -> local.startRollback(tracker))));
      return out;
    } finally {
      operationLock.unlock();
    }
  }

  private RebootTracker newTracker(RebootTracker.Kind kind) {
    RebootTracker[] self = new RebootTracker[1];
    self[0] = new RebootTracker(info.ecuId(), kind, settings.childLostAfter(), settings.pollActive(),
        () -> trackers.remove(self[0]));
    return self[0];
  }

  private List<EcuResult> fanOut(String op, Set<String> ids, RequestCheck check, RebootTracker tracker,
      java.util.function.Function<SecondaryEcu, Callable<List<EcuResult>>> callFor) {
    Map<ChildLink, Optional<CompletableFuture<List<EcuResult>>>> sent = new LinkedHashMap<>();
    for (ChildLink link : children) {
      if (!ids.contains(link.id())) {
        continue;
      }
      Optional<String> problem = check.problem(link.id());
      if (problem.isPresent()) {
        LOG.warn("{} for ECU {} refused, not forwarded: {}", op, link.id(), problem.get());
        sent.put(link, Optional.empty());
      } else {
        sent.put(link, Optional.of(calls.call(callFor.apply(link.ecu()), settings.ackDeadline(),
            op + " of " + link.id())));
      }
    }

    List<EcuResult> out = new ArrayList<>();
    Map<ChildLink, List<EcuResult>> answers = new LinkedHashMap<>();
    for (Map.Entry<ChildLink, Optional<CompletableFuture<List<EcuResult>>>> e : sent.entrySet()) {
      ChildLink link = e.getKey();
      if (e.getValue().isEmpty()) {
        answers.put(link, null);
        continue;
      }
      try {
        answers.put(link, e.getValue().get().join());
      } catch (CompletionException | CancellationException ex) {
        Throwable cause = ex.getCause() != null ? ex.getCause() : ex;
        String why = cause instanceof TimeoutException ? cause.getMessage() : cause.toString();
        LOG.warn("{} of ECU {} ({}:{}) failed: {}", op, link.id(), link.ecu().ipAddr(), link.ecu().port(), why);
        answers.put(link, List.of());
      }
    }
    // Taken after every answer arrived: polls started later describe the children after acceptance.
    long ackNanos = System.nanoTime();
    for (Map.Entry<ChildLink, List<EcuResult>> e : answers.entrySet()) {
      ChildLink link = e.getKey();
      List<EcuResult> answer = e.getValue();
      if (answer == null) {
        out.add(new EcuResult(link.id(), FailureType.RECOVERABLE));
        continue;
      }
      link.hideReportsStartedBefore(ackNanos);
      if (answer.isEmpty()) {
        out.add(new EcuResult(link.id(), FailureType.RECOVERABLE));
        // It may still have received the request: wait until it is seen idle (or lost).
        tracker.track(link.id(), List.of(link.id()), false, ackNanos);
        continue;
      }
      List<String> accepted = new ArrayList<>();
      for (EcuResult r : answer) {
        if (RequestCheck.isBadId(r.ecuId())) {
          continue; // answered by this ECU below, as it received the same entry
        }
        out.add(r);
        if (r.result() == FailureType.NO_FAILURE) {
          accepted.add(r.ecuId());
        }
      }
      LOG.info("{}: ECU {} answered {}", op, link.id(), answer);
      tracker.track(link.id(), accepted, true, ackNanos);
    }
    for (String bad : check.badIds()) {
      LOG.warn("{} entry refused: {}", op, RequestCheck.badIdReason(bad));
      out.add(new EcuResult(bad, FailureType.RECOVERABLE));
    }
    if (!sent.isEmpty()) {
      trackers.add(tracker);
      pollChildren(true);
    }
    return out;
  }

  private FailureType startLocal(String op, RequestCheck check, RebootTracker tracker, Supplier<FailureType> start) {
    String self = info.ecuId();
    Optional<String> problem = check.problem(self);
    if (problem.isPresent()) {
      LOG.warn("{} of this ECU ({}) refused: {}", op, self, problem.get());
      trackers.remove(tracker);
      return FailureType.RECOVERABLE;
    }
    EcuStatus now = local.status();
    if (now.status().isBusy()) {
      LOG.warn("{} of this ECU ({}) refused: busy, status {}", op, self, now.status());
      trackers.remove(tracker);
      return FailureType.RECOVERABLE;
    }
    FailureType result;
    try {
      result = Objects.requireNonNull(start.get(), "LocalEcu returned null");
    } catch (OtaException e) {
      LOG.warn("{} of this ECU ({}) refused: {}", op, self, e.getMessage());
      result = e.failureType() == FailureType.NO_FAILURE ? FailureType.RECOVERABLE : e.failureType();
    } catch (RuntimeException e) {
      LOG.error("{} of this ECU ({}) could not be started: {}", op, self, e.toString());
      LOG.debug("{} start failure detail", op, e);
      result = FailureType.RECOVERABLE;
    }
    if (result == FailureType.NO_FAILURE) {
      // Any older gate belongs to an operation that has ended (the local ECU was not busy).
      trackers.removeIf(t -> t != tracker && !t.isWaiting());
      if (!trackers.contains(tracker)) {
        trackers.add(tracker);
      }
      LOG.info("{} of this ECU ({}) started", op, self);
      pollChildren(false);
    } else {
      LOG.warn("{} of this ECU ({}) not started: {}", op, self, result);
      trackers.remove(tracker);
    }
    return result;
  }

  // ---------------------------------------------------------------------------------- status

  /**
   * The subtree's status from the cache: each child's last report if it is fresh (its last poll
   * succeeded and is at most three poll intervals old), then this ECU's own status. Never waits for
   * a child.
   */
  public StatusReport status() {
    List<EcuStatus> ecus = new ArrayList<>();
    long now = System.nanoTime();
    long maxAge = interval.toNanos() * STALE_AFTER_INTERVALS;
    for (ChildLink link : children) {
      link.freshReport(now, maxAge).ifPresent(r -> ecus.addAll(r.ecus()));
    }
    ecus.add(local.status());
    return new StatusReport(ecus, info.availableEcuIds());
  }

  /** What this ECU's reboot is waiting for, while a local update or rollback waits at its gate. */
  public Optional<String> rebootWaitReason() {
    for (RebootTracker t : trackers) {
      Optional<String> r = t.waitReason();
      if (r.isPresent()) {
        return r;
      }
    }
    return Optional.empty();
  }

  // ---------------------------------------------------------------------------------- polling

  private void pollChildren(boolean force) {
    if (force) {
      // Polls are started here rather than by the poller so that a running one is followed up.
      for (ChildLink link : children) {
        link.poll(transport, calls, settings.statusDeadline(), true, this::onPolled);
      }
    }
    synchronized (pollSignal) {
      pollRequested = true;
      pollSignal.notifyAll();
    }
  }

  private void onPolled(ChildLink link, ChildLink.Poll poll) {
    if (poll.ok()) {
      for (RebootTracker t : trackers) {
        t.onReport(link.id(), poll.startedNanos(), poll.report());
      }
    }
  }

  private void pollLoop() {
    while (!closed) {
      long cycleStart = System.nanoTime();
      try {
        for (ChildLink link : children) {
          link.poll(transport, calls, settings.statusDeadline(), false, this::onPolled);
        }
        interval = treeIsBusy() ? settings.pollActive() : settings.pollIdle();
      } catch (RuntimeException e) {
        LOG.error("status poll cycle of {} failed: {}", info.ecuId(), e.toString());
        LOG.debug("status poll failure detail", e);
      }
      try {
        synchronized (pollSignal) {
          while (!pollRequested && !closed) {
            long left = interval.toNanos() - (System.nanoTime() - cycleStart);
            if (left <= 0) {
              break;
            }
            TimeUnit.NANOSECONDS.timedWait(pollSignal, left);
          }
          pollRequested = false;
        }
      } catch (InterruptedException e) {
        if (closed) {
          return;
        }
      }
    }
  }

  private boolean treeIsBusy() {
    if (local.status().status().isBusy()) {
      return true;
    }
    for (RebootTracker t : trackers) {
      if (t.isWaiting()) {
        return true;
      }
    }
    for (ChildLink link : children) {
      if (link.lastShowsBusy()) {
        return true;
      }
    }
    return false;
  }
}
