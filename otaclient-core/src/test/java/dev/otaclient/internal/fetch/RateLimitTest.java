package dev.otaclient.internal.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The cap's arithmetic on a simulated clock: the sleeper advances time instead of sleeping. */
class RateLimitTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  private RateLimit limit(long rate) {
    return new RateLimit(rate, now::get, nanos -> now.addAndGet(nanos));
  }

  @Test
  void aLongTransferTakesItsSizeOverTheRateWithinOneBurst() throws Exception {
    long rate = 1_000_000; // 1 MB/s
    RateLimit l = limit(rate);
    long start = now.get();
    long total = 0;
    for (int i = 0; i < 10_000; i++) { // 10 MB in 1000-byte reads
      l.admit(1000);
      total += 1000;
    }
    double seconds = (now.get() - start) / 1e9;
    assertThat(total / seconds).isBetween(rate * 0.99, rate * 1.01);
    // the burst is the only head start: 10 s of transfer minus at most BURST/rate
    assertThat(seconds).isBetween(10.0 - RateLimit.BURST / (double) rate - 0.001, 10.0);
  }

  @Test
  void idleTimeEarnsAtMostOneBurst() throws Exception {
    RateLimit l = limit(100_000);
    now.addAndGet(60_000_000_000L); // a minute idle
    assertThat(l.reserve(RateLimit.BURST)).isZero();
    assertThat(l.reserve(100_000)).isEqualTo(1_000_000_000L); // the next 100 kB wait one second
  }

  @Test
  void aFastCapSavesUpATenthOfASecond() {
    RateLimit l = limit(20_000_000);
    assertThat(l.burst()).isEqualTo(2_000_000);
    now.addAndGet(60_000_000_000L);
    assertThat(l.reserve(2_000_000)).isZero();
    assertThat(l.reserve(20_000_000)).isEqualTo(1_000_000_000L);
  }

  @Test
  void concurrentReadersShareTheCapInsteadOfEachGettingIt() {
    RateLimit l = limit(1000);
    l.reserve(RateLimit.BURST); // credit used up
    long a = l.reserve(1000);   // one second of debt
    long b = l.reserve(1000);   // booked behind it
    assertThat(a).isEqualTo(1_000_000_000L);
    assertThat(b).isEqualTo(2_000_000_000L);
  }

  @Test
  void aThrottledStreamDeliversEveryByteAndAWaitIsInterruptible() throws Exception {
    byte[] data = new byte[300_000];
    RateLimit l = limit(100_000);
    long start = now.get();
    try (InputStream in = l.throttle(new ByteArrayInputStream(data))) {
      assertThat(in.readAllBytes()).hasSize(data.length);
    }
    assertThat((now.get() - start) / 1e9).isBetween(2.3, 3.0);

    RateLimit interrupting = new RateLimit(1, now::get, nanos -> {
      throw new InterruptedException();
    });
    assertThatThrownBy(() -> interrupting.admit(RateLimit.BURST + 10)).isInstanceOf(InterruptedIOException.class);
    assertThat(Thread.interrupted()).isTrue();
  }
}
