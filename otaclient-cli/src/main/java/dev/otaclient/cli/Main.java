package dev.otaclient.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code otaclient} command. */
@Command(
    name = "otaclient",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "File-level A/B OTA update client (OtaClientV2 API).",
    subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
  }

  public static CommandLine commandLine() {
    return new CommandLine(new Main());
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
