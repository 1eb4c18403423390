package dev.otaclient.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.internal.image.sign.TestCa;
import dev.otaclient.testing.Await;
import dev.otaclient.testing.ReservedPort;
import dev.otaclient.testing.SampleRootfs;
import dev.otaclient.testing.SignedImageFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged fat jar run as a user runs it: a separate process (after `package`, by failsafe). */
class FatJarIT {
  static final Path JAR = Path.of("target", "otaclient.jar");

  static String run(List<String> args, int expectedExit, int timeoutSeconds) throws Exception {
    return run(List.of(), args, expectedExit, timeoutSeconds);
  }

  static String run(List<String> jvmOptions, List<String> args, int expectedExit, int timeoutSeconds) throws Exception {
    assertThat(JAR).exists();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new java.util.ArrayList<>(List.of(java));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-jar", JAR.toString()));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(timeoutSeconds, TimeUnit.SECONDS)).as(out).isTrue();
    assertThat(p.exitValue()).as(out).isEqualTo(expectedExit);
    return out;
  }

  static final Path LAUNCHER = Path.of("..", "otaclient").toAbsolutePath().normalize();

  /** The ./otaclient launcher's default JVM options (its {@code defaults=} line). */
  static String launcherDefaults() throws java.io.IOException {
    return Files.readAllLines(LAUNCHER).stream().filter(l -> l.startsWith("defaults=\""))
        .map(l -> l.replaceAll("defaults=\"([^\"]*)\"", "$1")).findFirst().orElseThrow();
  }

