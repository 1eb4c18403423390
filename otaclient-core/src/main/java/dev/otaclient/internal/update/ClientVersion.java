package dev.otaclient.internal.update;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version of the running OTA client, reported as {@code otaclient_version}. Read from
 * {@code dev/otaclient/otaclient-version.properties}, which the build fills in; the first one on the
 * class path wins, so a client release installed by ClientUpdate reports its own version once the
 * service manager restarted the client from it.
 */
public final class ClientVersion {
  static final String RESOURCE = "/dev/otaclient/otaclient-version.properties";
  private static final String CURRENT = load();

  private ClientVersion() {}

  public static String current() {
    return CURRENT;
  }

  private static String load() {
    try (InputStream in = ClientVersion.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "").strip();
      // an unfiltered copy (an IDE build that skipped resource filtering) says so rather than lying
      return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + RESOURCE, e);
    }
  }
}
