package dev.otaclient.internal.boot;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.OtaException;
import java.util.List;
import java.util.Optional;

/**
 * Commands run at finalisation of a switched boot, before SUCCESS is written (beyond the Python
 * client, which trusted any boot that reached the client). If one fails, the new slot is reported
 * FAILURE and the controller goes back to the previous slot.
 */
public record HealthCheck(List<List<String>> commands, CommandRunner runner) {
  public HealthCheck {
    commands = commands.stream().map(List::copyOf).toList();
  }

  public static HealthCheck none() {
    return new HealthCheck(List.of(), CommandRunner.system());
  }

  /** Runs the commands in order and describes the first one that failed, or empty when all passed. */
  public Optional<String> firstFailure() {
    for (List<String> cmd : commands) {
      try {
        CommandResult r = runner.runAllowingFailure(ErrorCode.POST_UPDATE, cmd);
        if (!r.succeeded()) {
          String err = r.stderr().strip();
          return Optional.of("health check `" + String.join(" ", cmd) + "` exited with " + r.exitCode()
              + (err.isEmpty() ? "" : ": " + err));
        }
      } catch (OtaException e) {
        return Optional.of("health check `" + String.join(" ", cmd) + "` failed: " + e.detail());
      }
    }
    return Optional.empty();
  }
}
