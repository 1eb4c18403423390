package dev.otaclient.internal.image;

/**
 * Counts and sizes of a verified image, read by streaming its lists once.
 *
 * @param compressedFiles regular entries that have a compressed blob
 * @param compressedFileSize uncompressed bytes of those entries
 */
public record ImageSummary(
    String location,
    int metadataVersion,
    long directories,
    long symlinks,
    long regularFiles,
    long uniqueContents,
    long totalRegularSize,
    long compressedFiles,
    long compressedFileSize,
    long persistents) {

  public static ImageSummary of(String location, ImageMetadata metadata, VerifiedLists lists) {
    return of(location, metadata.version(), lists, metadata.totalRegularSize());
  }

  /**
   * @param metadataVersion 1 for the legacy format's {@code metadata.jwt}; an OTA image v1 reports 2
   *     here, its schema version of the image index
   */
  public static ImageSummary of(String location, int metadataVersion, ImageTree tree,
      java.util.OptionalLong totalRegularSize) {
    long dirs = count(tree.readDirectories());
    long links = count(tree.readSymlinks());
    long persist = count(tree.readPersistents());
    long regulars = 0;
    long size = 0;
    long compressed = 0;
    long compressedSize = 0;
    java.util.Set<String> hashes = new java.util.HashSet<>();
    try (EntryReader<RegularEntry> r = tree.readRegulars()) {
      while (r.hasNext()) {
        RegularEntry e = r.next();
        regulars++;
        size += Math.max(0, e.size());
        hashes.add(e.sha256());
        if (e.isCompressed()) {
          compressed++;
          compressedSize += Math.max(0, e.size());
        }
      }
    }
    return new ImageSummary(location, metadataVersion, dirs, links, regulars, hashes.size(),
        totalRegularSize.orElse(size), compressed, compressedSize, persist);
  }

  private static long count(EntryReader<?> reader) {
    long n = 0;
    try (EntryReader<?> r = reader) {
      while (r.hasNext()) {
        r.next();
        n++;
      }
    }
    return n;
  }

  /** Share of the total regular size that is served as compressed blobs, 0..1. */
  public double compressedShare() {
    return totalRegularSize == 0 ? 0 : (double) compressedFileSize / totalRegularSize;
  }
}
