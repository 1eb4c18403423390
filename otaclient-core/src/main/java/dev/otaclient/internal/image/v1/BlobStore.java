package dev.otaclient.internal.image.v1;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdOutputStream;
import dev.otaclient.internal.fs.ContentHash;
import dev.otaclient.internal.fs.TempNames;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.Map;

/** {@code blobs/sha256/} of an image being built: every blob stored once, under its digest. */
final class BlobStore {
  private final Path dir;
  private long count;
  private long bytes;

  BlobStore(Path imageRoot) throws IOException {
    this.dir = imageRoot.resolve(MediaTypes.BLOBS);
    Files.createDirectories(dir);
  }

  long count() {
    return count;
  }

  long bytes() {
    return bytes;
  }

  /** Stores {@code data}; returns its descriptor. */
  Descriptor add(byte[] data, String mediaType, String artifactType, Map<String, String> annotations)
      throws IOException {
    String hex = ContentHash.of(data);
    Path target = dir.resolve(hex);
    if (!Files.exists(target)) {
      Path tmp = TempNames.beside(target);
      Files.write(tmp, data);
      commit(tmp, target, data.length);
    }
    return new Descriptor(mediaType, hex, data.length, artifactType, annotations);
  }

  /** Stores the file's bytes, zstd-compressed when {@code zstd}; returns the stored blob's descriptor. */
  Descriptor addFile(Path file, String mediaType, boolean zstd) throws IOException {
    Path tmp = TempNames.beside(dir.resolve("incoming"));
    MessageDigest sha = ContentHash.sha256();
    try (InputStream in = Files.newInputStream(file);
         OutputStream raw = new DigestOutputStream(Files.newOutputStream(tmp), sha);
         OutputStream out = zstd ? new ZstdOutputStream(raw, 10) : raw) {
      in.transferTo(out);
    }
    String hex = ContentHash.hex(sha);
    long size = Files.size(tmp);
    Path target = dir.resolve(hex);
    if (Files.exists(target)) {
      Files.delete(tmp);
    } else {
      commit(tmp, target, size);
    }
    return new Descriptor(mediaType, hex, size, null, Map.of());
  }

  /** Stores a JSON document as written by Jackson (compact). */
  Descriptor addJson(ObjectNode doc, String mediaType, String artifactType, Map<String, String> annotations)
      throws IOException {
    return add(doc.toString().getBytes(StandardCharsets.UTF_8), mediaType, artifactType, annotations);
  }

  /** zstd level 10, as the legacy builder compresses; null when it saves less than a fifth. */
  static byte[] compressIfWorth(byte[] data) {
    byte[] z = Zstd.compress(data, 10);
    return z.length * 125L <= data.length * 100L ? z : null;
  }

  private void commit(Path tmp, Path target, long size) throws IOException {
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    count++;
    bytes += size;
  }
}
