package dev.otaclient.internal.update;

import dev.otaclient.internal.image.ImageTree;
import dev.otaclient.internal.slot.SlotLayout;
import dev.otaclient.internal.slot.StandbyTree;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * What the pipeline installs, whatever the image format, once it has been verified in the private
 * work directory: its entries, how to fetch a content, and what the standby keeps for the next
 * update's delta. Opened by {@link InstallPayloads#open}.
 */
interface InstallPayload extends AutoCloseable {
  ImageTree tree();

  /** The total regular size the image states, when it states one. */
  OptionalLong totalRegularSize();

  /** The fetcher of contents; {@code standby} holds what must survive an interruption. */
  default ContentFetcher contents(StandbyTree standby) {
    return contents(SlotLayout.in(standby.root(), SlotLayout.STANDARD.workDir()));
  }

  /**
   * The fetcher of contents with its working files (bundles a v1 image packs several contents in)
   * under {@code workDir}; used before there is a standby, to read a single small file.
   */
  ContentFetcher contents(Path workDir);

  /** Writes the image meta that the next update's delta reads into {@code /opt/ota/image-meta/}. */
  void saveMeta(StandbyTree standby);

  @Override
  void close();
}
