package dev.otaclient.internal.image.v1;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fs.ContentHash;
import dev.otaclient.internal.fs.PosixCalls;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Writes an OTA image v1 from one rootfs per ECU: the blob storage, one file table per payload, one
 * resource table for the image, the OCI documents and {@code index.jwt} signed with a key and its
 * certificate chain. Storage filters are applied as the image library describes them: contents under
 * 64 bytes inline in the file table, small contents bundled, large ones sliced, the rest zstd-compressed
 * when that saves a fifth. Extended attributes and character devices 0/0 (overlayfs whiteouts) are
 * recorded; other device nodes, fifos and sockets are skipped.
 */
public final class V1ImageBuilder {
  static final int INLINE_BELOW = 64;
  static final long BUNDLE_MEMBER_BELOW = 16 * 1024;
  static final long BUNDLE_TARGET = 1024 * 1024;
  static final long COMPRESS_FROM = 16 * 1024;
  public static final long DEFAULT_SLICE_SIZE = 32L * 1024 * 1024;
  private static final int S_IFMT = 0170000;
  private static final int S_IFCHR = 0020000;

  /** One ECU's rootfs. */
  public record PayloadSpec(String ecuId, String releaseKey, Path rootfs, List<String> persistFiles) {
    public PayloadSpec {
      Objects.requireNonNull(ecuId, "ecuId");
      Objects.requireNonNull(releaseKey, "releaseKey");
      Objects.requireNonNull(rootfs, "rootfs");
      persistFiles = List.copyOf(persistFiles);
    }
  }

  /** What was written. */
  public record Result(Path imageDir, String indexDigest, long blobs, long blobBytes, long regularFiles) {}

  private final Path out;
  private final List<PayloadSpec> payloads = new ArrayList<>();
  private PrivateKey key;
  private List<X509Certificate> chain;
  private long sliceSize = DEFAULT_SLICE_SIZE;
  private boolean bundles = true;
  private boolean compress = true;
  private Clock clock = Clock.systemUTC();

  private V1ImageBuilder(Path out) {
    this.out = out;
  }

  public static V1ImageBuilder into(Path outputDir) {
    return new V1ImageBuilder(outputDir);
  }

  public V1ImageBuilder payload(PayloadSpec p) {
    payloads.add(p);
    return this;
  }

  /** @param chain the signing certificate first, then its intermediates (no root) */
  public V1ImageBuilder signWith(PrivateKey signingKey, List<X509Certificate> chain) {
    this.key = signingKey;
    this.chain = List.copyOf(chain);
    return this;
  }

  public V1ImageBuilder sliceSize(long bytes) {
    if (bytes < 1024) {
      throw new IllegalArgumentException("slice size below 1 KiB: " + bytes);
    }
    this.sliceSize = bytes;
    return this;
  }

  public V1ImageBuilder bundles(boolean on) {
    this.bundles = on;
    return this;
  }

  public V1ImageBuilder compress(boolean on) {
    this.compress = on;
    return this;
  }

  public V1ImageBuilder clock(Clock c) {
    this.clock = c;
    return this;
  }

