package dev.otaclient.internal.image.v1;

import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fetch.BlobRequest;
import dev.otaclient.internal.fetch.BlobWriter;
import dev.otaclient.internal.fetch.FetchListener;
import dev.otaclient.internal.fetch.FetchResult;
import dev.otaclient.internal.fs.ContentHash;
import dev.otaclient.internal.fs.TempNames;
import dev.otaclient.internal.image.ImageSource;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets one content of a v1 image by its digest: inline from the file table, or from the blob storage
 * as the resource table says, following bundle, compression and slice filters down to plain blobs.
 * Every blob comes through the image's {@link ImageSource} (one transport, its retries and budget),
 * and every content, intermediate or final, is checked against its digest and size before use.
 *
 * <p>Bundles and slices are kept in {@code blobDir}, a directory on the standby slot's work area, so
 * an interrupted update finds them again (they are re-verified before reuse). Each bundle is fetched
 * once however many workers need a member of it (single flight per bundle); a zstd blob is decoded on
 * the fly into its destination and never grows past the size of the content it holds.
 */
public final class V1Contents {
  private static final Logger LOG = LoggerFactory.getLogger(V1Contents.class);
  /** Filters nest a few levels in practice (compressed slices of a bundle); deeper is hostile. */
  static final int MAX_DEPTH = 8;

  private final ImageSource source;
  private final FileTable fileTable;
  private final ResourceTable resources;
  private final Path blobDir;
  private final ConcurrentHashMap<String, ReentrantLock> flights = new ConcurrentHashMap<>();
  private final Set<String> ready = ConcurrentHashMap.newKeySet();
  /** Callers of {@link #kept} per blob not yet released: a slice one file lists twice stays until it is done. */
  private final ConcurrentHashMap<String, Integer> users = new ConcurrentHashMap<>();
  /** Slices of more than one resource: kept until the update ends, as bundles are. */
  private final Set<Long> sharedSlices;

  public V1Contents(ImageSource source, FileTable fileTable, ResourceTable resources, Path blobDir) {
    this.source = source;
    this.fileTable = fileTable;
    this.resources = resources;
    this.sharedSlices = resources.sharedSlices();
    this.blobDir = blobDir;
  }

  /**
   * Writes the content with this digest and size to {@code dest} (created or truncated), verified.
   *
   * @param forPath an image path that has this content, for messages
   * @throws OtaException as an {@link ImageSource#fetch} would, or APPLY_UPDATE naming the resource when
   *     the tables describe it wrongly
   */
  public FetchResult fetch(byte[] digest, long size, String forPath, Path dest, FetchListener listener) {
    String hex = HexFormat.of().formatHex(digest);
    byte[] inline = fileTable.inlineContent(digest);
    if (inline != null) {
      local(new ByteArrayInputStream(inline), hex, size, dest, "inline content of " + forPath);
      return new FetchResult(0, size, 0);
    }
    ResourceTable.Resource r = resources.byDigest(digest);
    if (r == null) {
      throw BadImage.content("resource table has no resource " + hex + " (content of " + forPath + ")");
    }
    if (r.size() != size) {
      throw BadImage.content("resource " + hex + " has size " + r.size() + " in the resource table but "
          + size + " in the file table (content of " + forPath + ")");
    }
    return produce(r, dest, listener, new HashSet<>(), 0);
  }

  private FetchResult produce(ResourceTable.Resource r, Path dest, FetchListener l, Set<Long> path, int depth) {
    if (depth > MAX_DEPTH || !path.add(r.id())) {
      throw BadImage.content("resource " + r.id() + " (" + r.hex() + ") is made of itself or nested deeper than "
          + MAX_DEPTH + " filters");
    }
    try {
      ResourceFilter f = r.filter();
      if (f == null) {
        return source.fetch(new BlobRequest(MediaTypes.BLOBS + r.hex(), r.hex(), r.size(), null), dest, l);
      }
      if (f instanceof ResourceFilter.Compressed c) {
        return decompress(r, c, dest, l, path, depth);
      }
      if (f instanceof ResourceFilter.Bundle b) {
        return fromBundle(r, b, dest, l, path, depth);
      }
      return fromSlices(r, (ResourceFilter.Sliced) f, dest, l, path, depth);
    } finally {
      path.remove(r.id());
    }
  }

