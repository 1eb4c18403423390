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
    long dirs = count(ListKind.DIRECTORIES, lists);
    long links = count(ListKind.SYMLINKS, lists);
    long persist = count(ListKind.PERSISTENTS, lists);
    long regulars = 0;
    long size = 0;
    long compressed = 0;
    long compressedSize = 0;
    java.util.Set<String> hashes = new java.util.HashSet<>();
    try (ListReader<RegularEntry> r = ListReader.open(ListKind.REGULARS, lists.regulars())) {
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
    return new ImageSummary(location, metadata.version(), dirs, links, regulars, hashes.size(),
        metadata.totalRegularSize().orElse(size), compressed, compressedSize, persist);
  }

  private static long count(ListKind kind, VerifiedLists lists) {
    long n = 0;
    try (ListReader<Object> r = ListReader.open(kind, lists.path(kind))) {
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
