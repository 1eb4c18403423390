package dev.otaclient.internal.image.v1;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.testing.JavaChild;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The v1 builder's heap does not grow with the number of files: 60 000 distinct small files (inline
 * and bundled contents) build in a child JVM capped at 16 MiB of heap. Keeping a digest map per
 * content, as the builder did before its bookkeeping moved into its tables, needs more than twice that
 * (measured: out of memory at 16 MiB for 50 000 files, at 32 MiB for 100 000). The count keeps the test
 * near 20 s on two cores.
 */
class V1BuildMemoryTest {
  private static final int FILES = 60_000;

  @Test
  void buildingSixtyThousandFilesFitsASixteenMebibyteHeap(@TempDir Path tmp) throws Exception {
    Process p = JavaChild.start(V1BuildMemoryProbe.class, List.of("-Xmx16m", "-XX:+UseSerialGC"),
        List.of(tmp.toString(), Integer.toString(FILES)));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    assertThat(out).doesNotContain("OutOfMemoryError");
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("BUILT " + FILES + " files");
  }
}
