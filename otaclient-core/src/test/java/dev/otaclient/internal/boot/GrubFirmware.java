package dev.otaclient.internal.boot;

import dev.otaclient.error.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What GRUB makes of a boot partition, for both GRUB layouts: {@code grub.cfg} (through its links)
 * and every file it sources must pass GRUB's own parser ({@code grub-script-check}); the environment
 * block is read with {@code grub-editenv list}; {@code next_entry} wins and is consumed (GRUB's
 * {@code save_env}), else the default of 00_header ({@code ${saved_entry}} or a literal); the default
 * names an entry by index, id or title, an unknown one falls back to the first entry. The chosen
 * entry's kernel and initrd must be files on the boot partition and its {@code root=} must be a slot.
 */
public final class GrubFirmware {
  private static final Pattern SOURCE = Pattern.compile("(?m)^\\s*source\\s+\\$\\{config_directory}/(\\S+)");
  private static final Pattern DEFAULT = Pattern.compile("(?m)^\\s*set default=\"([^\"]*)\"");
  private static final Pattern TITLE = Pattern.compile("^\\s*menuentry\\s+(?:'([^']*)'|\"([^\"]*)\"|(\\S+))");
  private static final Pattern ID = Pattern.compile("\\$menuentry_id_option\\s+(?:'([^']*)'|\"([^\"]*)\"|(\\S+))");
  private static final Pattern LINUX = Pattern.compile("(?m)^\\s*linux\\s+(\\S+)(.*)$");
  private static final Pattern INITRD = Pattern.compile("(?m)^\\s*initrd\\s+(\\S+)");
  private static final Pattern ROOT = Pattern.compile("\\sroot=(\\S+)");

  /** The firmware's choice: the slot, which entry, whether it was the one-shot, the files loaded. */
  public record Choice(String slot, String entry, boolean oneShot, String image, String kernel, String initrd, String grubCfg) {}

  private GrubFirmware() {}

  /**
   * @param slotOfRoot maps a {@code root=} value (UUID=..., /dev/...) to a slot name, or null
   * @param consume whether to consume next_entry, as a real boot does
   */
  static Choice boot(Path boot, Function<String, String> slotOfRoot, boolean consume) throws IOException {
    Path cfgPath = boot.resolve("grub/grub.cfg");
    if (!Files.isRegularFile(cfgPath)) {
      throw new IllegalStateException("unbootable: " + cfgPath + " does not resolve to a file");
    }
    String cfg = Files.readString(cfgPath);
    check(cfgPath);
    List<String> entries = new ArrayList<>(GrubSlotConfig.menuEntries(cfg));
    Matcher s = SOURCE.matcher(cfg);
    while (s.find()) {
      Path sourced = boot.resolve("grub").resolve(s.group(1));
      if (Files.isRegularFile(sourced)) {
        check(sourced);
        entries.addAll(GrubSlotConfig.menuEntries(Files.readString(sourced)));
      }
    }
    if (entries.isEmpty()) {
      throw new IllegalStateException("unbootable: no menu entry in grub.cfg or the files it sources");
    }
    Map<String, String> env = readEnv(boot.resolve("grub/grubenv"));
    String wanted;
    boolean oneShot = false;
    if (!env.getOrDefault("next_entry", "").isEmpty() && cfg.contains("${next_entry}")) {
      wanted = env.get("next_entry");
      oneShot = true;
      if (consume) {
        Map<String, String> rest = new LinkedHashMap<>(env);
        rest.remove("next_entry");
        CommandRunner.system().run(ErrorCode.UNRECOVERABLE, "grub-editenv", boot.resolve("grub/grubenv").toString(),
            "unset", "next_entry");
      }
    } else {
      wanted = "0";
      Matcher d = DEFAULT.matcher(cfg);
      while (d.find()) {
        if (!d.group(1).equals("${next_entry}")) {
          wanted = d.group(1);
        }
      }
      if (wanted.equals("${saved_entry}")) {
        wanted = env.getOrDefault("saved_entry", "");
      }
    }
    String entry = find(entries, wanted).orElse(entries.get(0));
    Matcher l = LINUX.matcher(entry);
    Matcher i = INITRD.matcher(entry);
    if (!l.find() || !i.find()) {
      throw new IllegalStateException("unbootable: entry without linux/initrd:\n" + entry);
    }
    Path kernel = boot.resolve(l.group(1).replaceFirst("^/+", ""));
    Path initrd = boot.resolve(i.group(1).replaceFirst("^/+", ""));
    if (!Files.isRegularFile(kernel) || !Files.isRegularFile(initrd)) {
      throw new IllegalStateException("unbootable: the entry loads " + l.group(1) + " and " + i.group(1)
          + ", not both on the boot partition");
    }
    Matcher r = ROOT.matcher(l.group(2));
    String slot = r.find() ? slotOfRoot.apply(r.group(1)) : null;
    if (slot == null) {
      throw new IllegalStateException("unbootable: the entry's root is not a slot: " + l.group(0));
    }
    return new Choice(slot, title(entry), oneShot, l.group(1), kernel.toRealPath().getFileName().toString(),
        initrd.toRealPath().getFileName().toString(), cfg);
  }

  static Map<String, String> readEnv(Path file) {
    Map<String, String> out = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return out;
    }
    for (String line : CommandRunner.system().run(ErrorCode.UNRECOVERABLE, "grub-editenv", file.toString(), "list")
        .stdout().split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        out.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return out;
  }

  private static void check(Path script) {
    CommandResult r = CommandRunner.system().runAllowingFailure(ErrorCode.UNRECOVERABLE,
        List.of("grub-script-check", script.toString()));
    if (!r.succeeded()) {
      throw new IllegalStateException("unbootable: GRUB cannot parse " + script + ": " + r.stderr() + r.stdout());
    }
  }

  private static Optional<String> find(List<String> entries, String wanted) {
    if (wanted.matches("\\d+")) {
      int n = Integer.parseInt(wanted);
      return n < entries.size() ? Optional.of(entries.get(n)) : Optional.empty();
    }
    for (String e : entries) {
      Matcher id = ID.matcher(e.substring(0, e.indexOf('{')));
      if (title(e).equals(wanted) || (id.find() && first(id).equals(wanted))) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  private static String title(String entry) {
    Matcher t = TITLE.matcher(entry);
    return t.find() ? first(t) : "";
  }

  private static String first(Matcher m) {
    for (int g = 1; g <= m.groupCount(); g++) {
      if (m.group(g) != null) {
        return m.group(g);
      }
    }
    return "";
  }
}
