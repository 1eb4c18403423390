package dev.otaclient.cli;

import dev.otaclient.fetch.Cookies;
import dev.otaclient.fetch.HttpSettings;
import dev.otaclient.image.CaStore;
import dev.otaclient.image.ImageMetadata;
import dev.otaclient.image.ImageSource;
import dev.otaclient.image.ImageSources;
import dev.otaclient.image.OtaImage;
import dev.otaclient.image.TrustPolicy;
import dev.otaclient.image.VerifiedLists;
import java.io.IOException;
import java.nio.file.Path;

/** Opening and verifying an image for the read-only image commands (verify, inspect, diff). */
final class VerifiedImages {
  private VerifiedImages() {}

  record Fetched(String location, ImageMetadata metadata, VerifiedLists lists) {}

  /**
   * Verifies the image and fetches its lists into {@code dir}. With a CA store the chain is required;
   * without one ({@code certs == null}) only the signature is checked, which is all inspection needs.
   */
  static Fetched fetch(String image, Path certs, Cookies cookies, Path dir) throws IOException {
    CaStore cas = certs == null ? CaStore.empty() : CaStore.load(certs);
    TrustPolicy policy = certs == null ? TrustPolicy.INSECURE_SKIP_CHAIN_CHECK_NO_CA_INSTALLED : TrustPolicy.REQUIRE_CA;
    try (ImageSource src = ImageSources.open(image, cookies, HttpSettings.defaults());
         OtaImage img = OtaImage.open(src, cas, policy)) {
      return new Fetched(src.location(), img.metadata(), img.fetchLists(dir));
    }
  }
}
