package dev.otaclient.internal.image;

/**
 * Counts and sizes of a verified image, read by streaming its lists once.
 *
 * @param format {@code legacy} or {@code v1}
 * @param metadataVersion the legacy {@code metadata.jwt} version; 0 for an OTA image v1
 * @param compressedFiles regular entries that have a compressed blob (legacy images only)
 * @param compressedFileSize uncompressed bytes of those entries
 */
public record ImageSummary(
    String location,
    String format,
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
    return of(location, ImageFormat.LEGACY, metadata.version(), lists, metadata.totalRegularSize());
  }

  /** An OTA image v1's payload: its file table, which carries no total size of its own. */
  public static ImageSummary ofV1(String location, ImageTree fileTable) {
    return of(location, ImageFormat.V1, 0, fileTable, java.util.OptionalLong.empty());
  }

  private static ImageSummary of(String location, ImageFormat format, int metadataVersion, ImageTree tree,
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
    return new ImageSummary(location, format.name().toLowerCase(java.util.Locale.ROOT), metadataVersion, dirs, links, regulars, hashes.size(),
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
