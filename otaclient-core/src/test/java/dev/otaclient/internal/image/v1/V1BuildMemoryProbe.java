package dev.otaclient.internal.image.v1;

import dev.otaclient.internal.image.sign.TestCa;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Run in a child JVM with a small heap by {@link V1BuildMemoryTest}: makes a rootfs of {@code n}
 * distinct small files (100 to 4 000 bytes: inline, bundled) in directories of 100, and builds an OTA
 * image v1 of it. The builder keeps its bookkeeping in the tables it writes, so the heap does not grow
 * with the file count.
 */
public final class V1BuildMemoryProbe {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int n = Integer.parseInt(args[1]);
    Path root = dir.resolve("rootfs");
    byte[] pad = "0123456789abcdef".repeat(256).getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < n; i++) {
      Path d = root.resolve("usr/share/pkg-" + (i / 100));
      if (i % 100 == 0) {
        Files.createDirectories(d);
      }
      int len = 100 + (i * 37) % 3_900;
      byte[] b = new byte[len];
      System.arraycopy(pad, 0, b, 0, len);
      byte[] id = Integer.toString(i).getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(id, 0, b, 0, id.length);
      Files.write(d.resolve("file-" + i + ".dat"), b);
    }
    TestCa ca = TestCa.create("probe", Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(1)));
    V1ImageBuilder.Result r = V1ImageBuilder.into(dir.resolve("image"))
        .payload(new V1ImageBuilder.PayloadSpec("main", "dev", root, List.of()))
        .signWith(ca.signingKey(), List.of(ca.signingCert(), ca.intermediateCert()))
        .build();
    System.gc();
    Runtime rt = Runtime.getRuntime();
    System.out.println("BUILT " + r.regularFiles() + " files, " + r.blobs() + " blobs, heap used "
        + (rt.totalMemory() - rt.freeMemory()) / (1 << 20) + " MiB of max " + rt.maxMemory() / (1 << 20) + " MiB");
  }
}
