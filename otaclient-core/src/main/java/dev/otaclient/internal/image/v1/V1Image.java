package dev.otaclient.internal.image.v1;

import com.github.luben.zstd.ZstdInputStream;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fetch.BlobRequest;
import dev.otaclient.internal.image.CaStore;
import dev.otaclient.internal.image.ImageSource;
import dev.otaclient.internal.image.TrustPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A v1 image opened for one ECU: {@code index.jwt} verified, {@code index.json} checked against it,
 * this ECU's payload selected, and its manifest, config, sys_config, file table and the resource
 * table fetched into a private directory, each checked against its descriptor before it is read.
 * Nothing here touches a slot.
 */
public final class V1Image implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(V1Image.class);
  /** Signed JSON and YAML documents are small; a descriptor claiming more is refused before fetching. */
  static final long MAX_DOCUMENT_BYTES = 4L * 1024 * 1024;
  /**
   * A zstd table may not inflate past this many times its compressed size (plus 64 MiB): SQLite pages
   * compress by a few times, and a hostile table must not fill the work directory.
   */
  static final long MAX_TABLE_RATIO = 64;

  private final ImageIndex index;
  private final ImageIndex.Payload payload;
  private final FileTable fileTable;
  private final ResourceTable resourceTable;
  private final Path fileTablePath;

  private V1Image(ImageIndex index, ImageIndex.Payload payload, FileTable fileTable, ResourceTable resourceTable,
      Path fileTablePath) {
    this.index = index;
    this.payload = payload;
    this.fileTable = fileTable;
    this.resourceTable = resourceTable;
    this.fileTablePath = fileTablePath;
  }

  /**
   * Verifies and opens the image.
   *
   * @param ecuId whose payload to open; null for the first payload with {@code releaseKey} (tools)
   * @param workDir private directory (outside both slots) for the verified documents and tables
   * @throws OtaException BASE_METADATA_VERIFICATION for a signature or chain that does not verify,
   *     METADATA_VERIFICATION for signed content that is wrong or has no payload for this ECU, or what
   *     the source reports for a file it cannot fetch
   */
  public static V1Image open(ImageSource source, CaStore cas, TrustPolicy policy, Clock clock, String ecuId,
      String releaseKey, Path workDir) {
    IndexJwt jwt = IndexJwt.parse(source.readMetadata(MediaTypes.INDEX_JWT, IndexJwt.MAX_BYTES));
    Descriptor indexRef;
    if (cas.isEmpty() && policy == TrustPolicy.INSECURE_SKIP_CHAIN_CHECK_NO_CA_INSTALLED) {
      LOG.warn("no CA chain installed: trusting index.jwt signer {} WITHOUT a chain check (insecure policy)",
          jwt.signer().getSubjectX500Principal().getName());
      indexRef = jwt.verifySignatureOnly();
    } else {
      indexRef = jwt.verify(cas, clock.instant());
    }
    try {
      Files.createDirectories(workDir);
    } catch (IOException e) {
      throw BadImage.metadata("cannot create the work directory " + workDir + ": " + e, e);
    }
    ImageIndex index = ImageIndex.parse(document(source, MediaTypes.INDEX_JSON, indexRef, workDir, "index.json"));
    ImageIndex.Payload payload = ecuId != null ? index.select(ecuId, releaseKey)
        : index.payloads().stream().filter(p -> p.releaseKey().equals(releaseKey)).findFirst()
            .orElseGet(() -> index.select("(any)", releaseKey));
    Descriptor configRef = PayloadDocuments.manifestConfig(
        document(source, payload.manifest().blobPath(), payload.manifest(), workDir, "image_manifest.json"));
    PayloadDocuments.Config config = PayloadDocuments.config(
        document(source, configRef.blobPath(), configRef, workDir, "image_config.json"));
    List<String> persist = List.of();
    if (config.sysConfig().isPresent()) {
      Descriptor sys = config.sysConfig().get();
      persist = PayloadDocuments.persistFiles(document(source, sys.blobPath(), sys, workDir, "sys_config.yaml"));
    }
    Descriptor rsRef = index.resourceTable().orElseThrow(
        () -> BadImage.metadata("index.json lists no resource table"));
    Path ft = table(source, config.fileTable(), MediaTypes.FILE_TABLE_ZSTD, workDir, "file_table.sqlite3");
    Path rs = table(source, rsRef, MediaTypes.RESOURCE_TABLE_ZSTD, workDir, "resource_table.sqlite3");
    FileTable fileTable = FileTable.open(ft, persist);
    ResourceTable resources;
    try {
      resources = ResourceTable.open(rs);
    } catch (OtaException e) {
      fileTable.close();
      throw e;
    }
    LOG.info("OTA image v1 {} verified: payload {}/{} ({}), {} persist files", source.location().text(),
        payload.ecuId(), payload.releaseKey(), config.architecture(), persist.size());
    return new V1Image(index, payload, fileTable, resources, ft);
  }

  private static byte[] document(ImageSource source, String path, Descriptor d, Path workDir, String name) {
    if (d.size() > MAX_DOCUMENT_BYTES) {
      throw BadImage.metadata(name + " is " + d.size() + " bytes by its descriptor, more than " + MAX_DOCUMENT_BYTES);
    }
    Path file = fetch(source, path, d, workDir.resolve(name));
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw BadImage.metadata("cannot read the fetched " + name + ": " + e, e);
    }
  }

  /** Fetches a blob checked against its descriptor, visible under {@code target} only once it matched. */
  private static Path fetch(ImageSource source, String path, Descriptor d, Path target) {
    Path part = target.resolveSibling(target.getFileName() + ".part");
    source.fetch(new BlobRequest(path, d.digest(), d.size(), null, true), part, null);
    try {
      Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw BadImage.metadata("cannot store " + target.getFileName() + ": " + e, e);
    }
    return target;
  }

  private static Path table(ImageSource source, Descriptor d, String zstdType, Path workDir, String name) {
    Path fetched = fetch(source, d.blobPath(), d, workDir.resolve(name + (zstdType.equals(d.mediaType()) ? ".zst" : "")));
    if (!zstdType.equals(d.mediaType())) {
      return fetched;
    }
    Path out = workDir.resolve(name);
    long limit = d.size() * MAX_TABLE_RATIO + 64L * 1024 * 1024;
    try (InputStream in = new ZstdInputStream(Files.newInputStream(fetched));
         OutputStream o = Files.newOutputStream(out)) {
      byte[] buf = new byte[1 << 16];
      long total = 0;
      int n;
      while ((n = in.read(buf)) > 0) {
        total += n;
        if (total > limit) {
          throw BadImage.metadata(name + " inflates past " + limit + " bytes, " + MAX_TABLE_RATIO
              + " times its compressed size: refused");
        }
        o.write(buf, 0, n);
      }
    } catch (IOException e) {
      throw BadImage.metadata(name + " is not a valid zstd frame: " + e.getMessage(), e);
    } finally {
      try {
        Files.deleteIfExists(fetched);
      } catch (IOException ignored) {
        // the private work directory is removed as a whole
      }
    }
    return out;
  }

  public ImageIndex index() {
    return index;
  }

  public ImageIndex.Payload payload() {
    return payload;
  }

  public FileTable fileTable() {
    return fileTable;
  }

  public ResourceTable resourceTable() {
    return resourceTable;
  }

  /** The verified, uncompressed file table: what a slot keeps for the next update's delta. */
  public Path fileTablePath() {
    return fileTablePath;
  }

  public Optional<String> ecuId() {
    return Optional.of(payload.ecuId());
  }

  @Override
  public void close() {
    fileTable.close();
    resourceTable.close();
  }
}
