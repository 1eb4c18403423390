package dev.otaclient.internal.update;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.testing.JavaChild;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory budget: parsing and planning a 100 000-file image fits a 64 MiB heap. Run in a
 * child JVM so the limit is real; an OutOfMemoryError there fails this test.
 */
class PlanMemoryTest {
  @Test
  void planningOneHundredThousandFilesFitsIn64MiBOfHeap(@TempDir Path tmp) throws Exception {
    Process p = JavaChild.start(PlanMemoryProbe.class, List.of("-Xmx64m", "-XX:+UseSerialGC"),
        List.of(tmp.resolve("lists").toString(), "100000"));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("PLANNED 100000 files").doesNotContain("OutOfMemoryError");
    System.out.println(out);
  }
}
