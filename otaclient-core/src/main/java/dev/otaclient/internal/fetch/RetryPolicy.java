package dev.otaclient.internal.fetch;

import java.time.Duration;
import java.util.Objects;

/**
 * How hard a fetcher tries: at most {@code maxAttemptsPerFile} attempts per file with capped exponential
 * backoff between them, and no retry at all once no fetch has succeeded for {@code noSuccessBudget}
 * (a dead network then fails the update in minutes instead of attempts × files).
 */
public record RetryPolicy(int maxAttemptsPerFile, Duration initialBackoff, Duration maxBackoff,
                          Duration noSuccessBudget) {
  public RetryPolicy {
    if (maxAttemptsPerFile < 1) {
      throw new IllegalArgumentException("maxAttemptsPerFile must be >= 1: " + maxAttemptsPerFile);
    }
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    Objects.requireNonNull(noSuccessBudget, "noSuccessBudget");
    if (initialBackoff.isNegative() || maxBackoff.isNegative() || noSuccessBudget.isNegative()) {
      throw new IllegalArgumentException("retry durations must not be negative");
    }
  }

  /** 10 attempts, 100 ms doubling up to 3 s (the Python client's cap), 5 minutes without any success. */
  public static RetryPolicy defaults() {
    return new RetryPolicy(10, Duration.ofMillis(100), Duration.ofSeconds(3), Duration.ofMinutes(5));
  }

  /** Wait after the {@code failedAttempt}-th failure (1-based): initial × 2^(n-1), capped at maxBackoff. */
  public Duration backoffAfter(int failedAttempt) {
    if (failedAttempt < 1) {
      return Duration.ZERO;
    }
    Duration d = initialBackoff;
    for (int i = 1; i < failedAttempt && d.compareTo(maxBackoff) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
  }
}
