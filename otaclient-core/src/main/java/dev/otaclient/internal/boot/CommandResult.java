package dev.otaclient.internal.boot;

import java.util.List;

/**
 * Outcome of one system command.
 *
 * @param command the argv as run (after resolving the executable)
 * @param exitCode the process exit status
 * @param stdout everything the command wrote to stdout (UTF-8)
 * @param stderr everything the command wrote to stderr (UTF-8)
 */
record CommandResult(List<String> command, int exitCode, String stdout, String stderr) {
  public CommandResult {
    command = List.copyOf(command);
  }

  public boolean succeeded() {
    return exitCode == 0;
  }
}
