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
import java.util.function.Supplier;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The options several commands share, as picocli mixins ({@code @Mixin}): each is declared, described
 * and interpreted once. Request contents given on the command line are checked with
 * {@link RequestRules}, the rules the ECUs apply, and refused as usage errors naming the option.
 */
final class SharedOptions {
  private SharedOptions() {}

  /**
   * {@code -h/--help} for the commands where {@code --version} is still accepted as the deprecated
   * spelling of {@code --image-version}, so picocli's standard help options (which add
   * {@code -V/--version}) cannot be used.
   */
  static final class Help {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;
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
  static final class ImageVersion {
    @Option(names = "--image-version", paramLabel = "VERSION",
        description = "Version the ECU records for the image (default: the image location's last path element, "
            + "without .tar or .tar.zst).")
    String version;

    /**
     * The old spelling: {@code --version} meant the image version on update and apply only, and the
     * program's version everywhere else. Still accepted, with a note on stderr.
     */
    @Option(names = "--version", hidden = true, paramLabel = "VERSION")
    void deprecatedVersion(String v) {
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
  static final class CookiesArg {
    @Option(names = "--cookies", defaultValue = "{}", description = "Cookies as a JSON object, or @file to read it from a file.")
    String cookies;

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

  /** The image a read-only image command reads, and the cookies to fetch it with. */
  static final class ImageToRead {
    @Parameters(index = "0", paramLabel = "URL|DIR|TAR", description = "The image.")
    String location;

    @Mixin CookiesArg cookies;
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
  static final class ProgressOptions {
    @Option(names = "--progress-every", paramLabel = "SECONDS", defaultValue = "5",
        description = "Without a terminal, print a progress line this often (default ${DEFAULT-VALUE}; 0 = never). "
            + "On a terminal a progress bar is drawn instead.")
    long seconds;

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
  static final class LocalEcu {
    @Option(names = "--ecu-id", paramLabel = "ID",
        description = "ECU id to report (default: ecu_id of <config-dir>/ecu_info.yaml, or autoware without it).")
    String ecuId;

    @Option(names = "--config-dir", paramLabel = "DIR", defaultValue = "/boot/ota",
        description = "Holds ecu_info.yaml (looked for when --ecu-id is not given) and otaclient.yaml (default ${DEFAULT-VALUE}).")
    Path configDir;

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
  static final class DownloadRate {
    @Option(names = "--max-download-rate", paramLabel = "RATE",
        description = "Cap downloads at RATE bytes/s over all connections, e.g. 20M or 512k (binary multiples);"
            + " 0 for no cap. Replaces max_download_rate of <config-dir>/otaclient.yaml.")
    String rate;

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
  static final class JsonOutput {
    @Option(names = "--json", description = "Print the result as JSON.")
    boolean enabled;
  }

  /** This device's slots and trust: {@code --certs}, {@code --state-dir}, {@code --boot}. */
  static final class Device {
    @Option(names = "--certs", defaultValue = "/opt/ota/client/certs", description = "CA store directory (default ${DEFAULT-VALUE}).")
    Path certs;

    @Option(names = "--state-dir", defaultValue = "/var/lib/otaclient",
        description = "Directory-slot state root, for the directory backend (default ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(names = "--boot", paramLabel = "NAME", description = "Boot backend: directory, grub, grub-legacy, "
        + "jetson-cboot, jetson-uefi, rpi-tryboot or auto_detect (default: the bootloader key of ecu_info.yaml, "
        + "else directory).")
    String boot;

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