  /**
   * picocli is compiled for Java 5, and class-data sharing refuses classes older than Java 6: the
   * package step lifts them (src/build/LiftClassVersion.java), so the launcher's archive holds them
   * and a start does not read and verify ~170 classes from the jar. The lifted classes run: this
   * parses and prints help through them.
   */
  @Test
  void picocliComesFromTheLaunchersClassDataArchive() throws Exception {
    try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(JAR.toFile())) {
      byte[] head = z.getInputStream(z.getEntry("picocli/CommandLine.class")).readNBytes(8);
      assertThat(((head[6] & 0xff) << 8) | (head[7] & 0xff)).as("class file version of picocli.CommandLine")
          .isGreaterThanOrEqualTo(50);
    }
    Path jsa = JAR.resolveSibling("otaclient.jsa");
    // -Dotaclient.cds.skip=true packages without an archive (and leaves an older one stale)
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(jsa)
        && Files.getLastModifiedTime(jsa).compareTo(Files.getLastModifiedTime(JAR)) >= 0, "no AppCDS archive of this jar");
    List<String> jvm = new java.util.ArrayList<>(List.of(launcherDefaults().split(" ")));
    jvm.addAll(List.of("-XX:SharedArchiveFile=" + jsa, "-Xlog:cds=off", "-Xlog:class+load=info"));
    String out = run(jvm, List.of("apply", "--help"), 0, 60);
    assertThat(out).contains("Usage: otaclient apply");
    assertThat(out.lines().filter(l -> l.contains(" picocli.CommandLine$Model$OptionSpec ")))
        .singleElement().asString().contains("shared objects file");
  }

  /**
   * The ./otaclient launcher with its default JVM options prints nothing on stderr for a good command:
   * a JVM warning about the options (once the case with -Xmn beside an 8 MiB initial heap) would be a
   * line on every command. Run without the AppCDS archive too, where no -Xlog option hides warnings.
   */
  @Test
  void theLauncherDefaultsKeepStderrEmpty() throws Exception {
    String defaults = launcherDefaults();
    String jar = LAUNCHER.getParent().resolve("otaclient-cli/target/otaclient.jar").toString();
    List<ProcessBuilder> runs = new java.util.ArrayList<>(List.of(new ProcessBuilder("sh", LAUNCHER.toString(), "--version"),
        new ProcessBuilder("sh", "-c", "exec java " + defaults + " -jar \"$1\" --version", "sh", jar)));
    // as another user than root, the launcher leaves out the priority options, for which the JVM
    // would warn that it may lack the permission
    List<String> asNobody = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
    if ("root".equals(System.getProperty("user.name")) && new ProcessBuilder(concat(asNobody, List.of("test", "-r", jar))).start().waitFor() == 0) {
      runs.add(new ProcessBuilder(concat(asNobody, List.of("sh", LAUNCHER.toString(), "--version"))));
    }
    for (ProcessBuilder pb : runs) {
      Ran r = runToZero(pb, 60);
      assertThat(r.out()).startsWith("otaclient ");
      assertThat(r.err()).as("stderr of " + pb.command()).isEmpty();
    }
  }

  record Ran(String out, String err) {}

  /** Runs a process to its end within the timeout, and expects exit status 0 (its stderr the reason if not). */
  static Ran runToZero(ProcessBuilder pb, int timeoutSeconds) throws Exception {
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(timeoutSeconds, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(err).isZero();
    return new Ran(out, err);
  }

  /**
   * The java of the newest JDK at feature release 25 or later under /usr/lib/jvm (as the package step
   * looks for it: by the JDK's release file), if there is one.
   */
  static java.util.Optional<Path> newestJdk25() throws java.io.IOException {
    Path jvms = Path.of("/usr/lib/jvm");
    if (!Files.isDirectory(jvms)) {
      return java.util.Optional.empty();
    }
    Path best = null;
    int bestFeature = 0;
    try (var dirs = Files.list(jvms)) {
      for (Path d : dirs.sorted().toList()) {
        Path release = d.resolve("release");
        if (!Files.isRegularFile(release) || !Files.isExecutable(d.resolve("bin/java"))) {
          continue;
        }
        var m = java.util.regex.Pattern.compile("(?m)^JAVA_VERSION=\"(\\d+)").matcher(Files.readString(release));
        int feature = m.find() ? Integer.parseInt(m.group(1)) : 0;
        if (feature >= 25 && feature > bestFeature) {
          best = d.resolve("bin/java");
          bestFeature = feature;
        }
      }
    }
    return java.util.Optional.ofNullable(best);
  }

  /**
   * Where the machine has a JDK 25 or later, the package step trains that JDK's AOT cache beside the
   * jar, and the launcher told to run that JDK (OTACLIENT_JAVA) runs it with the cache mapped
   * (docs/benchmarks.md, round seventeen). A whole update through the launcher on it, the demo, prints
   * nothing on stderr: JDK 22 and later warn when a class path library loads native code (zstd-jni)
   * unless the jar's manifest grants it.
   */
  @Test
  void theLauncherRunsTheJdk25OfThePackageStepWithItsAotCache(@TempDir Path work) throws Exception {
    java.util.Optional<Path> jdk25 = newestJdk25();
    org.junit.jupiter.api.Assumptions.assumeTrue(jdk25.isPresent(), "no JDK 25 or later under /usr/lib/jvm");
    org.junit.jupiter.api.Assumptions.assumeTrue("auto".equals(System.getProperty("otaclient.aot.java", "auto"))
        && !Boolean.getBoolean("otaclient.cds.skip"), "the package step was told not to look for a JDK 25");
    Path aot = JAR.resolveSibling("otaclient.aot");
    assertThat(aot).isNotEmptyFile();
    assertThat(Files.getLastModifiedTime(aot)).isGreaterThanOrEqualTo(Files.getLastModifiedTime(JAR));
    assertThat(Files.readString(JAR.resolveSibling("otaclient.aot-java")).trim()).isEqualTo(jdk25.get().toString());

    ProcessBuilder version = new ProcessBuilder("sh", LAUNCHER.toString(), "--version");
    version.environment().put("OTACLIENT_JAVA", jdk25.get().toString());
    version.environment().put("OTACLIENT_JAVA_OPTS", launcherDefaults() + " -Xlog:class+load=info");
    String out = runToZero(version, 60).out();
    assertThat(out.lines().filter(l -> l.startsWith("otaclient "))).singleElement().asString().contains(", Java 25");
    assertThat(out.lines().filter(l -> l.contains(" picocli.CommandLine$Model$OptionSpec ")))
        .singleElement().asString().contains("shared objects file");

    ProcessBuilder demoRun = new ProcessBuilder("sh", LAUNCHER.toString(), "demo", "--workdir", work.resolve("demo").toString());
    demoRun.environment().put("OTACLIENT_JAVA", jdk25.get().toString());
    Ran demo = runToZero(demoRun, 180);
    assertThat(demo.out()).contains("demo succeeded");
    assertThat(demo.err()).isEmpty();
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new java.util.ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  /**
   * A command that logs nothing does not start logback (SLF4J is bound to its no-operation provider),
   * and its stderr is the one failure line. Asked for log lines, the same command has them.
   */
  @Test
  void aCommandThatLogsNothingDoesNotStartLogback(@TempDir Path dir) throws Exception {
    List<String> apply = List.of("apply", "--url", dir.resolve("no-image").toString(), "--certs", dir.toString(),
        "--state-dir", dir.resolve("state").toString(), "--image-version", "1");
    String quiet = run(List.of("-Xlog:class+load=info"), apply, 2, 60);
    assertThat(quiet.lines().filter(l -> l.contains(" ch.qos.logback.classic.util.ContextInitializer "))).isEmpty();
    assertThat(quiet.lines().filter(l -> !l.startsWith("["))).singleElement().asString()
        .startsWith("otaclient: E1-0104-203: invalid update request: cannot open image");

    List<String> loud = new java.util.ArrayList<>(apply);
    loud.addAll(List.of("--log-level", "info"));
    String logged = run(List.of("-Xlog:class+load=info"), loud, 2, 60);
    assertThat(logged.lines().filter(l -> l.contains(" ch.qos.logback.classic.util.ContextInitializer "))).hasSize(1);
    assertThat(logged).contains(" INFO  UpdateEngine: update of autoware to version '1' from ");
  }

  /**
   * {@code apply} is the command a device runs cold: its model is built by code (SharedOptions), so it
   * reads no annotation. Each annotation type read costs a proxy class made at run time, which no
   * class-data archive holds.
   */
  @Test
  void applyReadsNoAnnotationBeforeItStarts(@TempDir Path dir) throws Exception {
    String out = run(List.of("-Xlog:class+load=info"), List.of("apply", "--url", dir.resolve("no-image").toString(),
        "--certs", dir.toString(), "--state-dir", dir.resolve("state").toString(), "--image-version", "1"), 2, 60);
    assertThat(out).contains("otaclient: E1-0104-203: invalid update request: cannot open image");
    assertThat(out.lines().filter(l -> l.contains("__dynamic_proxy__")
        || l.contains(" sun.reflect.annotation.AnnotationInvocationHandler "))).isEmpty();
  }

  @Test
  void helpLists() throws Exception {
    assertThat(run(List.of("--help"), 0, 30)).contains("demo", "apply", "serve");
  }

  @Test
  void demoRunsTheWholeUpdateAndLeavesNothingBehind(@TempDir Path work) throws Exception {
    String out = run(List.of("demo", "--workdir", work.toString()), 0, 120);
    assertThat(out).contains("demo succeeded: both ECUs run version 2.0");
    assertThat(out).containsPattern("main +SUCCESS +2\\.0");
    assertThat(out).containsPattern("sub +SUCCESS +2\\.0");
  }

  @Test
  void theDemoRunsWithOtaImagesV1(@TempDir Path work) throws Exception {
    String out = run(List.of("demo", "--format", "v1", "--workdir", work.toString()), 0, 120);
    assertThat(out).contains("OTA images v1").contains("files in 2 payloads")
        .contains("demo succeeded: both ECUs run version 2.0");
    assertThat(out).containsPattern("main +SUCCESS +2\\.0");
    assertThat(out).containsPattern("sub +SUCCESS +2\\.0");
    // the served images are v1: an OCI layout with index.jwt, no metadata.jwt
    assertThat(work.resolve("www/v2/oci-layout")).exists();
    assertThat(work.resolve("www/v2/index.jwt")).exists();
    assertThat(work.resolve("www/v2/metadata.jwt")).doesNotExist();
  }

  /**
   * OTA image v1 needs two native libraries the fat jar carries (SQLite for its tables, JNA's dispatch
   * library for xattrs): built, verified and applied from the ZIP artifact by the jar alone, under the
   * launcher's heap cap, with a temporary directory of its own (where the natives are unpacked).
   */
  @Test
  void otaImageV1BuildsVerifiesAndAppliesWithTheJarsNativeLibraries(@TempDir Path w) throws Exception {
    SignedImageFixture f = SignedImageFixture.create("fatjar", w);
    Path rootfs = SampleRootfs.create(w.resolve("rootfs"));
    Path chain = w.resolve("intermediate.pem");
    Files.writeString(chain, TestCa.certificatePem(f.ca().intermediateCert()));
    Path tmp = Files.createDirectories(w.resolve("jvm-tmp"));
    List<String> jvm = List.of("-Xmx160m", "-XX:+UseSerialGC", "-Djava.io.tmpdir=" + tmp);
    Path zip = w.resolve("image-v1.zip");
    String built = run(jvm, List.of("image", "build", "--format", "v1", "--rootfs", rootfs.toString(),
        "--out", w.resolve("image-v1").toString(), "--ecu-id", "autoware", "--sign-key", f.key().toString(),
        "--cert", f.cert().toString(), "--chain", chain.toString(), "--zip", zip.toString()), 0, 120);
    assertThat(built).contains("built OTA image v1");
    assertThat(run(jvm, List.of("image", "verify", "--certs", f.cas().toString(), zip.toString()), 0, 60))
        .startsWith("OK ");
    String applied = run(jvm, List.of("apply", "--url", zip.toString(), "--certs", f.cas().toString(),
        "--state-dir", w.resolve("state").toString(), "--image-version", "1.0", "--json"), 0, 120);
    // the machine has no libsqlitejdbc of its own: reading the tables proves the jar's was loaded
    assertThat(applied).contains("\"status\" : \"SUCCESS\"");
  }

  @Test
  void serveAnswersStatusHoldsItsLockAndStopsOnSigterm(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("ecu_info.yaml"), "ecu_id: \"ecu1\"\nip_addr: \"127.0.0.1\"\n");
    Files.writeString(dir.resolve("proxy_info.yaml"), "enable_local_ota_proxy: false\n");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // the daemon's port is held until it listens there: nobody else can take it in between
    try (ReservedPort port = ReservedPort.reserve()) {
      List<String> serve = List.of(java, "-jar", JAR.toString(), "serve", "--config-dir", dir.toString(),
          "--certs", dir.resolve("certs").toString(), "--state-dir", dir.resolve("state").toString(),
          "--port", String.valueOf(port.port()), "--proxy-cache-dir", dir.resolve("cache").toString());
      Process daemon = new ProcessBuilder(serve).redirectErrorStream(true)
          .redirectOutput(dir.resolve("serve.log").toFile()).start();
      try {
        // the daemon says when it serves
        Await.until("the daemon to serve (" + dir.resolve("serve.log") + ")",
            () -> !daemon.isAlive() || read(dir.resolve("serve.log")).contains("serving OtaClientService on " + port.hostPort()));
        assertThat(daemon.isAlive()).as(read(dir.resolve("serve.log"))).isTrue();
        String status = run(List.of("status", "--target", port.hostPort(), "--json"), 0, 60);
        assertThat(status).contains("\"ecu_id\" : \"ecu1\"").contains("\"status\" : \"INITIALIZED\"");

        // a second daemon on the same state directory refuses to start
        String second = run(List.of("serve", "--config-dir", dir.toString(), "--certs", dir.resolve("certs").toString(),
            "--state-dir", dir.resolve("state").toString(), "--port", "0"), 1, 60);
        assertThat(second).contains("another otaclient daemon holds");
      } finally {
        daemon.destroy(); // SIGTERM
        assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).as("daemon stops on SIGTERM").isTrue();
      }
    }
  }

  private static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p) : "";
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
