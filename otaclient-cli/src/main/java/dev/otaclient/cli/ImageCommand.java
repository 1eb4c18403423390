package dev.otaclient.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code otaclient image ...}: build, verify and inspect OTA images. */
@Command(
    name = "image",
    mixinStandardHelpOptions = true,
    description = "Build, verify and inspect OTA images.",
    subcommands = {ImageBuildCommand.class, ImageVerifyCommand.class, ImageInspectCommand.class,
        ImageDiffCommand.class, ImageServeCommand.class})
final class ImageCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
  }
}
