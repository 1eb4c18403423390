package dev.otaclient.cli;

import dev.otaclient.internal.boot.BootBackend;
import dev.otaclient.internal.ecu.EcuInfo;
import dev.otaclient.internal.ecu.OtaclientSettings;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fetch.Cookies;
import dev.otaclient.internal.image.ImageLocation;
import dev.otaclient.internal.update.RequestRules;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The options several commands share: each is declared, described and interpreted once. Request
 * contents given on the command line are checked with {@link RequestRules}, the rules the ECUs apply,
 * and refused as usage errors naming the option.
 *
 * <p>The groups that {@code apply} uses are {@link Group}s, added to a command's model by code: a model
 * read from annotations costs a cold JVM ~70 ms of reflection and generated annotation proxies before
 * the first request (docs/benchmarks.md, "Round eight"), and {@code apply} is the command a device
 * runs cold. The others are picocli mixins ({@code @Mixin}).
 */
final class SharedOptions {
  private SharedOptions() {}

  /** Options added to a command's model by code ({@link CommandSpec#addOption}), not read from annotations. */
  interface Group {
    void addTo(CommandSpec spec);
  }

  /**
   * An annotated command that also has {@link Group}s: {@link Main} adds them to its model, wherever
   * the command is in the tree.
   */
  interface Grouped {
    List<Group> groups();
  }

  /** Adds the groups of every {@link Grouped} command in the tree under {@code cl}. */
  static void addGroups(CommandLine cl) {
    if (cl.getCommand() instanceof Grouped grouped) {
      grouped.groups().forEach(g -> g.addTo(cl.getCommandSpec()));
    }
    // an alias maps to the same CommandLine as its name: each is visited once
    cl.getSubcommands().values().stream().distinct().forEach(SharedOptions::addGroups);
  }

  /** A setter handing each value picocli parses (or defaults) to {@code sink}. */
  static <V> ISetter into(Class<V> type, Consumer<V> sink) {
    return new ISetter() {
      @Override
      public <T> T set(T value) {
        sink.accept(type.cast(value));
        return null;
      }
    };
  }

  /** {@code -h/--help} as picocli's standard help options describe it. */
  static OptionSpec helpOption() {
    return OptionSpec.builder("-h", "--help").usageHelp(true).description("Show this help message and exit.").build();
  }

  /**
   * {@code -h/--help} for the commands where {@code --version} is still accepted as the deprecated
   * spelling of {@code --image-version}, so picocli's standard help options (which add
   * {@code -V/--version}) cannot be used.
   */
  static final class Help implements Group {
    @Override
    public void addTo(CommandSpec spec) {
      spec.addOption(helpOption());
    }
  }

  /** {@code --target}: the main ECU's gRPC address. */
  static final class MainEcu {
    @Option(names = "--target", defaultValue = Target.DEFAULT, description = "Main ECU HOST:PORT (default ${DEFAULT-VALUE}).")
    String target;

    Target target() {
      return Target.parse(target);
    }
  }

  /** {@code --ecu}, repeatable: the ECUs a request is for. */
  static final class Ecus {
    @Option(names = "--ecu", required = true, paramLabel = "ID", description = "ECU id the request is for (repeatable).")
    List<String> ids;

    /** The ids, each a valid ECU id and none repeated. */
    List<String> checked() {
      for (String id : ids) {
        RequestArgs.refuse(RequestRules.ecuId(id));
      }
      RequestArgs.refuse(RequestRules.repeatedIds(ids).values().stream().findFirst());
      return ids;
    }
  }

  /** {@code --image-version}: the version an update records. */
  static final class ImageVersion implements Group {
    String version;

    @Override
    public void addTo(CommandSpec spec) {
      spec.addOption(OptionSpec.builder("--image-version").paramLabel("VERSION").type(String.class)
          .description("Version the ECU records for the image (default: the image location's last path element, "
              + "without .tar or .tar.zst).")
          .setter(into(String.class, v -> version = v)).build());
      // The old spelling: --version meant the image version on update and apply only, and the program's
      // version everywhere else. Still accepted, with a note on stderr.
      spec.addOption(OptionSpec.builder("--version").hidden(true).paramLabel("VERSION").type(String.class)
          .setter(into(String.class, this::deprecatedVersion)).build());
    }

