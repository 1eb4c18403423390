package dev.otaclient.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.internal.fetch.Cookies;
import dev.otaclient.internal.fetch.HttpSettings;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.Nginx;
import dev.otaclient.testing.SampleRootfs;
import dev.otaclient.testing.SignedImageFixture;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The download cap of one update, given with the request by an embedder. */
class DownloadCapTest {
  /** The cap's saved-up credit (RateLimit.BURST): that much may pass before the cap bites. */
  private static final long BURST = 64 * 1024;

  @Test
  void aRequestsCapSlowsThatUpdateDownEvenWhenTheClientHasNone(@TempDir Path w) throws Exception {
    assumeTrue(Nginx.available(), "nginx not installed");
    SignedImageFixture images = SignedImageFixture.create("cap", w);
    Path root = SampleRootfs.create(images.rootfs("capped"));
    // ~0.45 MB of incompressible files, so the transfer is long against the cap
    SignedImageFixture.addBulk(root, "/usr/share/bulk", 40, 7, 20_000, 24_000);
    images.build("capped");
    long rate = 100_000;
    try (Nginx nginx = Nginx.serve(images.www())) {
      OtaClient client = OtaClient.builder().ecuId("autoware").directorySlots(w.resolve("state"))
          .trustedCertificates(images.cas()).build();
      long t0 = System.nanoTime();
      EcuStatus end = client.update(UpdateRequest.of(nginx.imageUrl("capped")).withVersion("1.0")
          .withMaxDownloadRate(rate));
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertThat(end.status()).as(end.failureReason()).isEqualTo(OtaStatus.SUCCESS);
      long downloaded = client.lastCompletedBuild().orElseThrow().downloadBytes();
      assertThat(downloaded).isGreaterThan(400_000);
      // a lower bound only: uncapped this takes well under a second; a busy machine only adds time
      assertThat(seconds).isGreaterThanOrEqualTo((downloaded - BURST) / (double) rate);
    }
  }

  @Test
  void aRequestsCapReplacesTheClientsAndZeroLiftsIt() {
    HttpSettings client = HttpSettings.defaults().withBandwidthLimit(1000);
    var plain = new dev.otaclient.internal.update.UpdateRequest("1.0", "http://h/i/", Cookies.none());
    assertThat(plain.http(client).maxBytesPerSecond()).hasValue(1000);
    assertThat(plain.withMaxDownloadRate(OptionalLong.of(5000)).http(client).maxBytesPerSecond()).hasValue(5000);
    assertThat(plain.withMaxDownloadRate(OptionalLong.of(0)).http(client).maxBytesPerSecond()).isEmpty();
    assertThat(UpdateRequest.of("http://h/i/").withMaxDownloadRate(5000).withVersion("2").withCookie("a", "b")
        .maxDownloadRate()).hasValue(5000);
  }
}
