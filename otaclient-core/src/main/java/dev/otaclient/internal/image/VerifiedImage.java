package dev.otaclient.internal.image;

import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.internal.fetch.Cookies;
import dev.otaclient.internal.image.v1.V1Image;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An image whose signature and lists have been verified, with the lists in a private temporary
 * directory that {@link #close()} removes: what the read-only image tools ({@code otaclient image
 * verify | inspect | diff}) and embedders that want to look at an image before installing it use.
 */
public final class VerifiedImage implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VerifiedImage.class);

  private final ImageLocation location;
  private final ImageMetadata metadata;
  private final VerifiedLists lists;
  private final V1Image v1;
  private final ImageSource v1Source;
  private final Path dir;

  private VerifiedImage(ImageLocation location, ImageMetadata metadata, VerifiedLists lists, V1Image v1,
      ImageSource v1Source, Path dir) {
    this.location = location;
    this.metadata = metadata;
    this.lists = lists;
    this.v1 = v1;
    this.v1Source = v1Source;
    this.dir = dir;
  }

  /**
   * Verifies the image and fetches its four lists.
   *
   * @param cas the CA store the signing certificate must chain to; {@code null} checks the signature
   *     only (enough to look inside an image, never enough to install it)
   * @throws dev.otaclient.error.OtaException naming what failed, as an update would report it
   */
  public static VerifiedImage fetch(ImageLocation location, Cookies cookies, CaStore cas) {
    return fetch(location, cookies, cas, null, "dev");
  }

  /**
   * As {@link #fetch(ImageLocation, Cookies, CaStore)}; an OTA image v1 is opened for the payload of
   * {@code ecuId} (null: the first payload with the release key).
   */
  public static VerifiedImage fetch(ImageLocation location, Cookies cookies, CaStore cas, String ecuId,
      String releaseKey) {
    Objects.requireNonNull(location, "location");
    TrustPolicy policy = cas == null ? TrustPolicy.INSECURE_SKIP_CHAIN_CHECK_NO_CA_INSTALLED : TrustPolicy.REQUIRE_CA;
    Path dir;
    try {
      dir = Files.createTempDirectory("otaclient-image-lists-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for the lists", e);
    }
    ImageSource source = ImageSources.open(location, cookies);
    try {
      if (ImageFormat.detect(source) == ImageFormat.V1) {
        V1Image v1 = V1Image.open(source, cas == null ? CaStore.empty() : cas, policy, java.time.Clock.systemUTC(),
            ecuId, releaseKey, dir.resolve("v1"));
        return new VerifiedImage(location, null, null, v1, source, dir);
      }
      try (OtaImage image = OtaImage.open(source, cas == null ? CaStore.empty() : cas, policy)) {
        return new VerifiedImage(location, image.metadata(), image.fetchLists(dir), null, null, dir);
      }
    } catch (RuntimeException e) {
      source.close();
      deleteQuietly(dir);
      throw e;
    }
  }

  public ImageLocation location() {
    return location;
  }

  /** The legacy image's claims; null for an OTA image v1. */
  public ImageMetadata metadata() {
    return metadata;
  }

  /** The legacy image's lists; null for an OTA image v1 (see {@link #tree()}). */
  public VerifiedLists lists() {
    return lists;
  }

  public ImageFormat format() {
    return v1 != null ? ImageFormat.V1 : ImageFormat.LEGACY;
  }

  /** The entries, whatever the format. */
  public ImageTree tree() {
    return v1 != null ? v1.fileTable() : lists;
  }

  /** Counts and sizes, read by streaming the entries once. */
  public ImageSummary summary() {
    if (v1 != null) {
      return ImageSummary.ofV1(location.text(), v1.fileTable());
    }
    return ImageSummary.of(location.text(), metadata, lists);
  }

  @Override
  public void close() {
    if (v1 != null) {
      v1.close();
      v1Source.close();
    }
    deleteQuietly(dir);
  }

  private static void deleteQuietly(Path dir) {
    try {
      AtomicFiles.deleteTree(dir);
    } catch (IOException e) {
      LOG.warn("cannot remove {}: {}", dir, e.toString());
    }
  }
}
