package dev.otaclient.internal.update;

import dev.otaclient.internal.image.ImageFormat;
import dev.otaclient.internal.image.ImageSource;
import dev.otaclient.internal.image.OtaImage;
import dev.otaclient.internal.image.v1.V1Image;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Opens what an update installs: detects the image's format, verifies it and fetches its metadata
 * into the private work directory. Nothing here touches a slot.
 */
final class InstallPayloads {
  private InstallPayloads() {}

  static InstallPayload open(ImageSource source, UpdateSettings settings, String ecuId, Path privateWork) {
    if (ImageFormat.detect(source) == ImageFormat.V1) {
      V1Image image = V1Image.open(source, settings.caStore(), settings.trustPolicy(), Clock.systemUTC(), ecuId,
          settings.releaseKey(), privateWork.resolve("v1"));
      V1Payload p = new V1Payload(image, source);
      try {
        p.checkPlanFits(Runtime.getRuntime().maxMemory());
      } catch (RuntimeException e) {
        p.close();
        throw e;
      }
      return p;
    }
    OtaImage image = OtaImage.open(source, settings.caStore(), settings.trustPolicy());
    return new LegacyPayload(image, image.fetchLists(privateWork.resolve("lists")));
  }
}
