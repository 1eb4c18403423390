package dev.otaclient.internal.ecu;

import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reboot gate of one local update or rollback: it tracks, for each child that was sent the
 * request, the ids that child is expected to finish, fed by the status poller, and opens once each
 * id has finished or has not been heard of for {@code lostAfter}.
 *
 * <p>An id counts only from reports of polls that started after the child acknowledged, so a report
 * from before the request can never open the gate.
 */
final class RebootTracker implements RebootGate {
  private static final Logger LOG = LoggerFactory.getLogger(RebootTracker.class);

  enum Kind { UPDATE, ROLLBACK }

  /** One id expected to finish. {@code confirmed}: the child acknowledged it with NO_FAILURE. */
  private static final class Watch {
    final String childId;
    final String id;
    final boolean confirmed;
    final long ackNanos;
    long lastSeenNanos;
    OtaStatus lastStatus;
    boolean finished;
    boolean lost;

    Watch(String childId, String id, boolean confirmed, long ackNanos) {
      this.childId = childId;
      this.id = id;
      this.confirmed = confirmed;
      this.ackNanos = ackNanos;
      this.lastSeenNanos = ackNanos;
    }
  }

  private final String selfId;
  private final Kind kind;
  private final long lostAfterNanos;
  private final long recheckNanos;
  private final Duration lostAfter;
  private final Map<String, Watch> watches = new LinkedHashMap<>();
  private final Runnable onFinished;
  private boolean waiting;
  private boolean closed;
  private String lastLogged;

  RebootTracker(String selfId, Kind kind, Duration lostAfter, Duration recheck, Runnable onFinished) {
    this.selfId = selfId;
    this.kind = kind;
    this.lostAfter = lostAfter;
    this.lostAfterNanos = lostAfter.toNanos();
    this.recheckNanos = recheck.toNanos();
    this.onFinished = onFinished;
  }

  /**
   * Expects {@code ids} of {@code childId}'s subtree to finish. {@code confirmed} ids were accepted
   * by the child; an unconfirmed one (the child did not answer in time, so it may or may not have
   * started) is finished as soon as it is seen not busy.
   */
  synchronized void track(String childId, Collection<String> ids, boolean confirmed, long ackNanos) {
    for (String id : ids) {
      watches.putIfAbsent(id, new Watch(childId, id, confirmed, ackNanos));
    }
  }

  synchronized boolean tracksAnything() {
    return !watches.isEmpty();
  }

  synchronized boolean isWaiting() {
    return waiting;
  }

  /** A successful poll of {@code childId}: note which of its ids were seen and which finished. */
  synchronized void onReport(String childId, long pollStartedNanos, StatusReport report) {
    boolean changed = false;
    long now = System.nanoTime();
    for (EcuStatus s : report.ecus()) {
      Watch w = watches.get(s.ecuId());
      if (w == null || !w.childId.equals(childId) || pollStartedNanos - w.ackNanos <= 0) {
        continue;
      }
      w.lastSeenNanos = now;
      w.lastStatus = s.status();
      if (!w.finished && isFinished(w, s.status())) {
        w.finished = true;
        changed = true;
      }
    }
    if (changed) {
      notifyAll();
    }
  }

  private boolean isFinished(Watch w, OtaStatus s) {
    if (kind == Kind.UPDATE && w.confirmed) {
      // an aborted child is done too: it keeps its running slot and will not reboot
      return s == OtaStatus.SUCCESS || s == OtaStatus.FAILURE || s == OtaStatus.ABORTED;
    }
    return !s.isBusy();
  }

  /** Releases a waiting update without permission: the tree is shutting down. */
  synchronized void close() {
    closed = true;
    notifyAll();
  }

  @Override
  public void awaitRebootPermission() throws InterruptedException {
    try {
      synchronized (this) {
        waiting = true;
        while (true) {
          if (closed) {
            throw new InterruptedException("ECU tree of " + selfId + " shut down while waiting to reboot");
          }
          long now = System.nanoTime();
          markLost(now);
          List<Watch> pending = watches.values().stream().filter(w -> !w.finished && !w.lost).toList();
          if (pending.isEmpty()) {
            if (watches.isEmpty()) {
              LOG.info("{} of {}: no child to wait for, reboot permitted", kind.name().toLowerCase(), selfId);
            } else {
              LOG.info("{} of {}: reboot permitted, children done: {}", kind.name().toLowerCase(), selfId,
                  describe(watches.values()));
            }
            return;
          }
          String text = describe(pending);
          if (!text.equals(lastLogged)) {
            LOG.info("{} of {}: reboot waits for children: {}", kind.name().toLowerCase(), selfId, text);
            lastLogged = text;
          }
          long nextLost = pending.stream().mapToLong(w -> w.lastSeenNanos + lostAfterNanos - now).min().orElse(recheckNanos);
          TimeUnit.NANOSECONDS.timedWait(this, Math.max(1_000_000L, Math.min(recheckNanos, nextLost)));
        }
      }
    } finally {
      synchronized (this) {
        waiting = false;
      }
      onFinished.run();
    }
  }

  private void markLost(long now) {
    for (Watch w : watches.values()) {
      if (!w.finished && !w.lost && now - w.lastSeenNanos >= lostAfterNanos) {
        w.lost = true;
        LOG.warn("{} of {}: ECU {} (behind {}) not heard of for {}; treated as lost, no longer waited for",
            kind.name().toLowerCase(), selfId, w.id, w.childId, lostAfter);
      }
    }
  }

  /** What the reboot is waiting for, while it is; for status displays. */
  synchronized Optional<String> waitReason() {
    if (!waiting) {
      return Optional.empty();
    }
    List<Watch> pending = watches.values().stream().filter(w -> !w.finished && !w.lost).toList();
    return pending.isEmpty() ? Optional.empty() : Optional.of("waiting for " + describe(pending));
  }

  private static String describe(Collection<Watch> ws) {
    List<String> parts = new ArrayList<>();
    for (Watch w : ws) {
      String state;
      if (w.lost) {
        state = "lost";
      } else if (w.lastStatus == null) {
        state = "not reported yet";
      } else {
        state = w.lastStatus.name();
      }
      parts.add(w.id + " " + state);
    }
    return parts.stream().collect(Collectors.joining(", "));
  }
}
