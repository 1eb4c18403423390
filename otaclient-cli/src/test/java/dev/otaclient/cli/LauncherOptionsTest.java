package dev.otaclient.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The JVM options users get are written in several places: the launcher, the sample systemd
 * unit, the README and the AppCDS training run of the package step. They must be the same options, or
 * a device runs with settings nobody measured (docs/benchmarks.md).
 */
class LauncherOptionsTest {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

  @Test
  void everyPlaceShowsTheLaunchersDefaults() throws Exception {
    String defaults = FatJarIT.launcherDefaults();
    assertThat(defaults).startsWith("-X").contains("-XX:+UseSerialGC");
    // three ways to start: the JDK 25 with its AOT cache, java with the AppCDS archive, java alone
    assertThat(Files.readAllLines(REPO.resolve("otaclient")).stream().filter(l -> l.contains("exec \"")))
        .hasSize(3).allSatisfy(l -> assertThat(l).contains(" ${OTACLIENT_JAVA_OPTS:-$defaults} "));
    assertThat(Files.readString(REPO.resolve("docs/otaclient.service"))).contains("/usr/bin/java " + defaults + " -jar ");
    assertThat(Files.readString(REPO.resolve("README.md")).replace("\n", " ")).contains("(`" + defaults + "`");
    // the AppCDS training reads the launcher's defaults= line itself (as bench/workfs.sh does)
    assertThat(Files.readString(REPO.resolve("otaclient-cli/src/build/cds-training.sh")))
        .contains("launcher=$(dirname \"$0\")/../../../otaclient", "defaults=$(sed -n 's/^defaults=", "\"$java\" $defaults ",
            "\"$java25\" $defaults -XX:AOTCacheOutput=");
  }

  /**
   * The launcher's last options turn Java thread priorities into nice values (as root, for whom the
   * launcher keeps them): the lowest, which an update's threads run at, becomes nice 19, and every
   * other priority stays at nice 0, the JIT's threads included (HotSpot's own table would raise those
   * above the ECU's other processes).
   */
  @Test
  void theLowestThreadPriorityBecomesNice19AndEveryOtherStaysAtNice0() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "not root: the launcher leaves the priority options out");
    String defaults = FatJarIT.launcherDefaults();
    assertThat(defaults).contains("-XX:ThreadPriorityPolicy=1");
    // the JDK the tests run on, and the JDK 25 the launcher runs on where there is one
    List<Path> jdks = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")));
    FatJarIT.newestJdk25().ifPresent(jdks::add);
    for (Path jvm : jdks) {
      List<String> cmd = new java.util.ArrayList<>(List.of(jvm.toString()));
      cmd.addAll(Arrays.asList(defaults.split(" ")));
      cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ThreadNiceProbe.class.getName()));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as(out).isTrue();
      assertThat(p.exitValue()).as(out).isZero();
      assertThat(out.lines()).as(jvm + ": " + out).containsExactly("priority1=19", "priority5=0", "priority10=0", "C2=0");
    }
  }

  /**
   * A compile command whose method the code no longer has is silently without effect (the launcher
   * passes {@code quiet}, and the JVM never says that a pattern matched nothing): every method the
   * defaults name must exist under that name.
   */
  @Test
  void everyCompileCommandNamesAMethodThatExists() throws Exception {
    List<String> named = Arrays.stream(FatJarIT.launcherDefaults().split(" "))
        .filter(o -> o.startsWith("-XX:CompileCommand=") && o.contains(","))
        .map(o -> o.substring(o.indexOf(',') + 1).split(",")[0]).toList();
    assertThat(named).isNotEmpty();
    for (String pattern : named) {
      int dot = pattern.lastIndexOf('.');
      Class<?> type = Class.forName(pattern.substring(0, dot).replace('/', '.'));
      assertThat(Arrays.stream(type.getDeclaredMethods()).map(Method::getName)).as(pattern)
          .contains(pattern.substring(dot + 1));
    }
  }
}
