package dev.otaclient.internal.boot;

import dev.otaclient.internal.fs.ContentHash;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text formats of the per-slot GRUB layout (TIER IV's client from 3.14 on): the OTA-managed
 * {@code /boot/grub/grub.cfg} (a header, the {@code grub-mkconfig} output, a footer with a checksum),
 * the per-slot menu entry {@code /boot/grub/ota-slot_<a|b>.cfg}, the slot's {@code /etc/default/grub},
 * the {@code 30_ota} grub.d hook that makes {@code grub-mkconfig} source the two entries, and the
 * slot's {@code /etc/fstab}. Pure functions over strings, so every format has its own tests.
 */
final class GrubSlotConfig {
  static final String SLOT_A = "ota-slot_a";
  static final String SLOT_B = "ota-slot_b";

  /** First two lines of every file this layout owns in full. */
  static final String MANAGED_HEADER = "# OTAClient managed configuration file, DO NOT EDIT!\n"
      + "# Manual edits to this file will NOT be preserved across OTA!\n";
  private static final String FOOTER_HEAD = "# ------ OTA managed metadata ------ #\n";
  private static final String FOOTER_TAIL = "# ------ End of OTA managed metadata ------ #\n";

  /**
   * The client version written into the managed grub.cfg footer. TIER IV's client regenerates a
   * managed grub.cfg whose recorded version is below the one that introduced this format, so we record
   * that format level (not our own version, which it could not parse) to be read as current.
   */
  static final String FORMAT_CLIENT_VERSION = "3.14.1";
  private static final List<Integer> MIN_FORMAT = List.of(3, 14, 1);

  /** Options every slot's {@code /etc/default/grub} must have: a flat menu, no wait, default from grubenv. */
  static final Map<String, String> REQUIRED_DEFAULTS;
  /** Options that must not be present (GRUB would overwrite saved_entry on every boot). */
  static final List<String> FORBIDDEN_DEFAULTS = List.of("GRUB_SAVEDEFAULT");

  static {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("GRUB_TIMEOUT_STYLE", "menu");
    m.put("GRUB_TIMEOUT", "0");
    m.put("GRUB_DISABLE_SUBMENU", "y");
    m.put("GRUB_DISABLE_OS_PROBER", "true");
    m.put("GRUB_DISABLE_RECOVERY", "true");
    m.put("GRUB_DEFAULT", "saved");
    REQUIRED_DEFAULTS = java.util.Collections.unmodifiableMap(m);
  }

  /** The grub.d hook installed in each slot: the generated grub.cfg sources whichever slot entries exist. */
  static final String HOOK_NAME = "30_ota";
  static final String HOOK = "#!/bin/sh\n"
      + "cat <<EOF\n"
      + "if [ -f \\${config_directory}/ota-slot_a.cfg ]; then\n"
      + "    source \\${config_directory}/ota-slot_a.cfg\n"
      + "fi\n"
      + "\n"
      + "if [ -f \\${config_directory}/ota-slot_b.cfg ]; then\n"
      + "    source \\${config_directory}/ota-slot_b.cfg\n"
      + "fi\n"
      + "EOF\n";
  /** The stock hook that would add a "UEFI Firmware Settings" entry; replaced by an inert stub. */
  static final String UEFI_FIRMWARE_HOOK = "30_uefi-firmware";
  static final String UEFI_FIRMWARE_STUB = "#!/bin/sh\n"
      + "# Disabled by the OTA client: the OTA-managed menu holds the two slot entries only.\n";

  private static final Pattern MENUENTRY_HEAD = Pattern.compile("(?m)^[ \\t]*menuentry[ \\t]");
  private static final Pattern LINUX = Pattern.compile("(?m)^([ \\t]*linux[ \\t]+)(\\S+)");
  private static final Pattern INITRD = Pattern.compile("(?m)^([ \\t]*initrd[ \\t]+)(\\S+)");
  private static final Pattern KERNEL_VERSION = Pattern.compile("vmlinuz-([.\\w-]+)$");
  private static final Pattern RECOVERY_ARG = Pattern.compile("(?m)^[ \\t]*linux[ \\t].*[ \\t]recovery([ \\t]|$)");
  private static final Pattern TITLE = Pattern.compile("^([ \\t]*menuentry[ \\t]+)(\"[^\"]*\"|'[^']*'|\\S+)");
  private static final Pattern ID = Pattern.compile("^([ \\t]*menuentry[^\\n]*?\\$menuentry_id_option[ \\t]+)(\"[^\"]*\"|'[^']*'|\\S+)");
  private static final Pattern FSTAB_ENTRY = Pattern.compile("^\\s*(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\d+)\\s+(\\d+)\\s*$");

  private GrubSlotConfig() {}

  // ---------------------------------------------------------------- managed grub.cfg

  /** The managed file around {@code generated} (stripped), as TIER IV's client writes it. */
  static String managed(String generated, String grubVersion) {
    String content = generated.strip();
    return MANAGED_HEADER + content + "\n" + FOOTER_HEAD
        + "# otaclient_version: " + FORMAT_CLIENT_VERSION + "\n"
        + "# grub_version: " + grubVersion + "\n"
        + "# checksum: sha256:" + ContentHash.of(content.getBytes(StandardCharsets.UTF_8)) + "\n"
        + FOOTER_TAIL;
  }

  /**
   * Whether {@code text} is a managed file as written by {@link #managed} (or TIER IV's client): the
   * header, a footer naming a client version at or above the format's, a GRUB version, and a checksum
   * that matches the content. Anything else (edited by hand, torn, written by an older client) is not.
   */
  static boolean isValidManaged(String text) {
    if (!text.startsWith(MANAGED_HEADER)) {
      return false;
    }
    String rest = text.substring(MANAGED_HEADER.length());
    int head = rest.indexOf(FOOTER_HEAD);
    int tail = rest.indexOf(FOOTER_TAIL);
    if (head < 0 || tail < head) {
      return false;
    }
    Map<String, String> meta = new LinkedHashMap<>();
    for (String line : rest.substring(head + FOOTER_HEAD.length(), tail).split("\n")) {
      String t = line.strip();
      if (t.isEmpty()) {
        continue;
      }
      if (!t.startsWith("#")) {
        return false;
      }
      t = t.substring(1).strip();
      int colon = t.indexOf(':');
      if (colon > 0) {
        meta.put(t.substring(0, colon).strip(), t.substring(colon + 1).strip());
      }
    }
    String checksum = meta.getOrDefault("checksum", "");
    if (!checksum.startsWith("sha256:") || meta.getOrDefault("grub_version", "").isEmpty()) {
      return false;
    }
    Optional<List<Integer>> version = releaseOf(meta.getOrDefault("otaclient_version", ""));
    if (version.isEmpty() || compare(version.get(), MIN_FORMAT) < 0) {
      return false;
    }
    String content = rest.substring(0, head).strip();
    return ContentHash.of(content.getBytes(StandardCharsets.UTF_8)).equals(checksum.substring("sha256:".length()));
  }

  /** The release numbers of a PEP 440 version ({@code 3.14.1rc1.dev3+g1} gives 3, 14, 1), or empty. */
  static Optional<List<Integer>> releaseOf(String version) {
    Matcher m = Pattern.compile("^v?(\\d+(?:\\.\\d+)*)((?:a|b|rc)\\d+)?(\\.post\\d+)?(\\.dev\\d+)?(\\+[A-Za-z0-9.]+)?$")
        .matcher(version.strip());
    if (!m.matches()) {
      return Optional.empty();
    }
    List<Integer> out = new ArrayList<>();
    for (String p : m.group(1).split("\\.")) {
      out.add(Integer.parseInt(p));
    }
    return Optional.of(out);
  }

  private static int compare(List<Integer> a, List<Integer> b) {
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      int c = Integer.compare(a.get(i), b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  /** GRUB's version from {@code grub-mkconfig --version} ({@code grub-mkconfig (GRUB) 2.06-13}). */
  static String grubVersion(String versionOutput) {
    Matcher m = Pattern.compile("\\(GRUB\\)\\s+([\\w.\\-+~]+)").matcher(versionOutput);
    if (m.find()) {
      return m.group(1);
    }
    String t = versionOutput.strip();
    return t.isEmpty() ? "unknown_grub_version" : t;
  }

  // ---------------------------------------------------------------- menu entries

  /** Every {@code menuentry ... { ... }} block, braces counted so nested blocks stay inside. */
  static List<String> menuEntries(String cfg) {
    List<String> out = new ArrayList<>();
    Matcher m = MENUENTRY_HEAD.matcher(cfg);
    while (m.find()) {
      int open = cfg.indexOf('{', m.start());
      if (open < 0) {
        throw new IllegalArgumentException("menuentry at offset " + m.start() + " has no opening brace");
      }
      int depth = 0;
      int end = -1;
      for (int i = open; i < cfg.length(); i++) {
        char c = cfg.charAt(i);
        if (c == '{') {
          depth++;
        } else if (c == '}' && --depth == 0) {
          end = i;
          break;
        }
      }
      if (end < 0) {
        throw new IllegalArgumentException("menuentry at offset " + m.start() + " has unclosed braces");
      }
      out.add(cfg.substring(m.start(), end + 1));
    }
    return out;
  }

  /**
   * The entry for one slot out of {@code grub-mkconfig} output: the first non-recovery entry loading
   * {@code vmlinuz-<kernelVersion>}, titled and identified as the slot, its kernel and initrd paths
   * below {@code /<slot>/} (already there when grub-mkconfig saw the slot folder as /boot), and a line
   * saying which slot boots. Empty when there is no such entry.
   */
  static Optional<String> slotEntry(String generated, String slot, String kernelVersion) {
    for (String e : menuEntries(generated)) {
      Matcher l = LINUX.matcher(e);
      if (!l.find() || RECOVERY_ARG.matcher(e).find()) {
        continue;
      }
      Matcher v = KERNEL_VERSION.matcher(l.group(2));
      if (v.find() && v.group(1).equals(kernelVersion)) {
        return Optional.of(fixUp(e, slot));
      }
    }
    return Optional.empty();
  }

  private static String fixUp(String entry, String slot) {
    String quoted = "'" + slot + "'";
    String e = TITLE.matcher(entry).replaceFirst(m -> Matcher.quoteReplacement(m.group(1) + quoted));
    e = ID.matcher(e).replaceFirst(m -> Matcher.quoteReplacement(m.group(1) + quoted));
    e = LINUX.matcher(e).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + underSlot(m.group(2), slot)));
    e = INITRD.matcher(e).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + underSlot(m.group(2), slot)));
    int open = e.indexOf('{');
    return e.substring(0, open + 1) + "\n\techo\t'Booting from " + slot + " ...'" + e.substring(open + 1);
  }

  private static String underSlot(String path, String slot) {
    String prefix = "/" + slot + "/";
    return path.startsWith(prefix) ? path : prefix + path.replaceFirst("^/+", "");
  }

  // ---------------------------------------------------------------- /etc/default/grub

  /**
   * The slot's {@code /etc/default/grub}: its {@code KEY=value} options (the last of repeated keys,
   * in first-seen order, values trimmed), the required options set, the forbidden ones removed,
   * comments and other lines dropped, under the managed header.
   */
  static String defaultGrub(String current) {
    Map<String, String> kv = new LinkedHashMap<>();
    for (String line : current.split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] kvp = line.strip().split("=", 2);
      if (kvp.length == 2) {
        kv.put(kvp[0].strip(), kvp[1].strip());
      }
    }
    kv.putAll(REQUIRED_DEFAULTS);
    FORBIDDEN_DEFAULTS.forEach(kv::remove);
    StringBuilder sb = new StringBuilder(MANAGED_HEADER).append('\n');
    kv.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    return sb.toString();
  }

  // ---------------------------------------------------------------- /etc/fstab

  /**
   * A slot's {@code /etc/fstab}: {@code /} from the reference (the running system's fstab) with the
   * slot's UUID, then {@code /boot} and (on UEFI) {@code /boot/efi} from the reference, or defaults
   * naming the partitions when it has none, then every other valid entry of the slot's own fstab.
   * Comments and malformed lines are dropped; fields joined by tabs; a final newline.
   */
  static String fstab(String slotFstab, Optional<String> referenceFstab, String slotUuid, String bootUuid,
      Optional<String> efiUuid) {
    Map<String, String[]> ref = referenceFstab.map(GrubSlotConfig::fstabEntries).orElse(Map.of());
    Map<String, String[]> own = fstabEntries(slotFstab);
    List<String> out = new ArrayList<>();
    String[] root = ref.get("/");
    out.add(root != null ? "UUID=" + slotUuid + "\t" + String.join("\t", List.of(root).subList(1, 6))
        : "UUID=" + slotUuid + "\t/\text4\terrors=remount-ro\t0\t1");
    String[] boot = ref.get("/boot");
    out.add(boot != null ? String.join("\t", boot) : "UUID=" + bootUuid + "\t/boot\text4\tdefaults\t0\t1");
    if (efiUuid.isPresent()) {
      String[] efi = ref.get("/boot/efi");
      out.add(efi != null ? String.join("\t", efi) : "UUID=" + efiUuid.get() + "\t/boot/efi\tvfat\tdefaults\t0\t1");
    }
    own.forEach((mp, f) -> {
      if (!mp.equals("/") && !mp.equals("/boot") && !mp.equals("/boot/efi")) {
        out.add(String.join("\t", f));
      }
    });
    return String.join("\n", out) + "\n";
  }

  private static Map<String, String[]> fstabEntries(String text) {
    Map<String, String[]> out = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.strip().startsWith("#")) {
        continue;
      }
      Matcher m = FSTAB_ENTRY.matcher(line);
      if (m.matches()) {
        String[] f = new String[6];
        for (int i = 0; i < 6; i++) {
          f[i] = m.group(i + 1);
        }
        out.put(f[1], f);
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- kernel command line

  /** The kernel file GRUB started, from {@code BOOT_IMAGE=} (a path below /boot, or relative to the boot partition). */
  static Optional<String> bootImage(String cmdline) {
    for (String token : cmdline.strip().split("\\s+")) {
      if (token.startsWith("BOOT_IMAGE=")) {
        return Optional.of(token.substring("BOOT_IMAGE=".length()));
      }
    }
    return Optional.empty();
  }
}
