package dev.otaclient.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Help with examples and exit codes, shell completion and man pages, from the packaged program. */
class HelpAndCompletionIT {
  static final List<List<String>> COMMANDS = List.of(List.of("serve"), List.of("update"), List.of("status"),
      List.of("rollback"), List.of("apply"), List.of("proxy"), List.of("demo"), List.of("image", "build"),
      List.of("image", "verify"), List.of("image", "inspect"), List.of("image", "diff"), List.of("image", "serve"));

  @TempDir Path w;

  @Test
  void everyCommandsHelpHasExamplesAndExitCodes() {
    for (List<String> cmd : COMMANDS) {
      List<String> args = new java.util.ArrayList<>(cmd);
      args.add("--help");
      JarRun r = JarRun.of(java.time.Duration.ofSeconds(60), args);
      assertThat(r.exit()).as(r.toString()).isZero();
      assertThat(r.out()).as(r.toString()).contains("Exit codes:", "  2   Usage error", "Examples:",
          "  otaclient " + String.join(" ", cmd) + " ");
      assertThat(r.err()).isEmpty();
    }
  }

  @Test
  void bashCompletionComesFromTheCommandModel() throws Exception {
    JarRun r = JarRun.of("generate-completion");
    assertThat(r.exit()).as(r.toString()).isZero();
    Path script = Files.writeString(w.resolve("otaclient.bash"), r.out());
    // the script loads in bash and completes subcommands and options of subcommands
    Process bash = new ProcessBuilder("bash", "-c", "source " + script + " && complete -p otaclient"
        + " && COMP_WORDS=(otaclient ap) COMP_CWORD=1 && _complete_otaclient && echo \"${COMPREPLY[@]}\""
        + " && COMP_WORDS=(otaclient apply --image-v) COMP_CWORD=2 && _complete_otaclient && echo \"${COMPREPLY[@]}\"")
        .redirectErrorStream(true).start();
    String out = new String(bash.getInputStream().readAllBytes());
    assertThat(bash.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(bash.exitValue()).as(out).isZero();
    assertThat(out).contains("-F _complete_otaclient otaclient").containsPattern("(?m)^apply$").containsPattern("(?m)^--image-version$");
  }

  @Test
  void manPagesAreBuiltWithThePackage() throws Exception {
    Path man = Path.of("target", "man", "man1");
    assertThat(man.resolve("otaclient.1")).exists();
    for (List<String> cmd : COMMANDS) {
      Path page = man.resolve("otaclient-" + String.join("-", cmd) + ".1");
      assertThat(page).exists();
      String troff = Files.readString(page);
      assertThat(troff).as(page.toString()).startsWith("'\\\" t").contains(".SH \"EXIT CODES:\"").contains(".SH \"EXAMPLES:\"");
    }
  }
}
