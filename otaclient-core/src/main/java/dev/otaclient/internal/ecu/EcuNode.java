package dev.otaclient.internal.ecu;

import dev.otaclient.error.FailureType;
import dev.otaclient.error.OtaException;
import dev.otaclient.status.EcuStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
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

  /** {@link #update(EcuRequest)} of a request made in this process, without a request id. */
  public List<EcuResult> update(List<UpdateRequestEcu> request) {
    return update(EcuRequest.of(request, ""));
  }

  /**
   * Handles an update request (reference §2.2 with the checks of issue 5): forwards it unmodified
   * and concurrently to every direct child it names (or whose subtree holds an ECU it names), waits
   * for their acknowledgements (at most the ack deadline), then starts this ECU's own update.
   * Returns the children's answers in {@code ecu_info.yaml} order, then answers for unusable ids,
   * then this ECU's, then (for a direct caller) the ids nobody answered for.
   */
  public List<EcuResult> update(EcuRequest<UpdateRequestEcu> request) {
    return operate("update", RebootTracker.Kind.UPDATE, request, UpdateRequestEcu::ecuId,
        RequestCheck.ofUpdate(request), child -> () -> transport.update(child, request, settings.ackDeadline()),
        gate -> local.startUpdate(own(request), request.requestId(), gate));
  }

  /**
   * Handles a ClientUpdate request: the same fan-out as {@link #update}, then the local client
   * update. Nothing waits for a client update before rebooting: it does not reboot.
   */
  public List<EcuResult> clientUpdate(EcuRequest<UpdateRequestEcu> request) {
    return operate("client update", null, request, UpdateRequestEcu::ecuId, RequestCheck.ofUpdate(request),
        child -> () -> transport.clientUpdate(child, request, settings.ackDeadline()),
        gate -> local.startClientUpdate(own(request), request.requestId()));
  }

  /** {@link #rollback(EcuRequest)} of a request made in this process, without a request id. */
  public List<EcuResult> rollback(List<String> ecuIds) {
    return rollback(EcuRequest.of(ecuIds, ""));
  }

  /** Handles a rollback request: the same fan-out as {@link #update}, then the local rollback. */
  public List<EcuResult> rollback(EcuRequest<String> request) {
    return operate("rollback", RebootTracker.Kind.ROLLBACK, request, id -> id, RequestCheck.ofIds(request),
        child -> () -> transport.rollback(child, request, settings.ackDeadline()), local::startRollback);
  }

  private UpdateRequestEcu own(EcuRequest<UpdateRequestEcu> request) {
    return request.entries().stream().filter(e -> e.ecuId().equals(info.ecuId())).findFirst().orElseThrow();
  }

  /**
   * The shape every starting request shares: fan out, then the local start if this ECU is named,
   * then the unknown ids. {@code trackKind} null: nothing waits for the operation's children.
   */
  private <E> List<EcuResult> operate(String op, RebootTracker.Kind trackKind, EcuRequest<E> request,
      java.util.function.Function<E, String> idOf, RequestCheck check,
      java.util.function.Function<SecondaryEcu, Callable<List<EcuResult>>> callFor,
      java.util.function.Function<RebootGate, Answer> startLocal) {
    Objects.requireNonNull(request);
    start();
    operationLock.lock();
    try {
      List<String> requested = request.entries().stream().map(idOf).toList();
      Set<String> ids = new HashSet<>(requested);
      LOG.info("{} request{} for {}", op, request.requestId().isEmpty() ? "" : " " + request.requestId(), requested);
      RebootTracker tracker = trackKind == null ? null : newTracker(trackKind);
      List<EcuResult> out = fanOut(op, ids, check, tracker, callFor);

      String self = info.ecuId();
      if (ids.contains(self)) {
        out.add(startLocal(op, check, tracker, () -> startLocal.apply(tracker)));
      } else {
        LOG.info("{} request does not name this ECU ({}): nothing started here", op, self);
        untrack(tracker);
      }
      if (request.direct()) {
        out.addAll(UnansweredIds.answers(info, children, requested, out));
      }
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

  private void untrack(RebootTracker tracker) {
    if (tracker != null) {
      trackers.remove(tracker);
    }
  }

  /** The children a request for {@code ids} goes to: those named, and those with a named ECU below. */
  private List<ChildLink> routeTo(Set<String> ids) {
    List<ChildLink> to = new ArrayList<>();
    for (ChildLink link : children) {
      if (ids.contains(link.id()) || link.subtreeIds().stream().anyMatch(ids::contains)) {
        to.add(link);
      }
    }
    return to;
  }

  private List<EcuResult> fanOut(String op, Set<String> ids, RequestCheck check, RebootTracker tracker,
      java.util.function.Function<SecondaryEcu, Callable<List<EcuResult>>> callFor) {
    List<EcuResult> out = new ArrayList<>();
    List<ChildLink> send = new ArrayList<>();
    for (ChildLink link : routeTo(ids)) {
      Optional<String> problem = ids.contains(link.id()) ? check.problem(link.id()) : Optional.empty();
      if (problem.isPresent()) {
        LOG.warn("{} for ECU {} refused, not forwarded: {}", op, link.id(), problem.get());
        out.add(new EcuResult(link.id(), FailureType.RECOVERABLE, problem.get()));
      } else {
        send.add(link);
      }
    }
    List<ChildCalls.Reply> replies = ChildCalls.send(calls, op, send, settings.ackDeadline(), callFor);
    // Taken after every answer arrived: polls started later describe the children after acceptance.
    long ackNanos = System.nanoTime();
    for (ChildCalls.Reply reply : replies) {
      ChildLink link = reply.link();
      link.hideReportsStartedBefore(ackNanos);
      if (!reply.answered()) {
        List<String> expected = link.subtreeIds().stream().filter(ids::contains).toList();
        if (ids.contains(link.id())) {
          out.add(new EcuResult(link.id(), FailureType.RECOVERABLE, "no answer from ECU " + link.id() + ": "
              + reply.failure()));
        }
        // It may still have received the request: wait until it is seen idle (or lost).
        if (tracker != null) {
          tracker.track(link.id(), expected, false, ackNanos);
        }
        continue;
      }
      List<String> accepted = new ArrayList<>();
      for (EcuResult r : reply.answers()) {
        if (RequestCheck.isBadId(r.ecuId())) {
          continue; // answered by this ECU below, as it received the same entry
        }
        out.add(r);
        if (r.accepted()) {
          accepted.add(r.ecuId());
        }
      }
      LOG.info("{}: ECU {} answered {}", op, link.id(), reply.answers());
      if (tracker != null) {
        tracker.track(link.id(), accepted, true, ackNanos);
      }
    }
    out.addAll(badIdAnswers(op, check));
    if (!send.isEmpty()) {
      if (tracker != null) {
        trackers.add(tracker);
      }
      pollChildren(true);
    }
    return out;
  }

  private static List<EcuResult> badIdAnswers(String op, RequestCheck check) {
    List<EcuResult> out = new ArrayList<>();
    for (String bad : check.badIds()) {
      String why = RequestCheck.badIdReason(bad);
      LOG.warn("{} entry refused: {}", op, why);
      out.add(new EcuResult(bad, FailureType.RECOVERABLE, why));
    }
    return out;
  }

  private EcuResult startLocal(String op, RequestCheck check, RebootTracker tracker, Supplier<Answer> start) {
    String self = info.ecuId();
    Optional<String> problem = check.problem(self);
    if (problem.isPresent()) {
      LOG.warn("{} of this ECU ({}) refused: {}", op, self, problem.get());
      untrack(tracker);
      return new EcuResult(self, FailureType.RECOVERABLE, problem.get());
    }
    EcuStatus now = local.status();
    if (now.status().isBusy()) {
      String why = "ECU " + self + " is busy: its status is " + now.status();
      LOG.warn("{} of this ECU ({}) refused: {}", op, self, why);
      untrack(tracker);
      return new EcuResult(self, FailureType.RECOVERABLE, why);
    }
    Answer answer;
    try {
      answer = Objects.requireNonNull(start.get(), "LocalEcu returned null");
    } catch (OtaException e) {
      LOG.warn("{} of this ECU ({}) refused: {}", op, self, e.getMessage());
      answer = new Answer(e.failureType() == FailureType.NO_FAILURE ? FailureType.RECOVERABLE : e.failureType(),
          e.failureReason());
    } catch (RuntimeException e) {
      LOG.error("{} of this ECU ({}) could not be started: {}", op, self, e.toString());
      LOG.debug("{} start failure detail", op, e);
      answer = Answer.refused(op + " could not be started: " + e);
    }
    if (answer.result() == FailureType.NO_FAILURE) {
      if (tracker != null) {
        // Any older gate belongs to an operation that has ended (the local ECU was not busy).
        trackers.removeIf(t -> t != tracker && !t.isWaiting());
        if (!trackers.contains(tracker)) {
          trackers.add(tracker);
        }
      }
      LOG.info("{} of this ECU ({}) started", op, self);
      pollChildren(false);
    } else {
      LOG.warn("{} of this ECU ({}) not started: {} {}", op, self, answer.result(), answer.message());
      untrack(tracker);
    }
    return new EcuResult(self, answer.result(), answer.message());
  }

  // ---------------------------------------------------------------------------------- abort

  /**
   * Handles an Abort request (reference §3): relays it to every direct child, whatever it names (6 s
   * deadline each; a child that does not answer or does not implement Abort is a failure naming
   * it), then asks the local update to stop if this ECU is named. Never waits for an update or
   * rollback request being handled.
   */
  public List<EcuResult> abort(EcuRequest<String> request) {
    Objects.requireNonNull(request);
    start();
    RequestCheck check = RequestCheck.ofIds(request);
    Set<String> ids = new HashSet<>(request.entries());
    LOG.info("abort request{} for {}", request.requestId().isEmpty() ? "" : " " + request.requestId(),
        request.entries());
    List<EcuResult> out = new ArrayList<>();
    for (ChildCalls.Reply reply : ChildCalls.send(calls, "abort", children, settings.ackDeadline(),
        child -> () -> transport.abort(child, request, settings.ackDeadline()))) {
      if (!reply.answered()) {
        out.add(new EcuResult(reply.link().id(), FailureType.RECOVERABLE,
            "ECU " + reply.link().id() + " did not take the abort: " + reply.failure()));
        continue;
      }
      reply.answers().stream().filter(r -> !RequestCheck.isBadId(r.ecuId())).forEach(out::add);
    }
    out.addAll(badIdAnswers("abort", check));
    String self = info.ecuId();
    if (ids.contains(self)) {
      Optional<String> problem = check.problem(self);
      out.add(problem.isPresent() ? new EcuResult(self, FailureType.RECOVERABLE, problem.get())
          : AbortAnswers.of(self, local.abort()));
    }
    if (request.direct()) {
      out.addAll(UnansweredIds.answers(info, children, request.entries(), out));
    }
    pollChildren(true);
    return out;
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