    private void deprecatedVersion(String v) {
      if (v == null) {
        return; // picocli resetting the option before a parse
      }
      System.err.println("otaclient: note: --version on update and apply is deprecated, use --image-version");
      version = v;
    }

    /**
     * The version given, else the last element of {@code image}'s location: empty when it has none, or
     * is no location at all (the request's check then says why).
     */
    String orDefaultFor(String image) {
      if (version != null) {
        return version;
      }
      try {
        return ImageLocation.parse(image).name();
      } catch (OtaException e) {
        return "";
      }
    }

    /** Once the request is checked: a default from a location without a path element is no version. */
    void requireFound(String chosen, String image) {
      if (version == null && chosen.isEmpty()) {
        throw CliFailure.usage("--image-version: required, " + image + " has no path element to take it from");
      }
    }
  }

  /** {@code --cookies}: the cookies an image is fetched with, as JSON text or {@code @file}. */
  static final class CookiesArg implements Group {
    String cookies;

    @Override
    public void addTo(CommandSpec spec) {
      spec.addOption(OptionSpec.builder("--cookies").type(String.class).defaultValue("{}").paramLabel("<cookies>")
          .description("Cookies as a JSON object, or @file to read it from a file.")
          .setter(into(String.class, v -> cookies = v)).build());
    }

    /** The JSON text, read from the file for {@code @file}. */
    String json() {
      if (cookies != null && cookies.startsWith("@")) {
        try {
          return Files.readString(Path.of(cookies.substring(1)), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
          throw CliFailure.usage("--cookies: cannot read " + cookies.substring(1) + ": " + e.getMessage());
        }
      }
      return cookies;
    }

    /** The parsed cookies. */
    Cookies parsed() {
      String json = json();
      RequestArgs.refuse(RequestRules.cookies(json));
      return Cookies.parse(json);
    }
  }

  /** The image a read-only image command reads, and the cookies to fetch it with (a group of the command). */
  static final class ImageToRead {
    @Parameters(index = "0", paramLabel = "URL|DIR|TAR", description = "The image.")
    String location;

    final CookiesArg cookies = new CookiesArg();
  }

  /** A directory an option names must exist: a usage error naming the option otherwise. */
  static Path existingDirectory(String option, Path dir) {
    if (dir != null && !Files.isDirectory(dir)) {
      throw CliFailure.usage(option + " " + dir + ": " + (Files.exists(dir) ? "not a directory" : "no such directory"));
    }
    return dir;
  }

  /** {@code --certs} of the commands that only read images: optional. */
  static final class ImageTrust {
    @Option(names = "--certs", description = "CA store directory; without it only signatures are checked.")
    Path certs;
  }

  /** {@code --progress-every}: how often progress is printed when stderr is not a terminal. */
  static final class ProgressOptions implements Group {
    long seconds;

    @Override
    public void addTo(CommandSpec spec) {
      spec.addOption(OptionSpec.builder("--progress-every").paramLabel("SECONDS").type(long.class).defaultValue("5")
          .description("Without a terminal, print a progress line this often (default ${DEFAULT-VALUE}; 0 = never). "
              + "On a terminal a progress bar is drawn instead.")
          .setter(into(Long.class, v -> seconds = v == null ? 0 : v)).build());
    }

    ProgressLine line() {
      if (seconds < 0) {
        throw CliFailure.usage("--progress-every: must be 0 or more seconds, got " + seconds);
      }
      return new ProgressLine(System.err, java.time.Duration.ofSeconds(seconds));
    }
  }

  /**
   * {@code --ecu-id} of the commands that work on this machine without a daemon: the id given, else
   * the one configured in {@code --config-dir}'s ecu_info.yaml, else that file's default id.
   */
  static final class LocalEcu implements Group {
    String ecuId;
    Path configDir;

    @Override
    public void addTo(CommandSpec spec) {
      spec.addOption(OptionSpec.builder("--ecu-id").paramLabel("ID").type(String.class)
          .description("ECU id to report (default: ecu_id of <config-dir>/ecu_info.yaml, or autoware without it).")
          .setter(into(String.class, v -> ecuId = v)).build());
      spec.addOption(OptionSpec.builder("--config-dir").paramLabel("DIR").type(Path.class).defaultValue("/boot/ota")
          .description("Holds ecu_info.yaml (looked for when --ecu-id is not given) and otaclient.yaml "
              + "(default ${DEFAULT-VALUE}).")
          .setter(into(Path.class, v -> configDir = v)).build());
    }

