package dev.otaclient.internal.update;

import dev.otaclient.internal.fetch.FetchListener;
import dev.otaclient.internal.fetch.FetchResult;
import java.nio.file.Path;

/**
 * Downloads one content of the image into a file, verified, whatever the format: a legacy image by
 * its rootfs path or zstd blob, a v1 image through its resource table. {@link RegularFileStep} only
 * decides when a download is needed ({@link ContentGroup#place}); this decides how.
 */
interface ContentFetcher {
  /**
   * @param path an image path that has this content (the legacy format names the file by it)
   * @throws dev.otaclient.error.OtaException as {@link dev.otaclient.internal.image.ImageSource#fetch}
   */
  FetchResult fetch(ContentGroup group, String path, Path destination, FetchListener listener);
}
