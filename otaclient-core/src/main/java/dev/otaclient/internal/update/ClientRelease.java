package dev.otaclient.internal.update;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fetch.FetchListener;
import dev.otaclient.internal.image.ImageMetadata;
import dev.otaclient.internal.image.ImageSource;
import dev.otaclient.internal.image.ListKind;
import dev.otaclient.internal.image.ListReader;
import dev.otaclient.internal.image.OtaImage;
import dev.otaclient.internal.image.RegularEntry;
import dev.otaclient.internal.image.VerifiedLists;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;

/**
 * A release of this client carried by an OTA image (docs/client-update.md): the files below
 * {@link #DIR} of the image's rootfs, {@code manifest.json} naming the version and the jar. Both are
 * regular entries of the signed image, so their sha256 comes from {@code regulars.txt}, whose own
 * hash is signed in {@code metadata.jwt}: the release is trusted exactly as far as the image is,
 * and is fetched and checked the way an update fetches files. The jar must in addition report the
 * manifest's version, which is what the restarted client will report.
 */
final class ClientRelease {
  static final String DIR = "/opt/ota/client/release";
  static final String MANIFEST = DIR + "/manifest.json";
  private static final int MAX_MANIFEST_BYTES = 64 * 1024;
  /** Used as a directory name: no separators, no dot-only names. */
  private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,63}");
  private static final Pattern JAR = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,127}\\.jar");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A release fetched and checked: its version and the jar in the work directory. */
  record Fetched(String version, Path jar) {}

  private ClientRelease() {}

  /**
   * Fetches the image's client release into {@code work}: empty when the image carries none.
   * The image's metadata and lists are verified first, as for an update; nothing touches a slot.
   */
  static Optional<Fetched> fetch(OtaImage image, Path work) {
    VerifiedLists lists = image.fetchLists(work.resolve("lists"));
    Map<String, RegularEntry> wanted = releaseEntries(lists.path(ListKind.REGULARS));
    RegularEntry manifestEntry = wanted.get(MANIFEST);
    if (manifestEntry == null) {
      return Optional.empty();
    }
    if (manifestEntry.size() > MAX_MANIFEST_BYTES) {
      throw invalid(MANIFEST + " is " + manifestEntry.size() + " bytes, more than " + MAX_MANIFEST_BYTES);
    }
    Path manifestFile = download(image, manifestEntry, work.resolve("manifest.json"));
    String[] versionAndJar = readManifest(manifestFile);
    String jarPath = DIR + "/" + versionAndJar[1];
    RegularEntry jarEntry = wanted.get(jarPath);
    if (jarEntry == null) {
      throw invalid(MANIFEST + " names " + versionAndJar[1] + ", but the image has no regular file " + jarPath);
    }
    Path jar = download(image, jarEntry, work.resolve("otaclient.jar"));
    requireJarVersion(jar, versionAndJar[0]);
    return Optional.of(new Fetched(versionAndJar[0], jar));
  }

  private static Map<String, RegularEntry> releaseEntries(Path regulars) {
    Map<String, RegularEntry> found = new HashMap<>();
    try (ListReader<RegularEntry> r = ListReader.open(ListKind.REGULARS, regulars)) {
      while (r.hasNext()) {
        RegularEntry e = r.next();
        if (e.path().startsWith(DIR + "/") && e.path().indexOf('/', DIR.length() + 1) < 0) {
          found.put(e.path(), e);
        }
      }
    }
    return found;
  }

  private static Path download(OtaImage image, RegularEntry e, Path to) {
    ImageMetadata m = image.metadata();
    ImageSource source = image.source();
    // the sha256 of the list entry is checked while the content streams in
    source.fetch(LegacyPayload.blobRequest(m, e.path(), e.sha256(), e.size(), e.isCompressed() ? e.compressAlg() : null),
        to, FetchListener.NONE);
    return to;
  }

  /** {@code {"version": "...", "jar": "..."}} with both names usable as file names. */
  private static String[] readManifest(Path file) {
    JsonNode n;
    try {
      n = JSON.readTree(Files.readString(file));
    } catch (JsonProcessingException e) {
      throw invalid(MANIFEST + " is not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new OtaException(ErrorCode.APPLY_UPDATE, ErrorModule.GENERAL, "reading " + file + ": " + e.getMessage(), e);
    }
    if (n == null || !n.isObject()) {
      throw invalid(MANIFEST + " is not a JSON object");
    }
    String version = text(n, "version");
    String jar = text(n, "jar");
    if (!VERSION.matcher(version).matches()) {
      throw invalid(MANIFEST + ": version '" + version + "' is not 1-64 characters of A-Z a-z 0-9 . _ + -");
    }
    if (!JAR.matcher(jar).matches()) {
      throw invalid(MANIFEST + ": jar '" + jar + "' is not a plain file name ending in .jar");
    }
    return new String[] {version, jar};
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v != null && v.isTextual() ? v.asText() : "";
  }

  /** The jar must be this client, built as {@code version}: the version the restarted client reports. */
  private static void requireJarVersion(Path jar, String version) {
    String resource = ClientVersion.RESOURCE.substring(1);
    try (JarFile j = new JarFile(jar.toFile())) {
      ZipEntry e = j.getEntry(resource);
      if (e == null) {
        throw invalid("the release jar has no " + resource + ": not an otaclient-java build");
      }
      Properties p = new Properties();
      try (InputStream in = j.getInputStream(e)) {
        p.load(in);
      }
      String built = p.getProperty("version", "").strip();
      if (!built.equals(version)) {
        throw invalid("the release jar is version '" + built + "', the manifest says '" + version + "'");
      }
    } catch (IOException e) {
      throw invalid("the release jar cannot be read as a jar: " + e.getMessage());
    }
  }

  private static OtaException invalid(String detail) {
    return new OtaException(ErrorCode.METADATA_VERIFICATION, ErrorModule.GENERAL, "client release: " + detail);
  }
}
