package dev.otaclient.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** A command started with a subcommand's name gets a model of that subcommand alone, which must behave as the whole. */
class MainModelTest {
  static Stream<String> subcommands() {
    return Main.commandLine().getSubcommands().keySet().stream()
        .filter(n -> !n.equals("help") && !n.equals("generate-completion"));
  }

  @Test
  void onlyARunOfANamedSubcommandGetsTheSmallModel() {
    assertThat(Main.commandLine(new String[] {"apply", "--url", "/x"}).getSubcommands().keySet())
        .containsExactly("apply");
    assertThat(Main.commandLine(new String[] {"image", "build"}).getSubcommands().keySet()).containsExactly("image");
    for (List<String> whole : List.of(List.<String>of(), List.of("help", "apply"), List.of("--verbose", "apply"),
        List.of("aply"), List.of("generate-completion"))) {
      assertThat(Main.commandLine(whole.toArray(String[]::new)).getSubcommands().keySet()).as("%s", whole)
          .containsExactlyElementsOf(Main.commandLine().getSubcommands().keySet());
    }
  }

  @ParameterizedTest
  @MethodSource("subcommands")
  void theHelpOfEverySubcommandIsTheSame(String name) {
    CommandLine whole = Main.commandLine().getSubcommands().get(name);
    CommandLine one = Main.commandLine(new String[] {name}).getSubcommands().get(name);
    assertThat(helpTree(one)).isEqualTo(helpTree(whole)).contains("Exit codes:");
  }

  @ParameterizedTest
  @MethodSource("subcommands")
  void aWrongArgumentFailsTheSameWay(String name) {
    String[] args = {name, "--no-such-option"};
    String[] whole = run(Main.commandLine(), args);
    String[] one = run(Main.commandLine(args), args);
    assertThat(one).isEqualTo(whole);
    assertThat(one[0]).isEqualTo("2");
    assertThat(one[1]).startsWith("otaclient: usage: ");
  }

  private static String helpTree(CommandLine cl) {
    StringBuilder b = new StringBuilder(cl.getUsageMessage(CommandLine.Help.Ansi.OFF));
    cl.getSubcommands().forEach((n, sub) -> b.append("\n== ").append(n).append('\n').append(helpTree(sub)));
    return b.toString();
  }

  private static String[] run(CommandLine cl, String[] args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new String[] {Integer.toString(code), err.toString(), out.toString()};
  }
}
