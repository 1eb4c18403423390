package dev.otaclient.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** {@code otaclient --version}: the project version and the commit it was built from (written by the build). */
final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    Properties p = new Properties();
    try (InputStream in = VersionProvider.class.getResourceAsStream("build.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // an unreadable resource leaves the values unknown, as in a build that did not write it
    }
    return new String[] {"otaclient " + p.getProperty("version", "unknown") + " (commit " + p.getProperty("commit", "unknown")
        + "), Java " + Runtime.version()};
  }
}
