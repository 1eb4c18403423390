package dev.otaclient.internal.boot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The standby {@code /etc/fstab} rewrite of reference §2.9 (GRUB): the running system's mounts are
 * kept, the image decides entries it also declares, and {@code /} is the standby partition.
 *
 * <ul>
 *   <li>walk the active fstab; comments, blank and unparseable lines are kept verbatim;</li>
 *   <li>the {@code /} entry keeps its fields but its device becomes {@code UUID=<standby uuid>};</li>
 *   <li>an entry whose mount point the image's fstab also has is replaced by the image's entry;</li>
 *   <li>other active entries are kept;</li>
 *   <li>image entries with a mount point not seen in the active fstab are appended; the image's own
 *       {@code /} entry is always dropped;</li>
 *   <li>fields are joined with tabs, lines with {@code \n}, no trailing newline.</li>
 * </ul>
 */
final class FstabMerge {
  private FstabMerge() {}

  public static String merge(String activeFstab, String imageFstab, String standbyRootUuid) {
    Map<String, String[]> image = new LinkedHashMap<>();
    for (String line : lines(imageFstab)) {
      String[] f = entry(line);
      if (f != null) {
        image.putIfAbsent(f[1], f);
      }
    }
    List<String> out = new ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (String line : lines(activeFstab)) {
      String[] f = entry(line);
      if (f == null) {
        out.add(line);
        continue;
      }
      String mountPoint = f[1];
      seen.add(mountPoint);
      if (mountPoint.equals("/")) {
        f[0] = "UUID=" + standbyRootUuid;
        out.add(String.join("\t", f));
      } else if (image.containsKey(mountPoint)) {
        out.add(String.join("\t", image.get(mountPoint)));
      } else {
        out.add(String.join("\t", f));
      }
    }
    for (Map.Entry<String, String[]> e : image.entrySet()) {
      if (!e.getKey().equals("/") && !seen.contains(e.getKey())) {
        out.add(String.join("\t", e.getValue()));
      }
    }
    return String.join("\n", out);
  }

  /** Fields of an fstab entry (4 to 6 whitespace-separated fields), or null for anything else. */
  private static String[] entry(String line) {
    String t = line.strip();
    if (t.isEmpty() || t.startsWith("#")) {
      return null;
    }
    String[] f = t.split("\\s+");
    return f.length >= 4 && f.length <= 6 ? f : null;
  }

  private static List<String> lines(String text) {
    List<String> l = new ArrayList<>(List.of(text.split("\n", -1)));
    if (!l.isEmpty() && l.get(l.size() - 1).isEmpty()) {
      l.remove(l.size() - 1); // the file's final newline is not a blank line
    }
    return l;
  }
}