  /**
   * @throws OtaException INVALID_UPDATE_REQUEST (as the legacy builder) for unreadable input or output
   */
  public Result build() {
    if (payloads.isEmpty() || key == null) {
      throw new IllegalStateException("a payload and a signing key are required");
    }
    try {
      Files.createDirectories(out);
      BlobStore blobs = new BlobStore(out);
      Path work = Files.createTempDirectory(out, ".build-");
      try (Resources resources = new Resources(blobs, work)) {
        List<Descriptor> manifests = new ArrayList<>();
        long regulars = 0;
        int n = 0;
        for (PayloadSpec p : payloads) {
          Payload built = new Payload(p, resources, work.resolve("ft-" + (n++) + ".sqlite3"));
          built.scan();
          regulars += built.regularCount;
          manifests.add(built.store(blobs));
        }
        Descriptor rsTable = resources.finish();
        ObjectNode index = Json.objectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", MediaTypes.INDEX);
        ArrayNode list = index.putArray("manifests");
        manifests.forEach(m -> list.add(descriptorJson(m)));
        list.add(descriptorJson(rsTable));
        ObjectNode ann = index.putObject("annotations");
        ann.put("vnd.tier4.ota.ota-image-builder.version", "otaclient-java");
        long now = clock.instant().getEpochSecond();
        ann.put("vnd.tier4.ota.image.created-at", now);
        ann.put("vnd.tier4.ota.image.signed-at", now);
        ann.put("vnd.tier4.ota.image.blobs-count", blobs.count());
        ann.put("vnd.tier4.ota.image.blobs-size", blobs.bytes());
        byte[] indexBytes = index.toString().getBytes(StandardCharsets.UTF_8);
        Files.write(out.resolve(MediaTypes.INDEX_JSON), indexBytes);
        Descriptor indexRef = new Descriptor(MediaTypes.INDEX, ContentHash.of(indexBytes), indexBytes.length, null, Map.of());
        Files.writeString(out.resolve(MediaTypes.OCI_LAYOUT), "{\"imageLayoutVersion\": \"1.0.0\"}");
        Files.writeString(out.resolve(MediaTypes.INDEX_JWT), IndexJwt.sign(indexRef, key, chain, clock.instant()));
        return new Result(out, indexRef.digest(), blobs.count(), blobs.bytes(), regulars);
      } finally {
        deleteTree(work);
      }
    } catch (IOException | SQLException e) {
      throw new OtaException(ErrorCode.INVALID_UPDATE_REQUEST, ErrorModule.API, "cannot build the v1 image in " + out
          + ": " + e.getMessage(), e);
    }
  }

  static ObjectNode descriptorJson(Descriptor d) {
    ObjectNode n = Json.objectNode();
    n.put("mediaType", d.mediaType());
    n.put("digest", d.ociDigest());
    n.put("size", d.size());
    if (d.artifactType() != null) {
      n.put("artifactType", d.artifactType());
    }
    if (!d.annotations().isEmpty()) {
      ObjectNode a = n.putObject("annotations");
      d.annotations().forEach(a::put);
    }
    return n;
  }

