package dev.otaclient.image;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** An image whose {@code metadata.jwt} has been fetched and verified; the entry point for reading it. */
public final class OtaImage implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(OtaImage.class);

  /** metadata.jwt and the certificate are a few KiB; a bigger answer is not an image. */
  static final int MAX_METADATA_BYTES = 1024 * 1024;
  static final String METADATA_JWT = "metadata.jwt";

  private final ImageSource source;
  private final ImageMetadata metadata;

  private OtaImage(ImageSource source, ImageMetadata metadata) {
    this.source = source;
    this.metadata = metadata;
  }

  /** Fetches metadata.jwt and the certificate and verifies them (see {@link MetadataVerifier}). */
  public static OtaImage open(ImageSource source, CaStore cas, TrustPolicy policy) {
    return open(source, cas, policy, Clock.systemUTC());
  }

  /** As {@link #open(ImageSource, CaStore, TrustPolicy)}, checking certificate validity at the clock's time. */
  public static OtaImage open(ImageSource source, CaStore cas, TrustPolicy policy, Clock clock) {
    Objects.requireNonNull(source, "source");
    String jwtText = new String(fetchSmall(source, METADATA_JWT), StandardCharsets.US_ASCII);
    MetadataJwt jwt = MetadataJwt.parse(jwtText);
    byte[] cert = fetchSmall(source, jwt.metadata().certificate().name());
    ImageMetadata verified = new MetadataVerifier(cas, policy, clock).verify(jwt, cert);
    LOG.info("image {} verified: lists {}, {}, {}, {}", source.location(), verified.directories().name(),
        verified.symlinks().name(), verified.regulars().name(), verified.persistents().name());
    return new OtaImage(source, verified);
  }

  private static byte[] fetchSmall(ImageSource source, String name) {
    try (InputStream in = source.open(name, true)) {
      byte[] bytes = in.readNBytes(MAX_METADATA_BYTES + 1);
      if (bytes.length > MAX_METADATA_BYTES) {
        throw new OtaException(ErrorCode.BASE_METADATA_VERIFICATION, ErrorModule.API,
            name + " from " + source.location() + " is larger than " + MAX_METADATA_BYTES + " bytes");
      }
      return bytes;
    } catch (NoSuchFileException e) {
      if (!source.isRemote()) {
        // a local path that is not an OTA image: asking again will not help, the request is wrong
        throw new OtaException(ErrorCode.INVALID_UPDATE_REQUEST, ErrorModule.API,
            name + " not found in image " + source.location() + ": not an OTA image", e);
      }
      throw new OtaException(ErrorCode.NETWORK, ErrorModule.DOWNLOADER,
          name + " not found in image " + source.location(), e);
    } catch (IOException e) {
      throw new OtaException(source.isRemote() ? ErrorCode.NETWORK : ErrorCode.METADATA_DOWNLOAD,
          ErrorModule.DOWNLOADER, "cannot fetch " + name + " from " + source.location() + ": " + e, e);
    }
  }

  public ImageMetadata metadata() {
    return metadata;
  }

  public ImageSource source() {
    return source;
  }

  /**
   * Downloads the four lists into {@code dir} (created if needed) under their image names, each checked
   * against the verified sha256 while copying. A file is only visible under its final name once it
   * matched, so a failed or interrupted fetch never leaves a plausible-looking list behind.
   *
   * @throws OtaException METADATA_VERIFICATION naming the list on a hash mismatch; METADATA_DOWNLOAD when it
   *     cannot be fetched
   */
  public VerifiedLists fetchLists(Path dir) {
    Map<ListKind, Path> paths = new EnumMap<>(ListKind.class);
    for (ListKind kind : ListKind.values()) {
      paths.put(kind, fetchList(metadata.list(kind), dir));
    }
    return new VerifiedLists(paths.get(ListKind.DIRECTORIES), paths.get(ListKind.SYMLINKS),
        paths.get(ListKind.REGULARS), paths.get(ListKind.PERSISTENTS));
  }

  private Path fetchList(FileRef ref, Path dir) {
    Path target = dir.resolve(ref.name()).normalize();
    if (!target.startsWith(dir.normalize())) {
      // names are checked when the claims are parsed; this guards the local write regardless
      throw new OtaException(ErrorCode.METADATA_VERIFICATION, ErrorModule.DOWNLOADER,
          "list " + ref.name() + " would be written outside " + dir);
    }
    Path partial = target.resolveSibling(target.getFileName() + ".part");
    MessageDigest digest = sha256();
    try {
      Files.createDirectories(target.getParent());
    } catch (IOException e) {
      throw new OtaException(ErrorCode.METADATA_DOWNLOAD, ErrorModule.DOWNLOADER,
          "cannot create " + target.getParent() + " for list " + ref.name() + ": " + e, e);
    }
    try {
      try (InputStream in = source.open(ref.name(), true);
          OutputStream out = new DigestOutputStream(Files.newOutputStream(partial), digest)) {
        in.transferTo(out);
      }
    } catch (IOException e) {
      deleteQuietly(partial);
      // reference §2.10: a list that cannot be fetched is "OTA meta download failed" (101)
      throw new OtaException(ErrorCode.METADATA_DOWNLOAD, ErrorModule.DOWNLOADER,
          "cannot fetch list " + ref.name() + " from " + source.location() + ": " + e, e);
    }
    String actual = HexFormat.of().formatHex(digest.digest());
    if (!actual.equals(ref.sha256())) {
      deleteQuietly(partial);
      throw new OtaException(ErrorCode.METADATA_VERIFICATION, ErrorModule.DOWNLOADER,
          "list " + ref.name() + " has sha256 " + actual + " but metadata.jwt says " + ref.sha256());
    }
    try {
      Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      deleteQuietly(partial);
      throw new OtaException(ErrorCode.METADATA_DOWNLOAD, ErrorModule.DOWNLOADER,
          "cannot store list " + ref.name() + " in " + dir + ": " + e, e);
    }
    return target;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is mandatory in every JRE", e);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      LOG.warn("cannot delete {}: {}", p, e.toString());
    }
  }

  @Override
  public void close() throws IOException {
    source.close();
  }
}
