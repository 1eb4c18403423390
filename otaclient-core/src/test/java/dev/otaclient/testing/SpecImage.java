package dev.otaclient.testing;

import com.github.luben.zstd.Zstd;
import dev.otaclient.internal.image.sign.TestCa;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.Signature;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.HexFormat;
import java.util.function.Consumer;

/**
 * An OTA image v1 laid out by hand from the spec's rules (ota-image-libs {@code spec/*.md}), without
 * any of the client's or builder's code: tables made with plain SQL, documents written as JSON text,
 * {@code index.jwt} signed with the JDK. Hooks change the tables or the blob storage before the
 * documents are sealed, for hostile variants that are still validly signed.
 */
public final class SpecImage {
  public static final String SMALL = "hello v1\n";
  public static final byte[] A = repeat('A', 100);
  public static final byte[] B = repeat('B', 200);
  public static final byte[] C = repeat('C', 150);
  public static final byte[] Z = "compressible line of text\n".repeat(800).getBytes(StandardCharsets.US_ASCII);
  public static final byte[] S = SpecImageBytes.random(3000);

  /** Hooks run on the open file table, the open resource table and the blob directory. */
  public interface Sql {
    void run(Connection c) throws SQLException;
  }

  public Sql fileTableHook = c -> {};
  public Sql resourceTableHook = c -> {};
  public Consumer<Path> blobsHook = p -> {};
  public byte[] fileTableOverride;

  public static byte[] repeat(char c, int n) {
    byte[] b = new byte[n];
    java.util.Arrays.fill(b, (byte) c);
    return b;
  }

