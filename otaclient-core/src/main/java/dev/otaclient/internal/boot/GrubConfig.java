package dev.otaclient.internal.boot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Text transformations of {@code /etc/default/grub}, {@code grub.cfg} and {@code /proc/cmdline} (reference §3.2). */
final class GrubConfig {
  /** Options forced so that the menu is flat (entry indexes are stable) and shows no foreign systems. */
  public static final Map<String, String> FORCED_DEFAULTS;

  static {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("GRUB_TIMEOUT_STYLE", "menu");
    m.put("GRUB_TIMEOUT", "0");
    m.put("GRUB_DISABLE_SUBMENU", "y");
    m.put("GRUB_DISABLE_OS_PROBER", "true");
    m.put("GRUB_DISABLE_RECOVERY", "true");
    FORCED_DEFAULTS = java.util.Collections.unmodifiableMap(m);
  }

  public static final String KERNEL = "vmlinuz-ota";
  public static final String STANDBY_KERNEL = "vmlinuz-ota.standby";

  private static final Pattern ASSIGNMENT = Pattern.compile("^\\s*([A-Za-z_][A-Za-z0-9_]*)=");
  private static final Pattern ROOT_ARG = Pattern.compile("(?<=\\s)root=\\S+");

  private GrubConfig() {}

  /**
   * Sets {@code options} in a {@code /etc/default/grub} text: existing assignments are replaced in
   * place, missing keys appended in the given order, comments and other lines kept. The result
   * ends with a newline.
   */
  public static String rewriteDefaults(String text, Map<String, String> options) {
    List<String> out = new ArrayList<>();
    java.util.Set<String> done = new java.util.HashSet<>();
    for (String line : lines(text)) {
      Matcher m = ASSIGNMENT.matcher(line);
      if (m.find() && options.containsKey(m.group(1))) {
        out.add(m.group(1) + "=" + options.get(m.group(1)));
        done.add(m.group(1));
      } else {
        out.add(line);
      }
    }
    options.forEach((k, v) -> {
      if (!done.contains(k)) {
        out.add(k + "=" + v);
      }
    });
    return String.join("\n", out) + "\n";
  }

  /**
   * Index (counting every {@code menuentry}, as GRUB does for a flat menu) of the first entry whose
   * {@code linux} line loads a kernel file named exactly {@code kernelFileName}.
   */
  public static OptionalInt menuEntryIndex(String grubCfg, String kernelFileName) {
    int index = -1;
    for (String line : lines(grubCfg)) {
      String t = line.strip();
      if (t.startsWith("menuentry ") || t.startsWith("menuentry\t")) {
        index++;
      } else if (index >= 0 && loadsKernel(t, kernelFileName)) {
        return OptionalInt.of(index);
      }
    }
    return OptionalInt.empty();
  }

  /** In every entry loading {@code vmlinuz-ota.standby}, sets {@code root=UUID=<uuid>} on its linux line. */
  public static String rewriteStandbyRoot(String grubCfg, String standbyUuid) {
    StringBuilder sb = new StringBuilder();
    String[] all = grubCfg.split("\n", -1);
    for (int i = 0; i < all.length; i++) {
      String line = all[i];
      if (loadsKernel(line.strip(), STANDBY_KERNEL)) {
        String replacement = "root=UUID=" + standbyUuid;
        Matcher m = ROOT_ARG.matcher(line);
        line = m.find() ? m.replaceAll(Matcher.quoteReplacement(replacement)) : line + " " + replacement;
      }
      sb.append(line);
      if (i < all.length - 1) {
        sb.append('\n');
      }
    }
    return sb.toString();
  }

  /** The kernel file name the running system booted, from {@code BOOT_IMAGE=} on the kernel command line. */
  public static Optional<String> bootedKernel(String cmdline) {
    for (String token : cmdline.strip().split("\\s+")) {
      if (token.startsWith("BOOT_IMAGE=")) {
        String path = token.substring("BOOT_IMAGE=".length());
        return Optional.of(path.substring(path.lastIndexOf('/') + 1));
      }
    }
    return Optional.empty();
  }

  private static boolean loadsKernel(String trimmedLine, String kernelFileName) {
    String[] f = trimmedLine.split("\\s+");
    if (f.length < 2 || !(f[0].equals("linux") || f[0].equals("linuxefi") || f[0].equals("linux16"))) {
      return false;
    }
    return f[1].substring(f[1].lastIndexOf('/') + 1).equals(kernelFileName);
  }

  private static List<String> lines(String text) {
    List<String> l = new ArrayList<>(List.of(text.split("\n", -1)));
    if (!l.isEmpty() && l.get(l.size() - 1).isEmpty()) {
      l.remove(l.size() - 1);
    }
    return l;
  }
}
