package dev.otaclient.internal.ecu;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * This ECU's own client settings, read from the optional {@code <config-dir>/otaclient.yaml}. Unlike
 * {@code ecu_info.yaml} and {@code proxy_info.yaml} the file has no counterpart in TIER IV's client,
 * so it is read strictly: an unknown key is an error, not a warning.
 *
 * <pre>
 * max_download_rate: 20M   # bytes per second over all downloads of an update; 0 or absent: no cap
 * release_key: prd         # which payload of an OTA image v1 this ECU installs (default dev)
 * </pre>
 *
 * <p>A rate is a whole number of bytes per second with an optional binary suffix, as curl's
 * {@code --limit-rate} reads it: {@code k}/{@code K} (× 1024), {@code m}/{@code M} (× 1024²),
 * {@code g}/{@code G} (× 1024³); {@code 512k}, {@code 10M}, {@code 2500000}.
 *
 * @param maxDownloadRate the download cap in bytes per second, or empty for none
 * @param releaseKey the OTA image v1 payload release key
 * @param source where the values came from: the file's path, or a note that defaults apply
 */
public record OtaclientSettings(OptionalLong maxDownloadRate, String releaseKey, String source) {
  public static final String FILE_NAME = "otaclient.yaml";
  public static final String DEFAULT_RELEASE_KEY = "dev";

  private static final Set<String> KEYS = Set.of("max_download_rate", "release_key");

  public OtaclientSettings {
    Objects.requireNonNull(maxDownloadRate);
    Objects.requireNonNull(source);
    String problem = releaseKeyProblem(releaseKey);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    if (maxDownloadRate.isPresent() && maxDownloadRate.getAsLong() < 1) {
      throw new IllegalArgumentException("a download cap must be at least 1 byte/s");
    }
  }

  /** No file: no cap, release key {@code dev}. */
  public static OtaclientSettings defaults() {
    return new OtaclientSettings(OptionalLong.empty(), DEFAULT_RELEASE_KEY, "defaults");
  }

  /** Reads {@code file}; a missing file gives {@link #defaults()}, an invalid one throws. */
  public static OtaclientSettings load(Path file) {
    Optional<String> text = ConfigYaml.read(file);
    if (text.isEmpty()) {
      return defaults();
    }
    return parse(text.get(), file.toString());
  }

  /**
   * Parses the file's content; {@code fileName} labels error messages and becomes the source.
   *
   * @throws dev.otaclient.error.OtaException naming the file, line and key at fault
   */
  public static OtaclientSettings parse(String yaml, String fileName) {
    Optional<ConfigYaml.Fields> doc = ConfigYaml.parseOptionalMapping(yaml, fileName);
    if (doc.isEmpty()) {
      return new OtaclientSettings(OptionalLong.empty(), DEFAULT_RELEASE_KEY, fileName);
    }
    ConfigYaml.Fields f = doc.get();
    for (String key : f.keys()) {
      if (!KEYS.contains(key)) {
        throw f.fail(key, "unknown key (known: max_download_rate, release_key)");
      }
    }
    OptionalLong rate = OptionalLong.empty();
    if (f.has("max_download_rate")) {
      Node v = f.valueNode("max_download_rate");
      if (!(v instanceof ScalarNode) || !(Tag.INT.equals(v.getTag()) || Tag.STR.equals(v.getTag()))) {
        throw f.fail("max_download_rate", "must be bytes per second such as 2500000, 512k or 20M, got "
            + ConfigYaml.describe(v));
      }
      try {
        rate = rateOrNone(parseRate(((ScalarNode) v).getValue()));
      } catch (IllegalArgumentException e) {
        throw f.fail("max_download_rate", e.getMessage());
      }
    }
    String key = f.string("release_key").orElse(DEFAULT_RELEASE_KEY);
    String problem = releaseKeyProblem(key);
    if (problem != null) {
      throw f.fail("release_key", problem);
    }
    return new OtaclientSettings(rate, key, fileName);
  }

  /** The same settings with the cap replaced ({@code 0}: no cap), e.g. by a command-line option. */
  public OtaclientSettings withMaxDownloadRate(long bytesPerSecond, String from) {
    return new OtaclientSettings(rateOrNone(bytesPerSecond), releaseKey, source + ", cap from " + from);
  }

  /** "20.0 MiB/s (20971520 bytes/s)" or "no cap". */
  public String describeRate() {
    if (maxDownloadRate.isEmpty()) {
      return "no download cap";
    }
    long r = maxDownloadRate.getAsLong();
    return String.format(Locale.ROOT, "download cap %.1f MiB/s (%d bytes/s)", r / 1048576.0, r);
  }

  private static OptionalLong rateOrNone(long r) {
    return r == 0 ? OptionalLong.empty() : OptionalLong.of(r);
  }

  /**
   * Reads a rate: digits with an optional {@code k}, {@code M} or {@code G} suffix (binary multiples,
   * either case). {@code 0} means no cap.
   *
   * @throws IllegalArgumentException with the reason, for the caller to place
   */
  public static long parseRate(String text) {
    String t = text.trim();
    if (t.isEmpty()) {
      throw new IllegalArgumentException("empty rate: give bytes per second such as 2500000, 512k or 20M");
    }
    long unit = 1;
    char last = t.charAt(t.length() - 1);
    switch (Character.toLowerCase(last)) {
      case 'k' -> unit = 1L << 10;
      case 'm' -> unit = 1L << 20;
      case 'g' -> unit = 1L << 30;
      default -> {
      }
    }
    String digits = unit == 1 ? t : t.substring(0, t.length() - 1);
    if (digits.isEmpty() || digits.length() > 12 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("'" + text + "' is not a rate: give whole bytes per second with an"
          + " optional k, M or G suffix (2500000, 512k, 20M)");
    }
    long value = Long.parseLong(digits);
    if (value > Long.MAX_VALUE / unit) {
      throw new IllegalArgumentException("'" + text + "' is too large");
    }
    return value * unit;
  }

  /** Why {@code key} cannot be a release key, or null when it can: 1-64 printable ASCII characters. */
  public static String releaseKeyProblem(String key) {
    if (key == null || key.isEmpty() || key.length() > 64 || !key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      return "release key must be 1-64 printable ASCII characters without spaces: '" + key + "'";
    }
    return null;
  }
}
