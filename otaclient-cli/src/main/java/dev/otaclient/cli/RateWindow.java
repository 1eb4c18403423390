package dev.otaclient.cli;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.OptionalDouble;

/**
 * The rate of a growing counter over the last few seconds, not since the start: an update that copies
 * fast and then downloads slowly must not promise the copy's speed for the download (an ETA from the
 * average since the start said "2 s" with 30 s left).
 */
final class RateWindow {
  private record Sample(long nanos, long value) {}

  private final long spanNanos;
  private final Deque<Sample> samples = new ArrayDeque<>();

  RateWindow(Duration span) {
    this.spanNanos = span.toNanos();
  }

  synchronized void add(long nanos, long value) {
    if (!samples.isEmpty() && value < samples.peekLast().value()) {
      samples.clear(); // a new operation started again from zero
    }
    samples.addLast(new Sample(nanos, value));
    while (samples.size() > 2 && nanos - samples.peekFirst().nanos() > spanNanos) {
      samples.removeFirst();
    }
  }

  /** Units per second over the window; empty until two samples at least a second apart. */
  synchronized OptionalDouble perSecond() {
    if (samples.size() < 2) {
      return OptionalDouble.empty();
    }
    Sample first = samples.peekFirst();
    Sample last = samples.peekLast();
    long dt = last.nanos() - first.nanos();
    return dt < 1_000_000_000L ? OptionalDouble.empty() : OptionalDouble.of((last.value() - first.value()) * 1e9 / dt);
  }

  /** Time to reach {@code total} at the window's rate; empty while the rate is unknown or zero. */
  synchronized java.util.Optional<Duration> eta(long total) {
    OptionalDouble rate = perSecond();
    if (rate.isEmpty() || rate.getAsDouble() <= 0 || samples.isEmpty()) {
      return java.util.Optional.empty();
    }
    long left = Math.max(0, total - samples.peekLast().value());
    return java.util.Optional.of(Duration.ofMillis((long) (left / rate.getAsDouble() * 1000)));
  }
}
