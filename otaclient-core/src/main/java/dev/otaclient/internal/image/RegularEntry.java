package dev.otaclient.internal.image;

/**
 * One line of {@code regulars.txt}. Fields that older list revisions do not carry are "absent":
 * {@code size == -1}, {@code inode == null}, {@code compressAlg == null}. {@code sha256} is the lower-case
 * hex digest of the uncompressed content.
 */
public record RegularEntry(String path, int mode, long uid, long gid, int nlink, String sha256,
                           long size, String inode, String compressAlg) {

  /** False for rev1 lines, which carry no size. */
  public boolean hasSize() {
    return size >= 0;
  }

  public boolean isHardLinked() {
    return nlink > 1;
  }

  /**
   * Key grouping the members of one hard-link set. The build-host inode identifies the set exactly;
   * lists older than rev3 have none, so the content digest is the best approximation left (files with
   * equal content and nlink > 1 are then linked together, as the Python client does).
   */
  public String linkGroupKey() {
    return inode != null ? "i:" + inode : "h:" + sha256;
  }

  /** True when the image stores this file as a zstd blob under the compressed directory. */
  public boolean isCompressed() {
    return "zst".equals(compressAlg) || "zstd".equals(compressAlg);
  }

  /**
   * True for {@code /boot} and everything below it. A component-wise test, unlike the Python client's
   * plain string prefix, which also caught {@code /bootstrap/x} (quirk Q11).
   */
  public boolean isUnderBoot() {
    return path.equals("/boot") || path.startsWith("/boot/");
  }
}
