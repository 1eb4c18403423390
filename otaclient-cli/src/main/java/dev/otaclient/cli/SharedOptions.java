package dev.otaclient.cli;

import dev.otaclient.internal.boot.BootBackend;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fetch.Cookies;
import dev.otaclient.internal.image.ImageLocation;
import dev.otaclient.internal.update.RequestRules;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
   * {@code -h/--help} for the commands where {@code --version} is the image version, so picocli's
   * standard help options (which add {@code -V/--version}) cannot be used.
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

  /** {@code --version}: the version an update records. */
  static final class ImageVersion {
    // --version is the image version here, as the issue's command line says; `otaclient --version` prints ours
    @Option(names = "--version", description = "Version to record (default: the image location's last path element).")
    String version;

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
        throw new CliFailure("--version: required, " + image + " has no path element to take it from", 2);
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
          throw new CliFailure("--cookies: cannot read " + cookies.substring(1) + ": " + e.getMessage(), 2);
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

  /** {@code --certs} of the commands that only read images: optional. */
  static final class ImageTrust {
    @Option(names = "--certs", description = "CA store directory; without it only signatures are checked.")
    Path certs;
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

    @Option(names = "--boot", defaultValue = "directory", description = "Boot backend: directory, grub, grub-legacy, jetson-cboot, jetson-uefi or rpi-tryboot (default ${DEFAULT-VALUE}).")
    String boot;

    BootBackend backend() {
      return BootBackend.parse(boot);
    }
  }
}
