package dev.otaclient.internal.update;

import dev.otaclient.internal.fetch.BlobRequest;
import dev.otaclient.internal.fs.TempNames;
import dev.otaclient.internal.image.ImageMetadata;
import dev.otaclient.internal.image.ImageTree;
import dev.otaclient.internal.image.ImageUrls;
import dev.otaclient.internal.image.ListKind;
import dev.otaclient.internal.image.OtaImage;
import dev.otaclient.internal.image.VerifiedLists;
import dev.otaclient.internal.slot.SlotIo;
import dev.otaclient.internal.slot.SlotLayout;
import dev.otaclient.internal.slot.StandbyTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.OptionalLong;

/** A legacy image: its four verified lists, and contents by rootfs path or zstd blob. */
final class LegacyPayload implements InstallPayload {
  private static final SlotLayout LAYOUT = SlotLayout.STANDARD;

  private final OtaImage image;
  private final VerifiedLists lists;

  LegacyPayload(OtaImage image, VerifiedLists lists) {
    this.image = image;
    this.lists = lists;
  }

  @Override
  public ImageTree tree() {
    return lists;
  }

  @Override
  public OptionalLong totalRegularSize() {
    return image.metadata().totalRegularSize();
  }

  @Override
  public ContentFetcher contents(Path workDir) {
    ImageMetadata metadata = image.metadata();
    return (g, path, dest, listener) -> image.source().fetch(request(metadata, g, path), dest, listener);
  }

  private static BlobRequest request(ImageMetadata metadata, ContentGroup g, String path) {
    return blobRequest(metadata, path, g.sha256.hex(), g.size, g.compressAlg);
  }

  /**
   * How a legacy image serves the content of {@code path}: its zstd blob when the image has one, else
   * the plain file below the rootfs directory. Also used for the client release (ClientUpdate).
   */
  static BlobRequest blobRequest(ImageMetadata metadata, String path, String sha, long size, String alg) {
    if (alg != null && metadata.compressedRootfsDirectory().isPresent()) {
      return new BlobRequest(ImageUrls.compressedRelative(metadata.compressedRootfsDirectory().get(), sha, alg),
          sha, size, alg);
    }
    return new BlobRequest(ImageUrls.rootfsRelative(metadata.rootfsDirectory(), path), sha, size, null);
  }

  /** The four lists go to {@code /opt/ota/image-meta/}: the next update's fast delta source. */
  @Override
  public void saveMeta(StandbyTree tree) {
    ListKind[] kinds = {ListKind.DIRECTORIES, ListKind.SYMLINKS, ListKind.REGULARS, ListKind.PERSISTENTS};
    for (ListKind kind : kinds) {
      String imagePath = LAYOUT.savedList(kind);
      Path target = tree.locate(imagePath);
      tree.safeParent(imagePath, target);
      Path tmp = TempNames.beside(target);
      try {
        Files.copy(lists.path(kind), tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw SlotIo.failure("saving " + imagePath, e);
      }
    }
    V1Payload.forgetSavedTable(tree);
  }

  @Override
  public void close() {
    // the lists live in the pipeline's private work directory
  }
}
