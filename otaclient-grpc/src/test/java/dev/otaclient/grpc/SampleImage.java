package dev.otaclient.grpc;

import dev.otaclient.image.build.ImageBuilder;
import dev.otaclient.image.sign.TestCa;
import dev.otaclient.testing.SampleRootfs;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * A signed v2 image of {@link SampleRootfs} under {@code <dir>/www/v2}, with its CA store in
 * {@code <dir>/certs}: the common setup of the tree tests.
 */
record SampleImage(Path certs, Path rootfs, Path www) {
  static SampleImage create(Path dir) {
    TestCa ca = TestCa.create("tree", Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(1)));
    Path certs = dir.resolve("certs");
    ca.installInto(certs, "1");
    Path cert = dir.resolve("sign.pem");
    ca.writeSigningMaterial(dir.resolve("sign.key"), cert);
    Path rootfs = SampleRootfs.create(dir.resolve("rootfs"));
    ImageBuilder.fromRootfs(rootfs).outputDir(dir.resolve("www/v2")).signWith(ca.signingKey(), cert).compress(true).build();
    return new SampleImage(certs, rootfs, dir.resolve("www"));
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
