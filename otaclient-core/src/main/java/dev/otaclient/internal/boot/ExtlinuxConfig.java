package dev.otaclient.internal.boot;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The standby {@code /boot/extlinux/extlinux.conf} rewrite of reference §2.9 (CBoot). */
final class ExtlinuxConfig {
  private static final Pattern APPEND = Pattern.compile("^\\s*APPEND(\\s|$)", Pattern.CASE_INSENSITIVE);
  private static final Pattern ROOT_ARG = Pattern.compile("(?<=\\s)root=\\S+");

  private ExtlinuxConfig() {}

  /**
   * Every non-comment {@code APPEND} line boots {@code root=PARTUUID=<partuuid>}: an existing
   * {@code root=} argument is replaced, otherwise one is appended. Other lines are unchanged.
   */
  public static String rewriteRoot(String text, String partuuid) {
    String root = "root=PARTUUID=" + partuuid;
    String[] lines = text.split("\n", -1);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (APPEND.matcher(line).find()) {
        Matcher m = ROOT_ARG.matcher(line);
        line = m.find() ? m.replaceAll(Matcher.quoteReplacement(root)) : line.stripTrailing() + " " + root;
      }
      sb.append(line);
      if (i < lines.length - 1) {
        sb.append('\n');
      }
    }
    return sb.toString();
  }
}
