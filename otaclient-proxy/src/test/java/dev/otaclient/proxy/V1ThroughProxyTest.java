package dev.otaclient.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.internal.fetch.HttpSettings;
import dev.otaclient.internal.image.v1.V1ImageBuilder;
import dev.otaclient.internal.update.UpdateEngine;
import dev.otaclient.internal.update.UpdateRequest;
import dev.otaclient.internal.update.UpdateSettings;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.testing.Nginx;
import dev.otaclient.testing.SampleRootfs;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.TreeSnapshot;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two ECUs of a vehicle install their payloads of one OTA image v1 through one ota_proxy: the origin
 * serves every blob at most once (documents, both tables, bundles, slices and zstd blobs), because each
 * request names the content it yields, and both slots are exact copies.
 */
class V1ThroughProxyTest {
  @Test
  void twoEcusFetchEachBlobOfTheImageFromTheOriginOnce(@TempDir Path tmp) throws Exception {
    assumeTrue(Nginx.available(), "nginx not installed");
    SignedImageFixture images = SignedImageFixture.create("v1-proxy", tmp.resolve("f"));
    Path rootfs = SampleRootfs.create(tmp.resolve("rootfs"));
    Files.write(SampleRootfs.at(rootfs, "/usr/share/big.bin"), SampleRootfs.randomBytes(200_000, 3));
    Files.createDirectories(SampleRootfs.at(rootfs, "/usr/share/doc/x").getParent());
    Files.writeString(SampleRootfs.at(rootfs, "/usr/share/doc/long.txt"), "documentation line\n".repeat(3000));
    V1ImageBuilder.into(images.www().resolve("v1"))
        .payload(new V1ImageBuilder.PayloadSpec("main", "dev", rootfs, List.of()))
        .payload(new V1ImageBuilder.PayloadSpec("sub", "dev", rootfs, List.of()))
        .sliceSize(64 * 1024)
        .signWith(images.ca().signingKey(), List.of(images.ca().signingCert(), images.ca().intermediateCert()))
        .build();
    try (Nginx nginx = Nginx.serve(images.www());
         OtaProxy proxy = OtaProxy.start(Fixtures.config(tmp.resolve("cache")))) {
      HttpSettings viaProxy = HttpSettings.defaults()
          .withProxy(new InetSocketAddress("127.0.0.1", proxy.address().getPort()));
      for (String ecu : List.of("main", "sub")) {
        Path state = tmp.resolve("ecu-" + ecu);
        UpdateEngine c = new UpdateEngine(ecu, new DirectorySlotController(state),
            UpdateSettings.defaults(images.caStore()).withHttp(viaProxy));
        c.start();
        EcuStatus s = c.update(UpdateRequest.of("1.0", nginx.imageUrl("v1"), "{}"));
        assertThat(s.status()).as(ecu + ": " + s.failureReason()).isEqualTo(OtaStatus.SUCCESS);
        assertThat(TreeSnapshot.of(state.resolve(DirectorySlotController.SLOT_B), SignedImageFixture.ENGINE_META))
            .isEqualTo(TreeSnapshot.of(rootfs));
        // the second ECU must find in the cache what the first one's requests stored
        proxy.awaitCommits();
      }
      Map<String, Integer> blobRequests = new HashMap<>();
      for (String line : nginx.accessLog()) {
        int at = line.indexOf("/v1/blobs/sha256/");
        if (at >= 0) {
          blobRequests.merge(line.substring(at, at + "/v1/blobs/sha256/".length() + 64), 1, Integer::sum);
        }
      }
      assertThat(blobRequests).isNotEmpty();
      assertThat(blobRequests).allSatisfy((path, n) -> assertThat(n).as(path).isEqualTo(1));
    }
  }
}
