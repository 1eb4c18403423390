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
 * The memory budget for OTA image v1: planning a 100 000-file payload from its file table
 * fits the launcher's heap cap (-Xmx160m, as {@code ./otaclient} starts the JVM). Run in a child JVM
 * so the limit is real; an OutOfMemoryError there fails this test.
 */
class V1PlanMemoryTest {
  @Test
  void planningOneHundredThousandFilesFromAFileTableFitsTheLaunchersHeap(@TempDir Path tmp) throws Exception {
    Process p = JavaChild.start(V1PlanMemoryProbe.class, List.of("-Xmx160m", "-XX:+UseSerialGC"),
        List.of(tmp.resolve("table").toString(), "100000"));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("PLANNED 100000 files, 89000 contents").doesNotContain("OutOfMemoryError");
    System.out.println(out);
  }
}
