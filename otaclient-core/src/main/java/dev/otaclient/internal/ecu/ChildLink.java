package dev.otaclient.internal.ecu;

import dev.otaclient.status.EcuStatus;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this ECU knows about one direct child: the outcome of the last status poll, and whether a
 * poll is running. Times are {@link System#nanoTime()} values.
 */
final class ChildLink {
  private static final Logger LOG = LoggerFactory.getLogger(ChildLink.class);

  /** The outcome of one poll; {@code report} is null when it failed. */
  record Poll(StatusReport report, long startedNanos, long finishedNanos, String error) {
    boolean ok() {
      return report != null;
    }
  }

  private final SecondaryEcu ecu;
  private volatile Poll last;
  private volatile CompletableFuture<StatusReport> inFlight;
  private volatile boolean repollWhenDone;
  /**
   * Reports from polls started before this time are not shown. Set when the child acknowledged an
   * update: an older report describes the child before it accepted (e.g. SUCCESS of a previous
   * update), and passing that upwards would let an ancestor think the child had already finished.
   */
  private volatile Long hideBefore;

  ChildLink(SecondaryEcu ecu) {
    this.ecu = ecu;
  }

  SecondaryEcu ecu() {
    return ecu;
  }

  String id() {
    return ecu.ecuId();
  }

  Optional<Poll> last() {
    return Optional.ofNullable(last);
  }

  void hideReportsStartedBefore(long nanos) {
    hideBefore = nanos;
  }

  /**
   * Starts a poll unless one is running; with {@code force}, a running poll is followed by a fresh
   * one as soon as it ends (its answer may predate whatever made the caller want fresh news).
   */
  void poll(EcuTransport transport, DeadlineCalls calls, Duration deadline, boolean force,
      BiConsumer<ChildLink, Poll> onDone) {
    synchronized (this) {
      CompletableFuture<StatusReport> running = inFlight;
      if (running != null && !running.isDone()) {
        if (force) {
          repollWhenDone = true;
        }
        return;
      }
      repollWhenDone = false;
      long started = System.nanoTime();
      CompletableFuture<StatusReport> f =
          calls.call(() -> transport.status(ecu, deadline), deadline, "status of " + id());
      inFlight = f;
      f.whenComplete((report, error) -> {
        Poll p;
        if (error == null && report != null) {
          p = new Poll(report, started, System.nanoTime(), null);
        } else {
          Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
          String why = cause == null ? "empty answer" : cause.getClass().getSimpleName() + ": " + cause.getMessage();
          p = new Poll(null, started, System.nanoTime(), why);
          Poll before = last;
          if (before == null || before.ok()) {
            LOG.warn("ECU {} ({}:{}) did not answer status: {}", id(), ecu.ipAddr(), ecu.port(), why);
          }
        }
        last = p;
        onDone.accept(this, p);
        if (repollWhenDone) {
          poll(transport, calls, deadline, false, onDone);
        }
      });
    }
  }

  /** The last report if its poll succeeded, is at most {@code maxAgeNanos} old and is not hidden. */
  Optional<StatusReport> freshReport(long now, long maxAgeNanos) {
    Poll p = last;
    if (p == null || !p.ok() || now - p.finishedNanos() > maxAgeNanos) {
      return Optional.empty();
    }
    Long hide = hideBefore;
    if (hide != null && p.startedNanos() - hide <= 0) {
      return Optional.empty();
    }
    return Optional.of(p.report());
  }

  /**
   * The ids the child reported for its subtree (itself included) in its last successful poll,
   * however old: where requests for those ids are routed.
   */
  java.util.Set<String> subtreeIds() {
    Poll p = last;
    java.util.Set<String> ids = new java.util.LinkedHashSet<>();
    ids.add(id());
    if (p != null && p.ok()) {
      p.report().ecus().forEach(s -> ids.add(s.ecuId()));
    }
    return ids;
  }

  /** Whether the last known report shows any ECU of this subtree updating or rolling back. */
  boolean lastShowsBusy() {
    Poll p = last;
    return p != null && p.ok() && p.report().ecus().stream().map(EcuStatus::status).anyMatch(s -> s.isBusy());
  }
}
