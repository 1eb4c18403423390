package dev.otaclient.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.otaclient.testing.Await;
import dev.otaclient.testing.Nginx;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.Tmpfs;
import dev.otaclient.testing.TreeSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every image source takes exactly the names the image format takes: one image whose names are
 * hostile but legal (tab and other control characters, quotes, {@code %2F}, Unicode) installed with
 * {@code apply} from HTTP (nginx), a directory, a {@code .tar} and a {@code .tar.zst} gives the same
 * slot each time. And an interrupted {@code apply} from a {@code .tar.zst} leaves no decompressed copy.
 */
class LocalSourcesIT {
  /** Names a Linux file may have and a list may hold; none has a line break. */
  static final List<String> NAMES = List.of("tab\there", "bell\u0007and\u001b[31mescape", "del\u007f",
      "c1\u0085control", "single'quote", "double\"quote", "back\\slash", "pct%2Fslash", "pct%41", "sp ace",
      "ünïcödé", "日本語", "emoji😀", "?query#frag", "-leading-dash", "trailing.");

  @TempDir static Path w;
  static SignedImageFixture images;
  static Path image;

  @BeforeAll
  static void build() throws IOException {
    images = SignedImageFixture.create("names", w);
    Path rootfs = Files.createDirectories(w.resolve("rootfs"));
    Path dir = Files.createDirectories(rootfs.resolve("srv/odd\tdir 'x' %2F ü"));
    for (String name : NAMES) {
      Files.writeString(dir.resolve(name), "content of " + name + "\n", StandardCharsets.UTF_8);
    }
    Files.createSymbolicLink(dir.resolve("link\tto 'tab'"), Path.of("tab\there"));
    image = w.resolve("www/odd");
    JarRun b = JarRun.of("image", "build", "--rootfs", rootfs.toString(), "--out", image.toString(),
        "--sign-key", images.key().toString(), "--cert", images.cert().toString(), "--certs", images.cas().toString(),
        "--compress");
    assertThat(b.exit()).as(b.toString()).isZero();
  }

  static TreeSnapshot apply(String url, String name) {
    Path state = w.resolve("state-" + name);
    JarRun a = JarRun.of("apply", "--url", url, "--certs", images.cas().toString(), "--state-dir", state.toString(),
        "--image-version", "odd", "--progress-every", "0");
    assertThat(a.exit()).as(a.toString()).isZero();
    assertThat(a.err()).as(a.toString()).isEmpty();
    // the updated slot is the one the device now runs
    return TreeSnapshot.of(state.resolve("slot_b"), SignedImageFixture.ENGINE_META);
  }

  @Test
  void everySourceInstallsTheSameSlot() {
    assumeTrue(Nginx.available(), "nginx not installed");
    Map<String, TreeSnapshot> slots = new LinkedHashMap<>();
    try (Nginx nginx = Nginx.serve(image.getParent())) {
      slots.put("http", apply(nginx.imageUrl("odd"), "http"));
    }
    slots.put("directory", apply(image.toString(), "dir"));
    slots.put("tar", apply(ImageArchive.pack(image, w.resolve("odd.tar")).toString(), "tar"));
    slots.put("tar.zst", apply(ImageArchive.pack(image, w.resolve("odd.tar.zst")).toString(), "zst"));

    TreeSnapshot http = slots.get("http");
    for (String name : NAMES) {
      assertThat(http.nodes()).as(name).containsKey("/srv/odd\tdir 'x' %2F ü/" + name);
    }
    assertThat(http.nodes()).containsKey("/srv/odd\tdir 'x' %2F ü/link\tto 'tab'");
    slots.forEach((source, tree) -> assertThat(tree.nodes()).as(source).isEqualTo(http.nodes()));
  }

  /**
   * {@code apply} from a {@code .tar.zst} decompresses into its work area below the state dir, never
   * into {@code java.io.tmpdir}: the JVM's tmpdir is a 3 MiB tmpfs, and the image decompresses to more
   * than 8 MiB. The work area is empty again after a success and after a refused image.
   */
  @Test
  void applyFromTarZstNeedsNoCopyInTmpAndCleansItsWorkArea() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
    Path rootfs = Files.createDirectories(w.resolve("roomy-rootfs/usr/share"));
    try (var out = Files.newOutputStream(rootfs.resolve("compressible.bin"))) {
      byte[] line = "a line that zstd takes down to almost nothing\n".getBytes(StandardCharsets.US_ASCII);
      for (int i = 0; i < (8 << 20) / line.length + 1; i++) {
        out.write(line);
      }
    }
    Path roomy = w.resolve("www/roomy");
    JarRun b = JarRun.of("image", "build", "--rootfs", rootfs.getParent().getParent().toString(), "--out",
        roomy.toString(), "--sign-key", images.key().toString(), "--cert", images.cert().toString());
    assertThat(b.exit()).as(b.toString()).isZero();
    Path archive = ImageArchive.pack(roomy, w.resolve("roomy.tar.zst"));

