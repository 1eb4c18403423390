package dev.otaclient.internal.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  @Test
  void backoffDoublesFromInitialAndIsCapped() {
    RetryPolicy p = RetryPolicy.defaults();
    assertThat(p.maxAttemptsPerFile()).isEqualTo(10);
    assertThat(p.backoffAfter(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(p.backoffAfter(2)).isEqualTo(Duration.ofMillis(200));
    assertThat(p.backoffAfter(5)).isEqualTo(Duration.ofMillis(1600));
    assertThat(p.backoffAfter(6)).isEqualTo(Duration.ofSeconds(3)); // 3.2 s capped
    assertThat(p.backoffAfter(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(3));
    assertThat(p.backoffAfter(0)).isEqualTo(Duration.ZERO);
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(() -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RetryPolicy(1, Duration.ofMillis(-1), Duration.ZERO, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void budgetStartsAtFirstFetchAndIsRenewedBySuccess() {
    AtomicLong now = new AtomicLong(1_000);
    DownloadBudget b = new DownloadBudget(Duration.ofSeconds(10), now::get);
    now.addAndGet(Duration.ofMinutes(5).toNanos()); // time before the first fetch does not count
    assertThat(b.exhausted()).isFalse();
    b.started();
    now.addAndGet(Duration.ofSeconds(6).toNanos());
    b.started(); // a later fetch does not restart the clock
    assertThat(b.remaining()).isEqualTo(Duration.ofSeconds(4));
    b.succeeded();
    now.addAndGet(Duration.ofSeconds(9).toNanos());
    assertThat(b.exhausted()).isFalse();
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    assertThat(b.exhausted()).isTrue();
    assertThat(b.remaining()).isEqualTo(Duration.ZERO);
  }
}
