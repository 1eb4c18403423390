package dev.otaclient.testing;

import dev.otaclient.internal.image.CaStore;
import dev.otaclient.internal.image.build.ImageBuilder;
import dev.otaclient.internal.image.sign.TestCa;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * The signed-image set-up of the tests, all below one directory: a test CA (root, intermediate,
 * signing certificate) valid from yesterday for 30 days, the CA store a device trusts
 * ({@code cas/}, prefix {@code 1}), the signing key and certificate as files ({@code sign.key},
 * {@code sign.pem}), images ({@code www/<name>/}, served by nginx as they are) and the trees they were
 * built from ({@code rootfs/<name>/}, for comparing slots).
 */
public final class SignedImageFixture {
  /** Written by the engine into every slot, not part of a rootfs: leave it out when comparing. */
  public static final List<String> ENGINE_META = List.of("/opt/ota");

  private final Path dir;
  private final TestCa ca;
  private final Path cas;
  private final Path key;
  private final Path cert;

  private SignedImageFixture(Path dir, TestCa ca) {
    this.dir = dir;
    this.ca = ca;
    this.cas = dir.resolve("cas");
    this.key = dir.resolve("sign.key");
    this.cert = dir.resolve("sign.pem");
    ca.installInto(cas, "1");
    ca.writeSigningMaterial(key, cert);
  }

  /** A test CA named {@code name}, valid from yesterday for 30 days, with nothing written anywhere. */
  public static TestCa newCa(String name) {
    Instant now = Instant.now();
    return TestCa.create(name, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)));
  }

  /** A new CA with its store and signing material below {@code dir}. */
  public static SignedImageFixture create(Path dir) {
    return create("otaclient-test", dir);
  }

  /** The same with the CA's common names derived from {@code name}. */
  public static SignedImageFixture create(String name, Path dir) {
    return new SignedImageFixture(dir, newCa(name));
  }

  public Path dir() {
    return dir;
  }

  public TestCa ca() {
    return ca;
  }

  /** The CA store directory a device trusts. */
  public Path cas() {
    return cas;
  }

  public CaStore caStore() {
    return CaStore.load(cas);
  }

  /** The signing key, PEM. */
  public Path key() {
    return key;
  }

  /** The signing certificate, PEM (what an image ships as {@code sign.pem}). */
  public Path cert() {
    return cert;
  }

  public Path www() {
    return dir.resolve("www");
  }

  public Path rootfs(String name) {
    return dir.resolve("rootfs").resolve(name);
  }

  public Path image(String name) {
    return www().resolve(name);
  }

  /** A builder of {@code rootfs} into {@code out}, signed by this CA; nothing else set. */
  public ImageBuilder builder(Path rootfs, Path out) {
    return ImageBuilder.fromRootfs(rootfs).outputDir(out).signWith(ca.signingKey(), cert);
  }

  /** Builds, signs and compresses {@code rootfs(name)} into {@code www/name}. */
  public Path build(String name) {
    return build(name, b -> b);
  }

  /** The same with more builder options ({@code b -> b.compress(false)}, persistents, ...). */
  public Path build(String name, UnaryOperator<ImageBuilder> options) {
    options.apply(builder(rootfs(name), image(name)).compress(true)).build();
    return image(name);
  }

  /** The sample rootfs (v1 of {@link SampleRootfs}) as rootfs and image {@code name}. */
  public Path sampleV1(String name) {
    return sampleV1(name, b -> b);
  }

  public Path sampleV1(String name, UnaryOperator<ImageBuilder> options) {
    SampleRootfs.create(rootfs(name));
    return build(name, options);
  }

  /** {@link SampleRootfs#v2From} the rootfs {@code from} as rootfs and image {@code name}. */
  public Path sampleV2(String from, String name) {
    return sampleV2(from, name, b -> b);
  }

  public Path sampleV2(String from, String name, UnaryOperator<ImageBuilder> options) {
    SampleRootfs.v2From(rootfs(from), rootfs(name));
    return build(name, options);
  }

  /**
   * {@link SampleRootfs#v2From} of an existing rootfs plus {@code bulkFiles} new files of seeded
   * sizes and contents (half incompressible, half text), so the regular-file phase has many steps.
   */
  public Path v2WithBulk(String from, String name, int bulkFiles, long seed) {
    Path root = rootfs(name);
    SampleRootfs.v2From(rootfs(from), root);
    addBulk(root, "/usr/share/bulk", bulkFiles, seed, 512, 24 * 1024);
    return build(name);
  }

  /** Adds {@code n} files of {@code min..max} bytes below {@code imageDir} of {@code root}. */
  public static void addBulk(Path root, String imageDir, int n, long seed, int min, int max) {
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
}
