package dev.otaclient.internal.image;

import dev.otaclient.internal.fs.AtomicFiles;
import dev.otaclient.internal.fs.TempNames;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fetch.BlobRequest;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.EnumMap;
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
    String jwtText = new String(fetchSmall(source, METADATA_JWT), java.nio.charset.StandardCharsets.US_ASCII);
    MetadataJwt jwt = MetadataJwt.parse(jwtText);
    byte[] cert = fetchSmall(source, jwt.metadata().certificate().name());
    ImageMetadata verified = new MetadataVerifier(cas, policy, clock).verify(jwt, cert);
    LOG.info("image {} verified: lists {}, {}, {}, {}", source.location().text(), verified.directories().name(),
        verified.symlinks().name(), verified.regulars().name(), verified.persistents().name());
    return new OtaImage(source, verified);
  }

  private static byte[] fetchSmall(ImageSource source, String name) {
    return source.readMetadata(name, MAX_METADATA_BYTES);
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
    refuseEmpty(paths);
    return new VerifiedLists(paths.get(ListKind.DIRECTORIES), paths.get(ListKind.SYMLINKS),
        paths.get(ListKind.REGULARS), paths.get(ListKind.PERSISTENTS));
  }

  /**
   * A rootfs always has directories and files. Four empty lists are the validly signed placeholder
   * that the v1 builder's legacy-compat option writes beside an OTA image v1: installing them would
   * leave an empty slot, so they are refused whatever the signature says.
   */
  private void refuseEmpty(Map<ListKind, Path> paths) {
    for (Path p : paths.values()) {
      try {
        if (Files.size(p) > 0) {
          return;
        }
      } catch (IOException e) {
        return; // read again, and reported, by whoever opens it
      }
    }
    throw new OtaException(ErrorCode.METADATA_VERIFICATION, ErrorModule.DOWNLOADER, "image "
        + source.location().text() + " has four empty lists in metadata.jwt: this is the legacy-compat placeholder "
        + "of an OTA image v1 (its oci-layout was not found), not a rootfs; refusing to install an empty slot");
  }

  private Path fetchList(FileRef ref, Path dir) {
    Path target = dir.resolve(ref.name()).normalize();
    if (!target.startsWith(dir.normalize())) {
      // names are checked when the claims are parsed; this guards the local write regardless
      throw new OtaException(ErrorCode.METADATA_VERIFICATION, ErrorModule.DOWNLOADER,
          "list " + ref.name() + " would be written outside " + dir);
    }
    Path partial = TempNames.beside(target);
    try {
      Files.createDirectories(target.getParent());
    } catch (IOException e) {
      throw new OtaException(ErrorCode.METADATA_DOWNLOAD, ErrorModule.DOWNLOADER,
          "cannot create " + target.getParent() + " for list " + ref.name() + ": " + e, e);
    }
    // checked while it streams in; only a list that matched is visible under its final name
    source.fetch(BlobRequest.list(ref.name(), ref.sha256()), partial, null);
    try {
      Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      AtomicFiles.discard(partial);
      throw new OtaException(ErrorCode.METADATA_DOWNLOAD, ErrorModule.DOWNLOADER,
          "cannot store list " + ref.name() + " in " + dir + ": " + e, e);
    }
    return target;
  }


  @Override
  public void close() {
    source.close();
  }
}
