package dev.otaclient.proxy;

import dev.otaclient.internal.fetch.CacheControl;
import dev.otaclient.internal.fs.ContentHash;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers one forward-proxy GET: from a committed cache entry, by following a download another
 * request already started, by leading a new download that is written to the cache while it is
 * streamed, or (no_cache, caching off, space exhausted) by relaying upstream without caching.
 * Runs on a server pool thread and blocks; the leader keeps that thread until the upstream body
 * ends, even when its own client left, so the followers and the cache still get the file.
 */
final class ProxyHandler extends Handler.Abstract {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyHandler.class);
  private static final int CHUNK = 64 * 1024;
  /**
   * One copy buffer per server thread, reused by every request it serves: a fresh 256 KiB array per
   * request made each file of an update a quarter-megabyte of garbage, and with four clients the
   * young generation, not the cache, set the proxy's peak RSS (docs/benchmarks.md, scenario 6).
   * A request uses it only on its own thread and only while it runs, so no two requests share one.
   */
  private static final ThreadLocal<byte[]> BUFFERS = ThreadLocal.withInitial(() -> new byte[CHUNK]);
  /** Cache writes re-check the hard limit at this interval, so a burst cannot fill the disk. */
  private static final long SPACE_CHECK_BYTES = 1 << 20;
  /** Leader attempts a request may go through before it gives up on the cache and just relays. */
  private static final int MAX_ATTEMPTS = 3;

  private final Upstream upstream;
  private final CacheStore cache;
  private final SpaceGuard guard;
  private final long headWaitMillis;
  private final long stallMillis;

  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder upstreamRequests = new LongAdder();
  private final LongAdder bytesFromUpstream = new LongAdder();
  private final LongAdder bytesServed = new LongAdder();

  /** {@code cache} and {@code guard} are null when caching is disabled. */
  ProxyHandler(Upstream upstream, CacheStore cache, SpaceGuard guard, Duration readTimeout) {
    this.upstream = upstream;
    this.cache = cache;
    this.guard = guard;
    // The leader gives up on upstream after 2 read timeouts for the head and 1 per silent read;
    // followers wait a little longer so that they see its verdict rather than time out first.
    this.headWaitMillis = 3 * readTimeout.toMillis();
    this.stallMillis = 3 * readTimeout.toMillis();
  }

  ProxyStats stats() {
    return new ProxyStats(hits.sum(), misses.sum(), upstreamRequests.sum(), bytesFromUpstream.sum(), bytesServed.sum());
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String raw = RawTargetConnectionFactory.rawTarget(request.getConnectionMetaData());
    ClientReply reply = new ClientReply(response, callback, bytesServed);
    String method = request.getMethod();
    if (!HttpMethod.GET.is(method)) {
      reply.header(HttpHeader.ALLOW, "GET");
      // A refused CONNECT would otherwise leave the connection waiting to become a tunnel.
      reply.header(HttpHeader.CONNECTION, "close");
      reply.text(405, "ota_proxy: method " + method + " not allowed, only GET is supported");
      return true;
    }
    URI target = absoluteTarget(raw);
    if (target == null) {
      reply.header(HttpHeader.CONNECTION, "close");
      reply.text(400, "ota_proxy: request target must be an absolute http(s) URL (forward-proxy form), got "
          + (raw == null ? "nothing" : raw));
      return true;
    }
    HttpFields headers = request.getHeaders();
    String cacheControl = headers.get(CacheControl.HEADER);
    Client client = new Client(target, headers.getValuesList(HttpHeader.COOKIE),
        headers.get(HttpHeader.AUTHORIZATION), cacheControl, CacheDirectives.parse(cacheControl), reply);
    try {
      serve(client);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      reply.abort(e);
    } catch (RuntimeException | IOException e) {
      LOG.warn("GET {} failed: {}", target, e.toString());
      reply.abort(e);
    }
    return true;
  }

  /** What the handler needs to know about one client request. */
  private record Client(URI target, List<String> cookies, String authorization, String cacheControl,
      CacheDirectives directives, ClientReply reply) {}

  static URI absoluteTarget(String raw) {
    if (raw == null) {
      return null;
    }
    URI uri;
    try {
      uri = new URI(raw);
    } catch (URISyntaxException e) {
      return null;
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!uri.isAbsolute() || uri.getHost() == null || !(scheme.equals("http") || scheme.equals("https"))) {
      return null;
    }
    return uri;
  }

  private void serve(Client c) throws IOException, InterruptedException {
    CacheDirectives d = c.directives();
    if (cache == null || d.noCache()) {
      relay(c);
      return;
    }
    String key = d.cacheKey(c.target().toString());
    if (d.retryCaching()) {
      if (cache.downloading(key)) {
        // A download still streaming is fresh from upstream; one that finished but waits for its
        // commit batch is what the client just got, so it is as suspect as a committed copy.
        cache.dropPending(key);
      } else {
        cache.drop(key);
      }
    }
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      CacheStore.Hit hit = cache.open(key);
      if (hit != null) {
        serveHit(c, hit);
        return;
      }
      CacheStore.Claim claim = cache.claim(key);
      if (claim.leader()) {
        lead(c, claim.transfer(), key);
        return;
      }
      if (follow(c, claim.transfer())) {
        return;
      }
      if (claim.transfer().state() == Transfer.State.UNCACHED) {
        break; // the leader chose not to cache (error status or no space): do the same
      }
    }
    relay(c);
  }

  private void serveHit(Client c, CacheStore.Hit hit) throws IOException {
    hits.increment();
    ClientReply reply = c.reply();
    try (FileChannel ch = hit.channel()) {
      reply.head(200, hit.meta(), c.directives().echo());
      copy(ch, 0, hit.meta().size(), reply, ByteBuffer.wrap(BUFFERS.get()));
      reply.finish();
    }
  }

  /** Streams from another request's download. Returns false if it cannot be used (nothing sent). */
  private boolean follow(Client c, Transfer t) throws InterruptedException, IOException {
    EntryMeta head = t.awaitHead(headWaitMillis);
    if (head == null) {
      return false;
    }
    FileChannel ch = t.openReader();
    if (ch == null) {
      return false;
    }
    hits.increment();
    ClientReply reply = c.reply();
    long position = 0;
    ByteBuffer buf = ByteBuffer.wrap(BUFFERS.get());
    try (ch) {
      reply.head(200, head, c.directives().echo());
      while (true) {
        long available = t.awaitBeyond(position, stallMillis);
        if (available < 0) {
          break;
        }
        position = copy(ch, position, available, reply, buf);
        if (reply.gone()) {
          return true;
        }
      }
      reply.finish();
    } catch (Transfer.Detached e) {
      resume(c, head, position);
    } catch (IOException e) {
      LOG.info("GET {}: shared download broke off: {}", c.target(), e.getMessage());
      reply.abort(e);
    }
    return true;
  }

  /**
   * Finishes a follower whose shared download stopped feeding the cache (full disk, hard limit):
   * fetches the file again and skips what the client already has. Costs a second transfer, but
   * only in that rare case, and works through an upper proxy that does not support ranges.
   */
  private void resume(Client c, EntryMeta head, long position) throws InterruptedException {
    ClientReply reply = c.reply();
    if (head.size() >= 0 && position == head.size()) {
      reply.finish();
      return;
    }
    LOG.info("GET {}: shared download left the cache at byte {}; fetching the rest separately", c.target(), position);
    Upstream.Exchange ex;
    upstreamRequests.increment();
    try {
      ex = upstream.get(c.target(), c.cookies(), c.authorization(), c.cacheControl());
    } catch (IOException e) {
      reply.abort(e);
      return;
    }
    try (ex) {
      long length = ex.contentLength();
      if (ex.status() != 200 || (head.size() >= 0 && length >= 0 && length != head.size())) {
        reply.abort(new IOException("upstream answered " + ex.status() + " with " + length
            + " bytes when resuming at " + position + " of " + head.size()));
        return;
      }
      InputStream in = ex.body();
      in.skipNBytes(position);
      bytesFromUpstream.add(position);
      byte[] buf = BUFFERS.get();
      long total = position;
      int n;
      while ((n = in.read(buf)) >= 0) {
        total += n;
        bytesFromUpstream.add(n);
        if (!reply.write(buf, 0, n)) {
          ex.abort(new IOException("client went away"));
          return;
        }
      }
      if (length >= 0 && total != length) {
        reply.abort(new IOException("upstream sent " + total + " of " + length + " bytes"));
        return;
      }
      reply.finish();
    } catch (IOException e) {
      LOG.warn("GET {}: resuming failed: {}", c.target(), e.toString());
      reply.abort(e);
    }
  }

  /** Copies [from, to) of a file to the client; returns the position reached. */
  private static long copy(FileChannel ch, long from, long to, ClientReply reply, ByteBuffer buf) throws IOException {
    long position = from;
    while (position < to) {
      buf.clear().limit((int) Math.min(CHUNK, to - position));
      int n = ch.read(buf, position);
      if (n < 0) {
        throw new IOException("cache file ended at " + position + " of " + to + " bytes");
      }
      if (!reply.write(buf.array(), 0, n)) {
        return position;
      }
      position += n;
    }
    return position;
  }

  private void lead(Client c, Transfer t, String key) throws IOException, InterruptedException {
    try {
      CacheStore.Hit hit = cache.open(key);
      if (hit != null) {
        // Committed by the previous leader between our lookup and our claim. Detached (not
        // uncached) so that anyone who joined us looks the entry up again instead of relaying.
        t.detached();
        cache.release(t);
        serveHit(c, hit);
        return;
      }
      misses.increment();
      Upstream.Exchange ex = openUpstream(c);
      if (ex == null) {
        t.failed();
        return;
      }
      try (ex) {
        if (ex.status() != 200) {
          t.uncached();
          cache.release(t);
          relayBody(c, ex);
          return;
        }
        download(c, t, ex);
      }
    } finally {
      // a complete download waiting for its commit batch belongs to the batch now
      if (!t.isAwaitingCommit()) {
        if (t.state() == Transfer.State.WAITING || t.state() == Transfer.State.STREAMING) {
          t.failed();
        }
        cache.release(t);
      }
    }
  }

  /** The leader's copy loop: upstream -> cache file (if still caching) -> client (if still there). */
  private void download(Client c, Transfer t, Upstream.Exchange ex) {
    EntryMeta meta = metaOf(ex, 200);
    CacheWrite write = CacheWrite.start(cache, guard, t, meta, c.directives().verifiableSha256());
    if (write == null) {
      t.uncached();
    }
    ClientReply reply = c.reply();
    reply.head(200, meta, c.directives().echo());
    byte[] buf = BUFFERS.get();
    long total = 0;
    long expected = ex.contentLength();
    InputStream in = ex.body();
    while (true) {
      int n;
      try {
        n = in.read(buf);
      } catch (IOException e) {
        LOG.warn("GET {}: upstream body broke off after {} bytes: {}", c.target(), total, e.toString());
        if (write != null) {
          write.upstreamFailed();
        }
        reply.abort(e);
        return;
      }
      if (n < 0) {
        break;
      }
      total += n;
      bytesFromUpstream.add(n);
      if (write != null && !write.append(buf, n, total)) {
        write = null;
      }
      if (write != null && total == expected) {
        // Commit before the client has the last byte: once it holds the whole file the entry is
        // there, so an immediate retry_caching from it finds (and drops) this entry rather than
        // following a download that is about to commit.
        write.complete(total);
        write = null;
      }
      if (!reply.write(buf, 0, n) && write == null) {
        // Nobody left to serve and nothing to cache: stop pulling bytes.
        ex.abort(new IOException("client went away"));
        return;
      }
    }
    if (expected >= 0 && total != expected) {
      IOException e = new IOException("upstream sent " + total + " of " + expected + " bytes");
      LOG.warn("GET {}: {}", c.target(), e.getMessage());
      if (write != null) {
        write.upstreamFailed();
      }
      reply.abort(e);
      return;
    }
    if (write != null) {
      write.complete(total);
    }
    reply.finish();
  }

  /** Pure relay, used for no_cache, disabled caching and when the cache cannot take the file. */
  private void relay(Client c) throws IOException, InterruptedException {
    Upstream.Exchange ex = openUpstream(c);
    if (ex != null) {
      try (ex) {
        relayBody(c, ex);
      }
    }
  }

  private void relayBody(Client c, Upstream.Exchange ex) {
    ClientReply reply = c.reply();
    reply.head(ex.status(), metaOf(ex, ex.status()), ex.status() == 200 ? c.directives().echo() : Optional.empty());
    String location = ex.header(HttpHeader.LOCATION.asString());
    if (location != null) {
      reply.header(HttpHeader.LOCATION, location);
    }
    byte[] buf = BUFFERS.get();
    long total = 0;
    try {
      int n;
      while ((n = ex.body().read(buf)) >= 0) {
        total += n;
        bytesFromUpstream.add(n);
        if (!reply.write(buf, 0, n)) {
          ex.abort(new IOException("client went away"));
          return;
        }
      }
    } catch (IOException e) {
      LOG.warn("GET {}: upstream body broke off after {} bytes: {}", c.target(), total, e.toString());
      reply.abort(e);
      return;
    }
    long expected = ex.contentLength();
    if (expected >= 0 && total != expected) {
      reply.abort(new IOException("upstream sent " + total + " of " + expected + " bytes"));
      return;
    }
    reply.finish();
  }

  /** Sends the request upstream; on failure answers 502 itself and returns null. */
  private Upstream.Exchange openUpstream(Client c) throws InterruptedException {
    upstreamRequests.increment();
    try {
      return upstream.get(c.target(), c.cookies(), c.authorization(), c.cacheControl());
    } catch (IOException e) {
      LOG.warn("GET {}: upstream unreachable: {}", c.target(), e.getMessage());
      // this first line, "ota_proxy: ...", is what the client puts into its failure reason
      c.reply().text(502, "ota_proxy: upstream request for " + c.target() + " failed: " + e.getMessage());
      return null;
    }
  }

  private static EntryMeta metaOf(Upstream.Exchange ex, int status) {
    String type = ex.header(HttpHeader.CONTENT_TYPE.asString());
    if (type == null) {
      type = status == 200 ? EntryMeta.DEFAULT_TYPE : "text/plain";
    }
    return new EntryMeta(ex.contentLength(), type,
        Optional.ofNullable(ex.header(HttpHeader.CONTENT_ENCODING.asString())));
  }

  /**
   * The cache side of one leader download. Any problem here (no space, ENOSPC, I/O error, hash
   * mismatch) only ends caching for this transfer; the client stream is not affected.
   */
  private static final class CacheWrite {
    private final CacheStore cache;
    private final SpaceGuard guard;
    private final Transfer transfer;
    private final EntryMeta meta;
    private final FileChannel channel;
    private final MessageDigest digest;
    private final String expectedSha256;
    private long nextSpaceCheck = SPACE_CHECK_BYTES;

    private CacheWrite(CacheStore cache, SpaceGuard guard, Transfer transfer, EntryMeta meta, FileChannel channel,
        String expectedSha256) {
      this.cache = cache;
      this.guard = guard;
      this.transfer = transfer;
      this.meta = meta;
      this.channel = channel;
      this.expectedSha256 = expectedSha256;
      this.digest = expectedSha256 == null ? null : ContentHash.sha256();
    }

    /** Opens the temp file and publishes the transfer to followers; null when not caching. */
    static CacheWrite start(CacheStore cache, SpaceGuard guard, Transfer transfer, EntryMeta meta,
        Optional<String> expectedSha256) {
      if (guard.level() == SpaceGuard.Level.HARD) {
        LOG.info("not caching {}: cache filesystem above the hard limit", transfer.key());
        return null;
      }
      Path tmp = cache.newTempFile(transfer.key());
      FileChannel channel;
      try {
        channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      } catch (IOException e) {
        LOG.warn("not caching {}: cannot create {}: {}", transfer.key(), tmp, e.toString());
        return null;
      }
      transfer.streaming(tmp, meta);
      return new CacheWrite(cache, guard, transfer, meta, channel, expectedSha256.orElse(null));
    }

    /** Appends a chunk; returns false when caching stopped for this transfer. */
    boolean append(byte[] buf, int n, long total) {
      try {
        ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
        while (bb.hasRemaining()) {
          channel.write(bb);
        }
      } catch (IOException e) {
        // ENOSPC lands here: the disk filled faster than the limit checks could see.
        abandon("cache write failed: " + e.getMessage());
        return false;
      }
      if (digest != null) {
        digest.update(buf, 0, n);
      }
      if (total >= nextSpaceCheck) {
        nextSpaceCheck = total + SPACE_CHECK_BYTES;
        if (guard.level() == SpaceGuard.Level.HARD) {
          abandon("cache filesystem passed the hard limit after " + total + " bytes");
          return false;
        }
      }
      transfer.progress(total);
      return true;
    }

    void complete(long total) {
      try {
        // no fsync here: the commit batch flushes the whole cache filesystem at once
        channel.close();
      } catch (IOException e) {
        abandon("cannot flush: " + e.getMessage());
        return;
      }
      if (digest != null) {
        String actual = ContentHash.hex(digest);
        if (!actual.equals(expectedSha256)) {
          abandon("body sha256 " + actual + " does not match file_sha256 " + expectedSha256);
          return;
        }
      }
      cache.commitLater(transfer, meta.withSize(total));
    }

    /** Stops caching for a cache-side reason; the download itself goes on. */
    void abandon(String why) {
      LOG.info("not caching {}: {}", transfer.key(), why);
      closeQuietly();
      transfer.detached();
      cache.release(transfer);
    }

    /** The upstream body broke off: the partial copy is worthless to everyone. */
    void upstreamFailed() {
      closeQuietly();
      transfer.failed();
      cache.release(transfer);
    }

    private void closeQuietly() {
      try {
        channel.close();
      } catch (IOException ignored) {
        // the temp file is deleted next
      }
    }
  }
}
