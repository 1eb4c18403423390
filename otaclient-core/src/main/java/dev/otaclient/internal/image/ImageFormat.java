package dev.otaclient.internal.image;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two image formats and how to tell them apart, as TIER IV's client does: an OTA image v1 has an
 * {@code oci-layout} file at its root. Found: v1. Absent (HTTP 401, 403 or 404, or no such file): legacy.
 * Any other answer is asked again, once a second up to twelve times, and then taken for legacy.
 *
 * <p>Detection comes first because an image built with the v1 builder's legacy-compat option also
 * carries a validly signed {@code metadata.jwt} whose lists are empty (see {@link OtaImage#fetchLists}).
 */
public enum ImageFormat {
  LEGACY,
  V1;

  private static final Logger LOG = LoggerFactory.getLogger(ImageFormat.class);
  static final String V1_MARKER = "oci-layout";

  /** Detects with the upstream schedule (12 looks, 1 s apart). */
  public static ImageFormat detect(ImageSource source) {
    return detect(source, 12, Duration.ofSeconds(1));
  }

  /**
   * @throws OtaException APPLY_UPDATE (the cancel code of the downloader) when interrupted while waiting
   */
  public static ImageFormat detect(ImageSource source, int attempts, Duration interval) {
    for (int i = 1; i <= attempts; i++) {
      ImageSource.Presence p = source.probe(V1_MARKER);
      if (p == ImageSource.Presence.PRESENT) {
        LOG.info("image {}: {} found, OTA image v1", source.location().text(), V1_MARKER);
        return V1;
      }
      if (p == ImageSource.Presence.ABSENT) {
        return LEGACY;
      }
      if (i < attempts) {
        try {
          Thread.sleep(interval.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.DOWNLOADER,
              "interrupted while probing " + source.location().text() + " for " + V1_MARKER, e);
        }
      }
    }
    LOG.warn("image {}: {} could not be probed after {} attempts; taking it for a legacy image",
        source.location().text(), V1_MARKER, attempts);
    return LEGACY;
  }
}