  private static void deleteTree(Path p) throws IOException {
    if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      dev.otaclient.internal.fs.AtomicFiles.deleteTree(p);
    }
  }

  /** One payload: its file table rows and documents. */
  private final class Payload {
    private final PayloadSpec spec;
    private final Resources resources;
    private final Path tableFile;
    private final Map<Long, Long> inodeIds = new HashMap<>();
    /** Distinct contents so far; their ids are looked up in ft_resource, not kept on the heap. */
    private long uniqueContents;
    private long nextInode = 1;
    private long regularCount;
    private long dirCount;
    private long otherCount;

    Payload(PayloadSpec spec, Resources resources, Path tableFile) {
      this.spec = spec;
      this.resources = resources;
      this.tableFile = tableFile;
    }

    void scan() throws IOException, SQLException {
      try (Connection c = Sqlite.openForWriting(tableFile)) {
        TableSchema.createFileTable(c);
        c.setAutoCommit(false);
        Path root = spec.rootfs();
        try (PreparedStatement inode = c.prepareStatement("INSERT INTO ft_inode VALUES (?,?,?,?,?,?)");
             PreparedStatement reg = c.prepareStatement("INSERT INTO ft_regular VALUES (?,?,?)");
             PreparedStatement non = c.prepareStatement("INSERT INTO ft_non_regular VALUES (?,?,?)");
             PreparedStatement dir = c.prepareStatement("INSERT INTO ft_dir VALUES (?,?)");
             PreparedStatement res = c.prepareStatement("INSERT INTO ft_resource VALUES (?,?,?,?)");
             PreparedStatement known = c.prepareStatement("SELECT resource_id FROM ft_resource WHERE digest = ?")) {
          Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
              row(d, a);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
              row(f, a);
              return FileVisitResult.CONTINUE;
            }

            private void row(Path p, BasicFileAttributes a) throws IOException {
              try {
                String path = "/" + root.relativize(p).toString();
                if (path.equals("/")) {
                  path = "/";
                }
                Map<String, Object> st = Files.readAttributes(p, "unix:mode,uid,gid,nlink,ino,rdev", LinkOption.NOFOLLOW_LINKS);
                int mode = (Integer) st.get("mode");
                int nlink = (Integer) st.get("nlink");
                if (a.isRegularFile()) {
                  long ino = (Long) st.get("ino");
                  Long shared = nlink > 1 ? inodeIds.get(ino) : null;
                  long id = shared != null ? shared : inode(inode, p, st, nlink);
                  if (nlink > 1) {
                    inodeIds.putIfAbsent(ino, id);
                  }
                  reg.setString(1, path);
                  reg.setLong(2, id);
                  reg.setLong(3, ftResource(res, known, p, a.size()));
                  reg.executeUpdate();
                  regularCount++;
                } else if (a.isDirectory()) {
                  dir.setString(1, path);
                  dir.setLong(2, inode(inode, p, st, nlink));
                  dir.executeUpdate();
                  dirCount++;
                } else if (a.isSymbolicLink()) {
                  non.setString(1, path);
                  non.setLong(2, inode(inode, p, st, nlink));
                  non.setBytes(3, Files.readSymbolicLink(p).toString().getBytes(StandardCharsets.UTF_8));
                  non.executeUpdate();
                  otherCount++;
                } else if ((mode & S_IFMT) == S_IFCHR && ((Long) st.get("rdev")) == 0L) {
                  non.setString(1, path);
                  non.setLong(2, inode(inode, p, st, nlink));
                  non.setBytes(3, null);
                  non.executeUpdate();
                  otherCount++;
                }
              } catch (SQLException e) {
                throw new IOException("recording " + p + ": " + e.getMessage(), e);
              }
            }
          });
        }
        c.commit();
      }
    }

    private long inode(PreparedStatement ps, Path p, Map<String, Object> st, int nlink) throws IOException, SQLException {
      long id = nextInode++;
      ps.setLong(1, id);
      ps.setLong(2, Integer.toUnsignedLong((Integer) st.get("uid")));
      ps.setLong(3, Integer.toUnsignedLong((Integer) st.get("gid")));
      ps.setLong(4, (Integer) st.get("mode"));
      ps.setLong(5, nlink);
      Map<String, byte[]> x;
      try {
        x = PosixCalls.listXattrs(p);
      } catch (IOException e) {
        x = Map.of(); // a filesystem without extended attributes
      }
      if (x.isEmpty()) {
        ps.setBytes(6, null);
      } else {
        MsgPack.Writer w = new MsgPack.Writer().mapHeader(x.size());
        x.forEach((k, v) -> w.string(k).binary(v));
        ps.setBytes(6, w.toByteArray());
      }
      ps.executeUpdate();
      return id;
    }

    /**
     * The file table's resource row of this file's content, added when new. The digests live in the
     * table (UNIQUE, so indexed), not in a map: the heap stays the same for any number of files.
     */
    private long ftResource(PreparedStatement ps, PreparedStatement known, Path file, long size)
        throws IOException, SQLException {
      String hex = ContentHash.of(file);
      byte[] digest = HexFormat.of().parseHex(hex);
      Long existing = Resources.lookup(known, digest);
      if (existing != null) {
        return existing;
      }
      long id = ++uniqueContents;
      ps.setLong(1, id);
      ps.setBytes(2, digest);
      ps.setLong(3, size);
      if (size > 0 && size < INLINE_BELOW) {
        ps.setBytes(4, Files.readAllBytes(file));
      } else {
        ps.setBytes(4, null);
        if (size > 0) {
          resources.add(hex, size, file);
        }
      }
      ps.executeUpdate();
      return id;
    }

    Descriptor store(BlobStore blobs) throws IOException {
      Descriptor table = blobs.addFile(tableFile, MediaTypes.FILE_TABLE_ZSTD, true);
      Map<String, Object> sys = new LinkedHashMap<>();
      sys.put("hostname", spec.ecuId());
      sys.put("persist_files", spec.persistFiles());
      DumperOptions o = new DumperOptions();
      o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
      Descriptor sysRef = blobs.add(new Yaml(o).dump(sys).getBytes(StandardCharsets.UTF_8), MediaTypes.SYS_CONFIG,
          null, Map.of());
      String arch = architecture();
      ObjectNode config = Json.objectNode();
      config.put("schemaVersion", 1);
      config.put("mediaType", MediaTypes.CONFIG);
      config.put("resource_digest_alg", "sha256");
      config.put("architecture", arch);
      config.put("os", "linux");
      config.set("sys_config", descriptorJson(sysRef));
      config.set("file_table", descriptorJson(table));
      ObjectNode labels = config.putObject("labels");
      labels.put("vnd.tier4.image.base-image", "rootfs");
      labels.put("vnd.tier4.image.rootfs.regular-files-count", regularCount);
      labels.put("vnd.tier4.image.rootfs.dirs-count", dirCount);
      labels.put("vnd.tier4.image.rootfs.non-regular-files-count", otherCount);
      labels.put("vnd.tier4.image.rootfs.unique-files-entries-count", uniqueContents);
      Descriptor configRef = blobs.addJson(config, MediaTypes.CONFIG, null, Map.of());
      Map<String, String> ann = new LinkedHashMap<>();
      ann.put(MediaTypes.ECU_ANNOTATION, spec.ecuId());
      ann.put(MediaTypes.RELEASE_KEY_ANNOTATION, spec.releaseKey());
      ObjectNode manifest = Json.objectNode();
      manifest.put("schemaVersion", 2);
      manifest.put("mediaType", MediaTypes.MANIFEST);
      manifest.put("artifactType", MediaTypes.PAYLOAD_ARTIFACT);
      manifest.set("config", descriptorJson(configRef));
      manifest.putArray("layers").add(descriptorJson(table));
      ObjectNode mann = manifest.putObject("annotations");
      ann.forEach(mann::put);
      mann.put(MediaTypes.ARCHITECTURE_ANNOTATION, arch);
      return blobs.addJson(manifest, MediaTypes.MANIFEST, MediaTypes.PAYLOAD_ARTIFACT, ann);
    }
  }

  private static String architecture() {
    String a = System.getProperty("os.arch", "");
    return a.equals("amd64") ? "x86_64" : a.equals("aarch64") ? "aarch64" : a;
  }

  /**
   * The image's resource table and the blobs its rows name. Rows go into the table as they are made
   * and digests are looked up there, so the heap holds only the bundle being filled (at most
   * {@link #BUNDLE_TARGET} bytes), whatever the number of contents.
   */
  private final class Resources implements AutoCloseable {
    private final BlobStore blobs;
    private final Path tableFile;
    private final Connection table;
    private final PreparedStatement insert;
    private final PreparedStatement known;
    /** The open bundle's members: handled, but without a row until the bundle is closed. */
    private final java.util.Set<String> pending = new java.util.HashSet<>();
    private final List<byte[]> bundleData = new ArrayList<>();
    private final List<String> bundleMembers = new ArrayList<>();
    private long bundleBytes;
    private long nextId = 1;

    Resources(BlobStore blobs, Path work) throws SQLException {
      this.blobs = blobs;
      this.tableFile = work.resolve("rs.sqlite3");
      this.table = Sqlite.openForWriting(tableFile);
      try {
        TableSchema.createResourceTable(table);
        table.setAutoCommit(false);
        this.insert = table.prepareStatement("INSERT INTO rs_manifest VALUES (?,?,?,?,NULL)");
        this.known = table.prepareStatement("SELECT resource_id FROM rs_manifest WHERE digest = ?");
      } catch (SQLException e) {
        table.close();
        throw e;
      }
    }

    static Long lookup(PreparedStatement byDigest, byte[] digest) throws SQLException {
      byDigest.setBytes(1, digest);
      try (java.sql.ResultSet r = byDigest.executeQuery()) {
        return r.next() ? r.getLong(1) : null;
      }
    }

    void add(String hex, long size, Path file) throws IOException, SQLException {
      if (pending.contains(hex) || lookup(known, HexFormat.of().parseHex(hex)) != null) {
        return;
      }
      if (bundles && size < BUNDLE_MEMBER_BELOW) {
        bundleData.add(Files.readAllBytes(file));
        bundleMembers.add(hex);
        pending.add(hex);
        bundleBytes += size;
        if (bundleBytes >= BUNDLE_TARGET) {
          closeBundle();
        }
      } else if (size > sliceSize) {
        List<Long> ids = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
          byte[] chunk;
          while ((chunk = in.readNBytes((int) sliceSize)).length > 0) {
            Descriptor d = blobs.add(chunk, "blob", null, Map.of());
            ids.add(row(d.digest(), chunk.length, null));
          }
        }
        row(hex, size, new ResourceFilter.Sliced(ids).encode());
      } else {
        byte[] data = Files.readAllBytes(file);
        byte[] z = compress && size >= COMPRESS_FROM ? BlobStore.compressIfWorth(data) : null;
        if (z != null) {
          Descriptor d = blobs.add(z, "blob", null, Map.of());
          long cid = row(d.digest(), z.length, null);
          row(hex, size, new ResourceFilter.Compressed(cid, "zstd").encode());
        } else {
          blobs.add(data, "blob", null, Map.of());
          row(hex, size, null);
        }
      }
    }

    private void closeBundle() throws IOException, SQLException {
      if (bundleMembers.size() == 1) {
        // a bundle of one would share the member's digest: store it as a plain blob
        blobs.add(bundleData.get(0), "blob", null, Map.of());
        row(bundleMembers.get(0), bundleData.get(0).length, null);
      } else if (!bundleMembers.isEmpty()) {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        bundleData.forEach(all::writeBytes);
        byte[] b = all.toByteArray();
        Descriptor d = blobs.add(b, "blob", null, Map.of());
        // a file with the bundle's bytes is that row, not a second one
        long bid = row(d.digest(), b.length, null);
        long off = 0;
        for (int i = 0; i < bundleMembers.size(); i++) {
          long len = bundleData.get(i).length;
          row(bundleMembers.get(i), len, new ResourceFilter.Bundle(bid, off, len).encode());
          off += len;
        }
      }
      bundleData.clear();
      bundleMembers.clear();
      pending.clear();
      bundleBytes = 0;
    }

    /** The row of this digest: a new one, or the one that already has these bytes. */
    private long row(String hex, long size, byte[] filter) throws SQLException {
      byte[] digest = HexFormat.of().parseHex(hex);
      Long existing = lookup(known, digest);
      if (existing != null) {
        return existing;
      }
      long id = nextId++;
      insert.setLong(1, id);
      insert.setBytes(2, digest);
      insert.setLong(3, size);
      insert.setBytes(4, filter);
      insert.executeUpdate();
      return id;
    }

    Descriptor finish() throws IOException, SQLException {
      closeBundle();
      table.commit();
      close();
      return blobs.addFile(tableFile, MediaTypes.RESOURCE_TABLE_ZSTD, true);
    }

    @Override
    public void close() throws SQLException {
      if (!table.isClosed()) {
        table.close();
      }
    }
  }
}
