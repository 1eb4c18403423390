package dev.otaclient.internal.update;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.boot.CommandRunner;
import dev.otaclient.internal.image.ImageSource;
import dev.otaclient.internal.image.ImageSources;
import dev.otaclient.internal.image.OtaImage;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The work of one ClientUpdate: verify the image, fetch its client release ({@link ClientRelease}),
 * install it ({@link ClientInstall}) unless this client already runs that version, and restart the
 * client through the service manager. Touches no slot.
 */
final class ClientUpdater {
  private static final Logger log = LoggerFactory.getLogger(ClientUpdater.class);

  private final UpdateSettings settings;

  ClientUpdater(UpdateSettings settings) {
    this.settings = settings;
  }

  /** The version installed, or empty when there was nothing to install. */
  Optional<String> fetchAndInstall(UpdateRequest request) {
    Path work = PrivateWorkDir.create(settings.workDir());
    try (ImageSource source = ImageSources.open(request.location(), request.cookies(), settings.http(),
        settings.retry(), settings.downloadConcurrency(), work)) {
      OtaImage image = OtaImage.open(source, settings.caStore(), settings.trustPolicy());
      Optional<ClientRelease.Fetched> release = ClientRelease.fetch(image, work);
      if (release.isEmpty()) {
        log.info("client update: the image at {} carries no client release; nothing to do", request.image());
        return Optional.empty();
      }
      String version = release.get().version();
      if (version.equals(ClientVersion.current())) {
        log.info("client update: this client already is version {}; nothing to do", version);
        return Optional.empty();
      }
      Path jar = new ClientInstall(settings.clientUpdate().clientDir()).install(version, release.get().jar(),
          ClientVersion.current());
      log.info("client update: release {} installed as {} (running {})", version, jar, ClientVersion.current());
      return Optional.of(version);
    } finally {
      PrivateWorkDir.delete(work);
    }
  }

  /** Asks the service manager to restart the client into {@code version}; a failure is only logged. */
  void restart(String version) {
    if (settings.clientUpdate().restartCommand().isEmpty()) {
      log.warn("client update: release {} installed; no restart command configured, it starts with the next"
          + " start of the service", version);
      return;
    }
    try {
      CommandRunner.system().run(ErrorCode.APPLY_UPDATE, settings.clientUpdate().restartCommand());
      log.info("client update: restart into release {} requested", version);
    } catch (OtaException e) {
      log.error("client update: release {} installed, but the restart failed: {}", version, e.failureReason());
    }
  }
}
