package dev.otaclient.internal.update;

import dev.otaclient.internal.image.ImageTree;
import dev.otaclient.internal.slot.StandbyTree;
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
  ContentFetcher contents(StandbyTree standby);

  /** Writes the image meta that the next update's delta reads into {@code /opt/ota/image-meta/}. */
  void saveMeta(StandbyTree standby);

  @Override
  void close();
}