  /** Lays the image out in {@code dir}, signed by {@code ca} for ECU {@code main}, release key dev. */
  public void write(Path dir, TestCa ca) throws Exception {
    Path blobs = dir.resolve("blobs/sha256");
    Files.createDirectories(blobs);
    Path work = Files.createTempDirectory("spec-image-");
    // resource table: 1 bundle (A,B,C), 2 A, 3 B, 4 C, 5 compressed Z, 6 Z, 7-9 slices, 10 S
    ByteArrayOutputStream bundle = new ByteArrayOutputStream();
    bundle.writeBytes(A);
    bundle.writeBytes(B);
    bundle.writeBytes(C);
    byte[] z = Zstd.compress(Z, 3);
    Path rs = work.resolve("rs.sqlite3");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + rs)) {
      c.createStatement().execute("CREATE TABLE rs_manifest (resource_id INTEGER PRIMARY KEY, digest BLOB NOT NULL, "
          + "size INTEGER NOT NULL, filter_applied BLOB, meta BLOB)");
      rs(c, 1, blob(blobs, bundle.toByteArray()), bundle.size(), null);
      rs(c, 2, sha(A), A.length, filter('b', 0x93, 1, 0, 100));
      rs(c, 3, sha(B), B.length, filter('b', 0x93, 1, 100, 0xcc, 200));
      rs(c, 4, sha(C), C.length, filter('b', 0x93, 1, 0xcd, 0x01, 0x2c, 0xcc, 150));
      rs(c, 5, blob(blobs, z), z.length, null);
      // c: [5, "zstd"] = 0x92 0x05 0xa4 'z' 's' 't' 'd'
      rs(c, 6, sha(Z), Z.length, concat(new byte[] {'c', ':', (byte) 0x92, 5, (byte) 0xa4}, "zstd".getBytes()));
      for (int i = 0; i < 3; i++) {
        byte[] part = java.util.Arrays.copyOfRange(S, i * 1000, (i + 1) * 1000);
        rs(c, 7 + i, blob(blobs, part), part.length, null);
      }
      rs(c, 10, sha(S), S.length, new byte[] {'s', ':', (byte) 0x93, 7, 8, 9});
      resourceTableHook.run(c);
    }
    Path ft = work.resolve("ft.sqlite3");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + ft)) {
      Statement s = c.createStatement();
      s.execute("CREATE TABLE ft_inode (inode_id INTEGER PRIMARY KEY, uid INTEGER NOT NULL, gid INTEGER NOT NULL, "
          + "mode INTEGER NOT NULL, links_count INTEGER, xattrs BLOB)");
      s.execute("CREATE TABLE ft_regular (path TEXT PRIMARY KEY, inode_id INTEGER NOT NULL, resource_id INTEGER)");
      s.execute("CREATE TABLE ft_non_regular (path TEXT PRIMARY KEY, inode_id INTEGER NOT NULL, meta BLOB)");
      s.execute("CREATE TABLE ft_dir (path TEXT PRIMARY KEY, inode_id INTEGER NOT NULL)");
      s.execute("CREATE TABLE ft_resource (resource_id INTEGER PRIMARY KEY, digest BLOB NOT NULL UNIQUE, "
          + "size INTEGER NOT NULL, contents BLOB)");
      // msgpack {"user.k": b"v"} = 0x81 0xa6 "user.k" 0xc4 0x01 'v'
      byte[] xattr = concat(new byte[] {(byte) 0x81, (byte) 0xa6}, "user.k".getBytes(), new byte[] {(byte) 0xc4, 1, 'v'});
      inode(c, 1, 0, 0, 040755, 1, null);
      inode(c, 2, 0, 0, 040755, 1, null);
      inode(c, 3, 1000, 1000, 041777, 1, null);
      inode(c, 4, 0, 0, 0100644, 1, null);
      inode(c, 5, 0, 0, 0100640, 2, xattr);
      inode(c, 6, 1000, 100, 0100600, 1, null);
      inode(c, 7, 0, 0, 0100755, 1, null);
      inode(c, 8, 0, 0, 0100644, 1, null);
      inode(c, 9, 0, 0, 0100444, 1, null);
      inode(c, 10, 0, 0, 0120777, 1, null);
      inode(c, 11, 0, 0, 0020000, 1, null);
      dir(c, "/", 1);
      dir(c, "/etc", 2);
      dir(c, "/data", 3);
      ftRes(c, 1, sha(SMALL.getBytes()), SMALL.length(), SMALL.getBytes());
      ftRes(c, 2, sha(A), A.length, null);
      ftRes(c, 3, sha(C), C.length, null);
      ftRes(c, 4, sha(Z), Z.length, null);
      ftRes(c, 5, sha(S), S.length, null);
      ftRes(c, 6, sha(new byte[0]), 0, null);
      ftRes(c, 7, sha(B), B.length, null);
      reg(c, "/etc/small", 4, 1);
      reg(c, "/etc/a", 5, 2);
      reg(c, "/etc/a2", 5, 2);
      reg(c, "/data/c", 6, 3);
      reg(c, "/data/z", 7, 4);
      reg(c, "/data/s", 8, 5);
      reg(c, "/data/e", 9, 6);
      reg(c, "/data/b", 8, 7);
      non(c, "/etc/link", 10, "a".getBytes());
      non(c, "/data/wo", 11, null);
      fileTableHook.run(c);
    }
    String ftDigest = fileTableOverride != null ? blob(blobs, fileTableOverride) : blob(blobs, Files.readAllBytes(ft));
    long ftSize = fileTableOverride != null ? fileTableOverride.length : Files.size(ft);
    String rsDigest = blob(blobs, Zstd.compress(Files.readAllBytes(rs), 3));
    long rsSize = Files.size(blobs.resolve(rsDigest));
    blobsHook.accept(blobs);
    String ftType = "application/vnd.tier4.ota.file-based-ota-image.file_table.v1.sqlite3";
    String sys = "hostname: spec\npersist_files: []\n";
    String sysD = blob(blobs, sys.getBytes());
    String config = "{\"schemaVersion\":1,\"mediaType\":\"application/vnd.tier4.ota.file-based-ota-image.config.v1+json\","
        + "\"resource_digest_alg\":\"sha256\",\"architecture\":\"x86_64\",\"sys_config\":{\"mediaType\":"
        + "\"application/vnd.tier4.ota.sys-config.v1+yaml\",\"digest\":\"sha256:" + sysD + "\",\"size\":" + sys.length()
        + "},\"file_table\":{\"mediaType\":\"" + ftType + "\",\"digest\":\"sha256:" + ftDigest + "\",\"size\":" + ftSize
        + "},\"labels\":{}}";
    String configD = blob(blobs, config.getBytes());
    String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"artifactType\":\"application/vnd.tier4.ota.file-based-ota-image.v1\",\"config\":{\"mediaType\":"
        + "\"application/vnd.tier4.ota.file-based-ota-image.config.v1+json\",\"digest\":\"sha256:" + configD
        + "\",\"size\":" + config.length() + "},\"layers\":[{\"mediaType\":\"" + ftType + "\",\"digest\":\"sha256:"
        + ftDigest + "\",\"size\":" + ftSize + "}],\"annotations\":{\"vnd.tier4.pilot-auto.platform.ecu\":\"main\"}}";
    String manifestD = blob(blobs, manifest.getBytes());
    String index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
        + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"artifactType\":"
        + "\"application/vnd.tier4.ota.file-based-ota-image.v1\",\"digest\":\"sha256:" + manifestD + "\",\"size\":"
        + manifest.length() + ",\"annotations\":{\"vnd.tier4.pilot-auto.platform.ecu\":\"main\","
        + "\"vnd.tier4.ota.release-key\":\"dev\"}},{\"mediaType\":"
        + "\"application/vnd.tier4.ota.file-based-ota-image.resource_table.v1.sqlite3+zstd\",\"digest\":\"sha256:"
        + rsDigest + "\",\"size\":" + rsSize + "}],\"annotations\":{}}";
    Files.writeString(dir.resolve("index.json"), index);
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\": \"1.0.0\"}");
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header = "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"x5c\":[\""
        + Base64.getEncoder().encodeToString(ca.signingCert().getEncoded()) + "\",\""
        + Base64.getEncoder().encodeToString(ca.intermediateCert().getEncoded()) + "\"]}";
    String claims = "{\"iat\":1700000000,\"image_index\":{\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
        + "\"digest\":\"sha256:" + HexFormat.of().formatHex(sha(index.getBytes())) + "\",\"size\":" + index.length() + "}}";
    String input = b64.encodeToString(header.getBytes()) + "." + b64.encodeToString(claims.getBytes());
    Signature sig = Signature.getInstance("SHA256withECDSAinP1363Format");
    sig.initSign(ca.signingKey());
    sig.update(input.getBytes(StandardCharsets.US_ASCII));
    Files.writeString(dir.resolve("index.jwt"), input + "." + b64.encodeToString(sig.sign()));
  }

  /** The tree the image describes, made directly (owners need root). */
  public static void expectedTree(Path root) throws IOException {
    Files.createDirectories(root.resolve("etc"));
    Files.createDirectories(root.resolve("data"));
    Files.setAttribute(root.resolve("etc"), "unix:mode", 0755);
    Files.write(root.resolve("etc/small"), SMALL.getBytes());
    Files.write(root.resolve("etc/a"), A);
    Files.setAttribute(root.resolve("etc/a"), "unix:mode", 0640);
    Files.createLink(root.resolve("etc/a2"), root.resolve("etc/a"));
    Files.write(root.resolve("data/c"), C);
    Files.write(root.resolve("data/z"), Z);
    Files.write(root.resolve("data/s"), S);
    Files.write(root.resolve("data/b"), B);
    Files.write(root.resolve("data/e"), new byte[0]);
    Files.createSymbolicLink(root.resolve("etc/link"), Path.of("a"));
    Files.setAttribute(root.resolve("etc/small"), "unix:mode", 0644);
    Files.setAttribute(root.resolve("data/c"), "unix:mode", 0600);
    Files.setAttribute(root.resolve("data/z"), "unix:mode", 0755);
    Files.setAttribute(root.resolve("data/s"), "unix:mode", 0644);
    Files.setAttribute(root.resolve("data/b"), "unix:mode", 0644);
    Files.setAttribute(root.resolve("data/e"), "unix:mode", 0444);
    Files.setAttribute(root.resolve("data/c"), "unix:uid", 1000);
    Files.setAttribute(root.resolve("data/c"), "unix:gid", 100);
    Files.setAttribute(root.resolve("data"), "unix:uid", 1000);
    Files.setAttribute(root.resolve("data"), "unix:gid", 1000);
    Files.setAttribute(root.resolve("data"), "unix:mode", 01777);
  }

  public static byte[] sha(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String blob(Path blobs, byte[] data) throws IOException {
    String hex = HexFormat.of().formatHex(sha(data));
    Files.write(blobs.resolve(hex), data);
    return hex;
  }

  public static byte[] filter(char code, int... msgpack) {
    byte[] out = new byte[msgpack.length + 2];
    out[0] = (byte) code;
    out[1] = ':';
    for (int i = 0; i < msgpack.length; i++) {
      out[i + 2] = (byte) msgpack[i];
    }
    return out;
  }

  public static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      o.writeBytes(p);
    }
    return o.toByteArray();
  }

  private static void rs(Connection c, long id, Object digest, long size, byte[] filter) throws SQLException {
    try (PreparedStatement p = c.prepareStatement("INSERT INTO rs_manifest VALUES (?,?,?,?,NULL)")) {
      p.setLong(1, id);
      p.setBytes(2, digest instanceof String h ? HexFormat.of().parseHex(h) : (byte[]) digest);
      p.setLong(3, size);
      p.setBytes(4, filter);
      p.executeUpdate();
    }
  }

  private static void inode(Connection c, long id, long uid, long gid, int mode, int links, byte[] x) throws SQLException {
    try (PreparedStatement p = c.prepareStatement("INSERT INTO ft_inode VALUES (?,?,?,?,?,?)")) {
      p.setLong(1, id);
      p.setLong(2, uid);
      p.setLong(3, gid);
      p.setLong(4, mode);
      p.setLong(5, links);
      p.setBytes(6, x);
      p.executeUpdate();
    }
  }

  private static void dir(Connection c, String path, long inode) throws SQLException {
    try (PreparedStatement p = c.prepareStatement("INSERT INTO ft_dir VALUES (?,?)")) {
      p.setString(1, path);
      p.setLong(2, inode);
      p.executeUpdate();
    }
  }

  private static void ftRes(Connection c, long id, byte[] digest, long size, byte[] contents) throws SQLException {
    try (PreparedStatement p = c.prepareStatement("INSERT INTO ft_resource VALUES (?,?,?,?)")) {
      p.setLong(1, id);
      p.setBytes(2, digest);
      p.setLong(3, size);
      p.setBytes(4, contents);
      p.executeUpdate();
    }
  }

  public static void reg(Connection c, String path, long inode, long resource) throws SQLException {
    try (PreparedStatement p = c.prepareStatement("INSERT INTO ft_regular VALUES (?,?,?)")) {
      p.setString(1, path);
      p.setLong(2, inode);
      p.setLong(3, resource);
      p.executeUpdate();
    }
  }

  private static void non(Connection c, String path, long inode, byte[] meta) throws SQLException {
    try (PreparedStatement p = c.prepareStatement("INSERT INTO ft_non_regular VALUES (?,?,?)")) {
      p.setString(1, path);
      p.setLong(2, inode);
      p.setBytes(3, meta);
      p.executeUpdate();
    }
  }
}

/** Deterministic bytes that do not compress. */
final class SpecImageBytes {
  private SpecImageBytes() {}

  static byte[] random(int n) {
    byte[] b = new byte[n];
    new java.util.Random(42).nextBytes(b);
    return b;
  }
}
