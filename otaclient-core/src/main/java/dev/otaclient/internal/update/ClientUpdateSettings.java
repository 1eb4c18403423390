package dev.otaclient.internal.update;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Where ClientUpdate installs a client release and how the client is restarted into it
 * (docs/client-update.md).
 *
 * @param clientDir holds {@code releases/<version>/otaclient.jar} and the {@code current} link the
 *     service runs ({@code java -jar <clientDir>/current/otaclient.jar serve ...})
 * @param restartCommand asks the service manager to restart the client; run once the release is
 *     installed. Empty: no restart (the release starts at the next start of the service)
 */
public record ClientUpdateSettings(Path clientDir, List<String> restartCommand) {
  public static final Path DEFAULT_DIR = Path.of("/opt/ota/client/java");
  /** {@code --no-block}: the job restarts this very process, so systemctl must not wait for it. */
  public static final List<String> DEFAULT_RESTART =
      List.of("systemctl", "--no-block", "restart", "otaclient.service");

  public ClientUpdateSettings {
    Objects.requireNonNull(clientDir);
    restartCommand = List.copyOf(restartCommand);
  }

  public static ClientUpdateSettings defaults() {
    return new ClientUpdateSettings(DEFAULT_DIR, DEFAULT_RESTART);
  }
}
