package dev.otaclient.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateWindowTest {
  private static final long S = 1_000_000_000L;

  @Test
  void theEtaFollowsTheRecentRateNotTheAverageSinceTheStart() {
    RateWindow w = new RateWindow(Duration.ofSeconds(20));
    // 900 MB copied in the first 10 s, then 1 MB/s of downloads for 30 s
    w.add(0, 0);
    w.add(10 * S, 900_000_000L);
    for (int t = 11; t <= 40; t++) {
      w.add(t * S, 900_000_000L + (t - 10) * 1_000_000L);
    }
    assertThat(w.perSecond().getAsDouble()).isBetween(0.99e6, 1.01e6);
    // 70 MB left at 1 MB/s; the average since the start (23.25 MB/s) would have said 3 s
    assertThat(w.eta(1_000_000_000L)).hasValueSatisfying(d -> assertThat(d.toSeconds()).isBetween(69L, 71L));
  }

  @Test
  void noRateNoEta() {
    RateWindow w = new RateWindow(Duration.ofSeconds(20));
    assertThat(w.eta(100)).isEmpty();
    w.add(0, 10);
    w.add(5 * S, 10);
    assertThat(w.eta(100)).isEmpty(); // stalled: unknown, not "0 s"
    w.add(6 * S, 0); // a new operation from zero
    assertThat(w.perSecond()).isEmpty();
  }
}
