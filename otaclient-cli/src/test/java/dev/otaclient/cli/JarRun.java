package dev.otaclient.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One run of the packaged fat jar as a separate process, as a user runs it, with stdout and stderr apart. */
record JarRun(List<String> args, int exit, String out, String err) {
  static final Path JAR = Path.of("target", "otaclient.jar");

  static JarRun of(String... args) {
    return of(Duration.ofSeconds(120), List.of(args));
  }

  /** Runs {@code otaclient args...}; the timeout is only an upper bound for a hung process. */
  static JarRun of(Duration timeout, List<String> args) {
    return run(timeout, List.of(), args);
  }

  /** Runs {@code java <jvmOptions> -jar otaclient.jar args...} (for system properties such as java.io.tmpdir). */
  static JarRun withJvm(List<String> jvmOptions, String... args) {
    return run(Duration.ofSeconds(120), jvmOptions, List.of(args));
  }

  private static JarRun run(Duration timeout, List<String> jvmOptions, List<String> args) {
    assertThat(JAR).exists();
    List<String> cmd = new ArrayList<>(command().subList(0, 1));
    cmd.addAll(jvmOptions);
    cmd.addAll(command().subList(1, command().size()));
    cmd.addAll(args);
    try {
      Path out = Files.createTempFile("jar-out", ".txt");
      Path err = Files.createTempFile("jar-err", ".txt");
      try {
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        p.getOutputStream().close();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor();
          throw new AssertionError("otaclient " + args + " still running after " + timeout + ": " + Files.readString(err));
        }
        return new JarRun(args, p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** {@code java -jar target/otaclient.jar}, with this JVM's java. */
  static List<String> command() {
    return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString());
  }

  List<String> errLines() {
    return err.lines().toList();
  }

  @Override
  public String toString() {
    return "otaclient " + args + " -> exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
  }
}