  private FetchResult decompress(ResourceTable.Resource r, ResourceFilter.Compressed c, Path dest, FetchListener l,
      Set<Long> path, int depth) {
    if (!"zstd".equals(c.algorithm())) {
      throw BadImage.content("resource " + r.id() + " is compressed with unsupported " + Json.quote(c.algorithm()));
    }
    ResourceTable.Resource blob = part(r, c.compressedId());
    if (blob.filter() == null) {
      // decoded on the fly: the request names the original digest and size, which is also what
      // ota_proxy keys its cache by (file_sha256=<original>,file_compression_alg=zstd)
      return source.fetch(new BlobRequest(MediaTypes.BLOBS + blob.hex(), r.hex(), r.size(), "zstd"), dest, l);
    }
    Path packed = TempNames.beside(dest);
    try {
      FetchResult got = produce(blob, packed, l, path, depth + 1);
      try (InputStream in = Files.newInputStream(packed)) {
        localZstd(in, r, dest);
      } catch (IOException e) {
        throw BadImage.content("cannot read the assembled compressed resource " + blob.id() + ": " + e, e);
      }
      return new FetchResult(got.wireBytes(), r.size(), got.failedAttempts());
    } finally {
      discard(packed);
    }
  }

  private FetchResult fromBundle(ResourceTable.Resource r, ResourceFilter.Bundle b, Path dest, FetchListener l,
      Set<Long> path, int depth) {
    ResourceTable.Resource bundle = part(r, b.bundleId());
    if (b.length() != r.size() || b.offset() > bundle.size() - b.length()) {
      throw BadImage.content("resource " + r.id() + " is bytes " + b.offset() + "+" + b.length() + " of bundle "
          + bundle.id() + ", which has " + bundle.size() + " bytes and the resource " + r.size());
    }
    long[] wire = {0};
    Path file = kept(bundle, l, path, depth, wire);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ch.position(b.offset());
      InputStream in = new BoundedStream(Channels.newInputStream(ch), b.length());
      local(in, r.hex(), r.size(), dest, "resource " + r.id() + " in bundle " + bundle.id());
    } catch (IOException e) {
      throw BadImage.content("cannot read bundle " + bundle.id() + ": " + e, e);
    }
    return new FetchResult(wire[0], r.size(), 0);
  }

  private FetchResult fromSlices(ResourceTable.Resource r, ResourceFilter.Sliced s, Path dest, FetchListener l,
      Set<Long> path, int depth) {
    List<Path> files = new ArrayList<>();
    List<Path> ownSlices = new ArrayList<>();
    long[] wire = {0};
    long total = 0;
    for (long id : s.slices()) {
      ResourceTable.Resource slice = part(r, id);
      total += slice.size();
      if (total > r.size()) {
        throw BadImage.content("slices of resource " + r.id() + " add up to more than its " + r.size() + " bytes");
      }
      Path file = kept(slice, l, path, depth, wire);
      files.add(file);
      if (!sharedSlices.contains(id)) {
        ownSlices.add(file);
      }
    }
    List<InputStream> streams = new ArrayList<>();
    try {
      for (Path p : files) {
        streams.add(Files.newInputStream(p));
      }
      local(new SequenceInputStream(Collections.enumeration(streams)), r.hex(), r.size(), dest,
          "resource " + r.id() + " from " + files.size() + " slices");
    } catch (IOException e) {
      throw BadImage.content("cannot read the slices of resource " + r.id() + ": " + e, e);
    } finally {
      for (InputStream in : streams) {
        try {
          in.close();
        } catch (IOException ignored) {
          // read-only
        }
      }
    }
    // A slice of this resource alone goes when it is done (twice listed: at its second release). One
    // that other resources are made of too (a common prefix, runs of zeros) stays until the update
    // ends: released after its first user, it was fetched again by the next whenever the two did
    // not overlap, also in a resumed update that had it from the interrupted run.
    ownSlices.forEach(this::release);
    return new FetchResult(wire[0], r.size(), 0);
  }

  private void release(Path file) {
    String name = file.getFileName().toString();
    ReentrantLock lock = flights.computeIfAbsent(name, k -> new ReentrantLock());
    lock.lock();
    try {
      if (users.merge(name, -1, Integer::sum) <= 0) {
        users.remove(name);
        ready.remove(name);
        discard(file);
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * The verified blob of a bundle or slice in {@link #blobDir}, produced once: concurrent callers for
   * the same digest wait for the first, and a file left by an interrupted update is re-hashed and kept
   * when it is right.
   */
  private Path kept(ResourceTable.Resource part, FetchListener l, Set<Long> path, int depth, long[] wire) {
    String name = part.hex();
    Path file = blobDir.resolve(name);
    ReentrantLock lock = flights.computeIfAbsent(name, k -> new ReentrantLock());
    try {
      lock.lockInterruptibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OtaException(dev.otaclient.error.ErrorCode.APPLY_UPDATE, dev.otaclient.error.ErrorModule.DOWNLOADER,
          "interrupted while waiting for blob " + name, e);
    }
    try {
      if (ready.contains(name)) {
        users.merge(name, 1, Integer::sum);
        return file;
      }
      if (Files.isRegularFile(file) && verified(file, part)) {
        LOG.debug("reusing blob {} kept from an earlier run", name);
      } else {
        Path tmp = TempNames.beside(file);
        try {
          wire[0] += produce(part, tmp, l, path, depth + 1).wireBytes();
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
          throw BadImage.content("cannot keep blob " + name + " in " + blobDir + ": " + e, e);
        } finally {
          discard(tmp);
        }
      }
      ready.add(name);
      users.merge(name, 1, Integer::sum);
      return file;
    } finally {
      lock.unlock();
    }
  }

  private static boolean verified(Path file, ResourceTable.Resource part) {
    try {
      return Files.size(file) == part.size() && ContentHash.of(file).equals(part.hex());
    } catch (IOException e) {
      return false;
    }
  }

  private ResourceTable.Resource part(ResourceTable.Resource of, long id) {
    ResourceTable.Resource p = resources.byId(id);
    if (p == null) {
      throw BadImage.content("resource " + of.id() + " (" + of.hex() + ") needs resource " + id
          + ", which the resource table does not have");
    }
    return p;
  }

  /** Writes a local stream to {@code dest} through the same decode-hash-size checks as a download. */
  private static void local(InputStream in, String hex, long size, Path dest, String what) {
    try {
      BlobWriter.write(in, BlobRequest.plain(what, hex, size), dest, FetchListener.NONE);
    } catch (BlobWriter.ContentMismatchException e) {
      discard(dest);
      throw BadImage.content(what + " is not content " + hex + ": " + e.getMessage(), e);
    } catch (IOException e) {
      discard(dest);
      throw BadImage.content("cannot read " + what + ": " + e, e);
    }
  }

  private static void localZstd(InputStream in, ResourceTable.Resource r, Path dest) throws IOException {
    try {
      BlobWriter.write(in, new BlobRequest("resource " + r.id(), r.hex(), r.size(), "zstd"), dest, FetchListener.NONE);
    } catch (BlobWriter.ContentMismatchException e) {
      discard(dest);
      throw BadImage.content("compressed resource " + r.id() + " does not decode to " + r.hex() + ": " + e.getMessage(), e);
    }
  }

  /** Best effort: a leftover temporary file is swept by the next run's work-area cleanup. */
  private static void discard(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      LOG.debug("cannot delete {}: {}", p, e.toString());
    }
  }

  /** At most {@code limit} bytes of a stream. */
  private static final class BoundedStream extends java.io.FilterInputStream {
    private long left;

    BoundedStream(InputStream in, long limit) {
      super(in);
      this.left = limit;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }
  }
}
