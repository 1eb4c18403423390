package dev.otaclient.internal.image;

import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.internal.fetch.Cookies;
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
  private final Path dir;

  private VerifiedImage(ImageLocation location, ImageMetadata metadata, VerifiedLists lists, Path dir) {
    this.location = location;
    this.metadata = metadata;
    this.lists = lists;
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
    Objects.requireNonNull(location, "location");
    TrustPolicy policy = cas == null ? TrustPolicy.INSECURE_SKIP_CHAIN_CHECK_NO_CA_INSTALLED : TrustPolicy.REQUIRE_CA;
    Path dir;
    try {
      dir = Files.createTempDirectory("otaclient-image-lists-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for the lists", e);
    }
    try (ImageSource source = ImageSources.open(location, cookies);
         OtaImage image = OtaImage.open(source, cas == null ? CaStore.empty() : cas, policy)) {
      return new VerifiedImage(location, image.metadata(), image.fetchLists(dir), dir);
    } catch (RuntimeException e) {
      deleteQuietly(dir);
      throw e;
    }
  }

  public ImageLocation location() {
    return location;
  }

  public ImageMetadata metadata() {
    return metadata;
  }

  public VerifiedLists lists() {
    return lists;
  }

  /** Counts and sizes, read by streaming the lists once. */
  public ImageSummary summary() {
    return ImageSummary.of(location.text(), metadata, lists);
  }

  @Override
  public void close() {
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
