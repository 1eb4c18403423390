package dev.otaclient.internal.update;

import dev.otaclient.internal.image.EntryReader;
import dev.otaclient.internal.image.ImageTree;
import dev.otaclient.internal.image.RegularEntry;
import java.util.HashMap;

/**
 * A dry run of a delta update from one image to another, from their lists alone: which regular files
 * would be copied from the old slot, hard-linked, or downloaded, in files and bytes. Decided by the
 * update's own rules: the new image is planned by {@link DeltaPlanner} (same checks, same content
 * groups), the old image's list stands for the active slot's saved list, and each group is placed by
 * {@link ContentGroup#place} as {@link RegularFileStep} places it on a fresh standby slot.
 *
 * @param downloadBytes uncompressed bytes of the unique contents to download (the wire may carry less
 *     when the image has zstd blobs; unknown for lists without sizes)
 * @param removedFiles regular files of the old image whose path the new image no longer has
 */
public record DeltaEstimate(
    long totalFiles,
    long copyFiles,
    long copyBytes,
    long linkFiles,
    long linkBytes,
    long downloadFiles,
    long downloadBytes,
    long downloadCompressedFiles,
    long removedFiles) {

  /**
   * Plans {@code newImage} as an update from a slot holding {@code oldImage}.
   *
   * @throws dev.otaclient.error.OtaException as the update would, when the new image's lists are
   *     inconsistent
   */
  public static DeltaEstimate between(ImageTree oldImage, ImageTree newImage) {
    DeltaPlan plan = DeltaPlanner.read(newImage);
    try (EntryReader<RegularEntry> r = oldImage.readRegulars()) {
      DeltaPlanner.candidatesFrom(plan, r);
    }
    Tally t = new Tally();
    for (ContentGroup g : plan.contentGroups()) {
      g.place(new boolean[g.count()], new HashMap<>(), new ContentGroup.Placer<RuntimeException>() {
        @Override
        public void obtain(int member) {
          if (g.source() == ContentGroup.Source.DOWNLOAD) {
            t.downloadFiles++;
            t.downloadBytes += g.countedSize();
            t.downloadCompressedFiles += g.compressAlg != null ? 1 : 0;
          } else {
            t.copy(g);
          }
        }

        @Override
        public void link(int member, int to) {
          t.linkFiles++;
          t.linkBytes += g.countedSize();
        }

        @Override
        public void copy(int member, int from) {
          t.copy(g);
        }
      });
    }
    long removed = 0;
    try (EntryReader<RegularEntry> r = oldImage.readRegulars()) {
      while (r.hasNext()) {
        if (!plan.regularPaths.contains(r.next().path())) {
          removed++;
        }
      }
    }
    return new DeltaEstimate(plan.totalRegularFiles, t.copyFiles, t.copyBytes, t.linkFiles, t.linkBytes,
        t.downloadFiles, t.downloadBytes, t.downloadCompressedFiles, removed);
  }

  private static final class Tally {
    long copyFiles;
    long copyBytes;
    long linkFiles;
    long linkBytes;
    long downloadFiles;
    long downloadBytes;
    long downloadCompressedFiles;

    void copy(ContentGroup g) {
      copyFiles++;
      copyBytes += g.countedSize();
    }
  }
}
