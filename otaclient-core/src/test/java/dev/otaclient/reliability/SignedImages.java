package dev.otaclient.reliability;

import dev.otaclient.image.CaStore;
import dev.otaclient.image.build.ImageBuilder;
import dev.otaclient.image.sign.TestCa;
import dev.otaclient.testing.SampleRootfs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;

/**
 * A test CA and the signed images the reliability suites apply, all below one directory:
 * {@code cas/} (the CA store a device trusts), {@code www/<name>/} (images, served by nginx as is)
 * and {@code rootfs/<name>/} (the trees the images were built from, for comparing slots).
 */
final class SignedImages {
  /** Written by the engine into every slot, not part of the rootfs. */
  static final List<String> ENGINE_META = List.of("/opt/ota");

  final Path dir;
  final TestCa ca;
  final Path cas;
  private final Path cert;

  private SignedImages(Path dir, TestCa ca, Path cas, Path cert) {
    this.dir = dir;
    this.ca = ca;
    this.cas = cas;
    this.cert = cert;
  }

  static SignedImages create(Path dir) {
    TestCa ca = TestCa.create("reliability", Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30)));
    Path cas = dir.resolve("cas");
    ca.installInto(cas, "1");
    Path cert = dir.resolve("sign.pem");
    ca.writeSigningMaterial(dir.resolve("sign.key"), cert);
    return new SignedImages(dir, ca, cas, cert);
  }

  CaStore caStore() {
    return CaStore.load(cas);
  }

  Path www() {
    return dir.resolve("www");
  }

  Path rootfs(String name) {
    return dir.resolve("rootfs").resolve(name);
  }

  Path image(String name) {
    return www().resolve(name);
  }

  /** The sample rootfs (v1 of {@link SampleRootfs}) as image {@code name}. */
  Path sampleV1(String name) {
    SampleRootfs.create(rootfs(name));
    return build(name);
  }

  /**
   * {@link SampleRootfs#v2From} of an existing rootfs plus {@code bulkFiles} new files of seeded
   * sizes and contents (half incompressible, half text), so the regular-file phase has many steps.
   */
  Path v2WithBulk(String from, String name, int bulkFiles, long seed) {
    Path root = rootfs(name);
    SampleRootfs.v2From(rootfs(from), root);
    addBulk(root, "/usr/share/bulk", bulkFiles, seed, 512, 24 * 1024);
    return build(name);
  }

  /** Adds {@code n} files of {@code min..max} bytes below {@code imageDir} of {@code root}. */
  static void addBulk(Path root, String imageDir, int n, long seed, int min, int max) {
    Random r = new Random(seed);
    try {
      Path d = Files.createDirectories(SampleRootfs.at(root, imageDir));
      Files.setAttribute(d, "unix:mode", 0755);
      for (int i = 0; i < n; i++) {
        int size = min + r.nextInt(max - min + 1);
        byte[] content = i % 2 == 0 ? SampleRootfs.randomBytes(size, r.nextLong())
            : SampleRootfs.compressibleText("bulk-" + i, size).getBytes(StandardCharsets.UTF_8);
        Path f = d.resolve(String.format("f%04d.bin", i));
        Files.write(f, content);
        Files.setAttribute(f, "unix:mode", 0644);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Builds, signs and compresses {@code rootfs(name)} into {@code www/name}. */
  Path build(String name) {
    ImageBuilder.fromRootfs(rootfs(name)).outputDir(image(name))
        .signWith(ca.signingKey(), cert).compress(true).build();
    return image(name);
  }

  /** Whether the long (local) variant of the suites was asked for with {@code -Dreliability.long=true}. */
  static boolean longRun() {
    return Boolean.getBoolean("reliability.long");
  }

  /** The seed of the seeded suites: {@code -Dreliability.seed=N}, else a fixed default so CI is reproducible. */
  static long seed() {
    return Long.getLong("reliability.seed", 20_240_917L);
  }
}