    /** {@code <config-dir>/otaclient.yaml}, or its defaults when the file is missing. */
    OtaclientSettings settings() {
      return OtaclientSettings.load(configDir.resolve(OtaclientSettings.FILE_NAME));
    }

    String id() {
      String id = ecuId != null ? ecuId : EcuInfo.load(configDir.resolve("ecu_info.yaml")).ecuId();
      RequestArgs.refuse("--ecu-id", RequestRules.ecuId(id));
      return id;
    }
  }

  /** {@code --max-download-rate}: replaces the download cap of otaclient.yaml for this run. */
  static final class DownloadRate implements Group {
    String rate;

    @Override
    public void addTo(CommandSpec spec) {
      spec.addOption(OptionSpec.builder("--max-download-rate").paramLabel("RATE").type(String.class)
          .description("Cap downloads at RATE bytes/s over all connections, e.g. 20M or 512k (binary multiples);"
              + " 0 for no cap. Replaces max_download_rate of <config-dir>/otaclient.yaml.")
          .setter(into(String.class, v -> rate = v)).build());
    }

    /** {@code file} with the option's cap, when the option was given. */
    OtaclientSettings over(OtaclientSettings file) {
      if (rate == null) {
        return file;
      }
      try {
        return file.withMaxDownloadRate(OtaclientSettings.parseRate(rate), "--max-download-rate");
      } catch (IllegalArgumentException e) {
        throw CliFailure.usage("--max-download-rate: " + e.getMessage());
      }
    }
  }

  /** {@code --json}: results for scripts. */
  static final class JsonOutput implements Group {
    boolean enabled;

    @Override
    public void addTo(CommandSpec spec) {
      spec.addOption(OptionSpec.builder("--json").type(boolean.class).description("Print the result as JSON.")
          .setter(into(Boolean.class, v -> enabled = v != null && v)).build());
    }
  }

  /** This device's slots and trust: {@code --certs}, {@code --state-dir}, {@code --boot}. */
  static final class Device implements Group {
    Path certs;
    Path stateDir;
    String boot;

    @Override
    public void addTo(CommandSpec spec) {
      spec.addOption(OptionSpec.builder("--certs").paramLabel("<certs>").type(Path.class).defaultValue("/opt/ota/client/certs")
          .description("CA store directory (default ${DEFAULT-VALUE}).")
          .setter(into(Path.class, v -> certs = v)).build());
      spec.addOption(OptionSpec.builder("--state-dir").paramLabel("<stateDir>").type(Path.class).defaultValue("/var/lib/otaclient")
          .description("Directory-slot state root, for the directory backend (default ${DEFAULT-VALUE}).")
          .setter(into(Path.class, v -> stateDir = v)).build());
      spec.addOption(OptionSpec.builder("--boot").paramLabel("NAME").type(String.class)
          .description("Boot backend: directory, grub, grub-legacy, jetson-cboot, jetson-uefi, rpi-tryboot or "
              + "auto_detect (default: the bootloader key of ecu_info.yaml, else directory).")
          .setter(into(String.class, v -> boot = v)).build());
    }

    /** {@code --boot}, when given: it overrides the configuration. */
    Optional<BootBackend> override() {
      if (boot == null) {
        return Optional.empty();
      }
      if (!BootBackend.isKnown(boot)) {
        throw CliFailure.usage("--boot: unknown boot backend '" + boot + "' (" + BootBackend.names() + ")");
      }
      return Optional.of(BootBackend.resolve(boot)); // auto_detect may fail: an OtaException, not a usage error
    }

    /** {@code --boot}, else the {@code bootloader} of {@code ecu} (read only when needed). */
    BootBackend backend(Supplier<EcuInfo> ecu) {
      return override().orElseGet(() -> ecu.get().bootBackend());
    }

    /** An update needs a CA store: without one every image is refused, so say so before starting. */
    void requireCerts() {
      existingDirectory("--certs", certs);
    }
  }
}