    try (Tmpfs smallTmp = Tmpfs.mount(w.resolve("small-tmp"), "size=3m,mode=1777")) {
      Path tmp = smallTmp.dir();
      Path state = w.resolve("state-roomy");
      JarRun ok = JarRun.withJvm(List.of("-Djava.io.tmpdir=" + tmp), "apply", "--url", archive.toString(), "--certs",
          images.cas().toString(), "--state-dir", state.toString(), "--image-version", "roomy", "--progress-every", "0");
      assertThat(ok.exit()).as(ok.toString()).isZero();
      assertThat(entries(tmp)).as(ok.toString()).isEmpty();
      assertThat(entries(state.resolve("work"))).as(ok.toString()).isEmpty();
      // exact: the installed slot is the image's rootfs (the engine keeps its own files below /opt/ota)
      assertThat(TreeSnapshot.of(state.resolve("slot_b"), List.of("/opt")).nodes())
          .isEqualTo(TreeSnapshot.of(w.resolve("roomy-rootfs")).nodes());

      // signed by a CA this device does not trust: refused after the archive was decompressed
      SignedImageFixture foreign = SignedImageFixture.create("foreign", w.resolve("foreign"));
      Path stateBad = w.resolve("state-bad");
      JarRun bad = JarRun.withJvm(List.of("-Djava.io.tmpdir=" + tmp), "apply", "--url", archive.toString(),
          "--certs", foreign.cas().toString(), "--state-dir", stateBad.toString(), "--image-version", "roomy",
          "--progress-every", "0");
      assertThat(bad.exit()).as(bad.toString()).isEqualTo(1);
      assertThat(bad.errLines()).as(bad.toString()).hasSize(1);
      assertThat(entries(tmp)).as(bad.toString()).isEmpty();
      assertThat(entries(stateBad.resolve("work"))).as(bad.toString()).isEmpty();
    }
  }

  @Test
  void anInterruptedApplyFromTarZstLeavesNoDecompressedCopy() throws Exception {
    // large enough that the decompressed copy exists for a while, and compressible so the archive is small
    Path rootfs = Files.createDirectories(w.resolve("big-rootfs/var/lib"));
    byte[] block = new byte[1 << 20];
    new Random(1).nextBytes(block);
    try (var out = Files.newOutputStream(rootfs.resolve("blob"))) {
      for (int i = 0; i < 300; i++) {
        out.write(block, 0, (i % 4 == 0) ? block.length : 4096);
        out.write(new byte[block.length - 4096]);
      }
    }
    Path big = w.resolve("www/big");
    JarRun b = JarRun.of("image", "build", "--rootfs", rootfs.getParent().getParent().toString(), "--out", big.toString(),
        "--sign-key", images.key().toString(), "--cert", images.cert().toString());
    assertThat(b.exit()).as(b.toString()).isZero();
    Path archive = ImageArchive.pack(big, w.resolve("big.tar.zst"));

    Path tmp = Files.createDirectories(w.resolve("tmp"));
    Path work = w.resolve("state-big/work");
    List<String> cmd = new ArrayList<>(List.of(JarRun.command().get(0), "-Djava.io.tmpdir=" + tmp));
    cmd.addAll(JarRun.command().subList(1, JarRun.command().size()));
    cmd.addAll(List.of("apply", "--url", archive.toString(), "--certs", images.cas().toString(),
        "--state-dir", w.resolve("state-big").toString(), "--progress-every", "0"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(w.resolve("big.log").toFile()).start();
    Await.until("the decompressed copy in " + work, () -> !p.isAlive() || decompressedCopies(work) > 0);
    new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String log = Files.readString(w.resolve("big.log"));
    assertThat(decompressedCopies(work)).as(log).isZero();
    assertThat(entries(tmp)).as(log).isEmpty();
  }

  /** Decompressed archives anywhere below {@code dir} (the work area holds one directory per update). */
  private static long decompressedCopies(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(f -> f.getFileName().toString().startsWith("otaclient-image-")).count();
    } catch (IOException | java.io.UncheckedIOException e) {
      // the tree changes while it is walked, or does not exist yet
      return 0;
    }
  }

  private static List<Path> entries(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    }
  }
}
