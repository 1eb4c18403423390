package dev.otaclient.update;

import dev.otaclient.image.ListKind;
import dev.otaclient.image.ListReader;
import dev.otaclient.image.RegularEntry;
import dev.otaclient.image.VerifiedLists;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A dry run of a delta update from one image to another, from their lists alone: which regular files
 * would be copied from the old slot, hard-linked, or downloaded, in files and bytes. The same rules as
 * {@link RegularFileStep}: one download per unique missing content, other members of a hard-link group
 * linked, everything else copied.
 *
 * @param downloadBytes uncompressed bytes of the unique contents to download (the wire may carry less
 *     when the image has zstd blobs)
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

  public static DeltaEstimate between(VerifiedLists oldImage, VerifiedLists newImage) {
    Set<String> oldHashes = new HashSet<>();
    Set<String> oldPaths = new HashSet<>();
    try (ListReader<RegularEntry> r = ListReader.open(ListKind.REGULARS, oldImage.regulars())) {
      r.forEachRemaining(e -> {
        oldHashes.add(e.sha256());
        oldPaths.add(e.path());
      });
    }
    long total = 0;
    long copy = 0;
    long copyBytes = 0;
    long link = 0;
    long linkBytes = 0;
    long download = 0;
    long downloadBytes = 0;
    long compressed = 0;
    Set<String> obtained = new HashSet<>();
    Map<String, Boolean> linkGroups = new HashMap<>();
    try (ListReader<RegularEntry> r = ListReader.open(ListKind.REGULARS, newImage.regulars())) {
      while (r.hasNext()) {
        RegularEntry e = r.next();
        total++;
        oldPaths.remove(e.path());
        long size = Math.max(0, e.size());
        boolean firstOfContent = obtained.add(e.sha256());
        boolean linked = e.isHardLinked() && linkGroups.putIfAbsent(e.linkGroupKey(), Boolean.TRUE) != null;
        if (linked) {
          link++;
          linkBytes += size;
        } else if (firstOfContent && !oldHashes.contains(e.sha256()) && size > 0) {
          download++;
          downloadBytes += size;
          if (e.isCompressed()) {
            compressed++;
          }
        } else {
          copy++;
          copyBytes += size;
        }
      }
    }
    return new DeltaEstimate(total, copy, copyBytes, link, linkBytes, download, downloadBytes, compressed,
        oldPaths.size());
  }
}
