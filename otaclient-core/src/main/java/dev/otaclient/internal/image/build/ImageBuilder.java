package dev.otaclient.internal.image.build;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.image.DirectoryEntry;
import dev.otaclient.internal.image.FileRef;
import dev.otaclient.internal.image.ImageMetadata;
import dev.otaclient.internal.image.ImagePath;
import dev.otaclient.internal.image.ListWriter;
import dev.otaclient.internal.image.MetadataJwt;
import dev.otaclient.internal.image.PersistentEntry;
import dev.otaclient.internal.image.RegularEntry;
import dev.otaclient.internal.image.SymlinkEntry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a rootfs directory into a signed OTA image in the legacy layout the Python client accepts
 * (reference §1.1): {@code metadata.jwt}, the four lists, {@code total_regular_size.txt},
 * {@code sign.pem}, {@code data/} (the tree itself, served by path) and optionally {@code data.zst/}.
 *
 * <pre>{@code
 * BuildResult r = ImageBuilder.fromRootfs(rootfs)
 *     .outputDir(out)
 *     .signWith(key, certPem)
 *     .compress(true)
 *     .ignoreFile(ignoreTxt)           // optional, gitignore syntax
 *     .persistents(List.of("/etc/hosts"))
 *     .build();
 * }</pre>
 *
 * <p>Lists are written in one deterministic walk (see {@link RootfsScan}); regular files are hashed
 * (and compressed) on a small pool while the walk goes on, and their lines are written in walk order.
 * Every output file is written under a temporary name and renamed; {@code metadata.jwt} comes last, so
 * its presence marks a complete image. On failure everything written to the output directory is removed.
 */
public final class ImageBuilder {
  private static final Logger LOG = LoggerFactory.getLogger(ImageBuilder.class);

  public static final String METADATA_JWT = "metadata.jwt";
  public static final String DIRS_FILE = "dirs.txt";
  public static final String SYMLINKS_FILE = "symlinks.txt";
  public static final String REGULARS_FILE = "regulars.txt";
  public static final String PERSISTENTS_FILE = "persistents.txt";
  public static final String TOTAL_REGULAR_SIZE_FILE = "total_regular_size.txt";
  public static final String CERTIFICATE_FILE = "sign.pem";
  public static final String ROOTFS_DIRECTORY = "data";
  public static final String COMPRESSED_ROOTFS_DIRECTORY = "data.zst";
  /** The only compression algorithm the builder writes. */
  public static final String COMPRESS_ALG = "zst";

  /** Regular files in flight at once; bounds memory while keeping the pool busy. */
  private static final int WINDOW = 64;

  private final Path rootfs;
  private Path outputDir;
  private PrivateKey signingKey;
  private Path certificatePem;
  private boolean compress;
  private boolean hardLinkData = false;
  private IgnoreRules ignoreRules = IgnoreRules.none();
  private List<String> persistents = List.of();
  private int threads = Math.min(4, Math.max(2, Runtime.getRuntime().availableProcessors()));

  private ImageBuilder(Path rootfs) {
    this.rootfs = Objects.requireNonNull(rootfs, "rootfs");
  }

  /** Starts describing an image of the tree at {@code rootfs} (which becomes the image's {@code /}). */
  public static ImageBuilder fromRootfs(Path rootfs) {
    return new ImageBuilder(rootfs);
  }

  /** Where to write the image; must be absent or an empty directory, and not inside the rootfs. */
  public ImageBuilder outputDir(Path out) {
    this.outputDir = Objects.requireNonNull(out, "outputDir");
    return this;
  }

  /** EC P-256 key that signs {@code metadata.jwt}, and its certificate (copied to {@code sign.pem}). */
  public ImageBuilder signWith(PrivateKey key, Path certPem) {
    this.signingKey = Objects.requireNonNull(key, "key");
    this.certificatePem = Objects.requireNonNull(certPem, "certPem");
    return this;
  }

  /**
   * Whether to write {@code data.zst/<sha256>.zst} blobs (zstd level 10) for files of at least 16 KiB
   * that compress by a ratio of at least 1.25, as the Python generator's defaults do.
   */
  public ImageBuilder compress(boolean enabled) {
    this.compress = enabled;
    return this;
  }

  /**
   * Whether {@code data/} files are hard links to the rootfs files (falls back to copies across file
   * systems) or copies (the default). A hard link raises the rootfs file's {@code st_nlink}, so
   * building another image from the same rootfs while a hard-linked one still exists reports those
   * extra links ({@code nlink > 1} and an inode on every line: still a valid image, but not the same
   * lists). Hard links save time and space for a one-off build of a large tree.
   */
  public ImageBuilder hardLinkData(boolean enabled) {
    this.hardLinkData = enabled;
    return this;
  }

  /** Paths to leave out, in gitignore syntax relative to the rootfs (see {@link IgnoreRules}). */
  public ImageBuilder ignoreFile(Path gitignoreSyntax) {
    this.ignoreRules = IgnoreRules.load(gitignoreSyntax);
    return this;
  }

  /** Paths to leave out, as already parsed rules. */
  public ImageBuilder ignoreRules(IgnoreRules rules) {
    this.ignoreRules = Objects.requireNonNull(rules, "rules");
    return this;
  }

  /** Absolute paths the client carries over from the running slot ({@code persistents.txt}); default none. */
  public ImageBuilder persistents(List<String> paths) {
    this.persistents = List.copyOf(paths);
    return this;
  }

  /** Worker threads for hashing and compressing (default 2–4 by CPU count). */
  public ImageBuilder threads(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("threads must be >= 1: " + count);
    }
    this.threads = count;
    return this;
  }

  /** Writes the image. Throws {@link OtaException} (UNRECOVERABLE) naming the path at fault. */
  public BuildResult build() {
    if (outputDir == null) {
      throw refuse("no output directory given");
    }
    if (signingKey == null) {
      throw refuse("no signing key/certificate given");
    }
    checkFileNameEncoding();
    Path root = realRootfs();
    List<PersistentEntry> persistentEntries = checkedPersistents();
    byte[] certBytes = readCertificate();
    Path out = outputDir.toAbsolutePath().normalize();
    refuseInside(root, out);
    boolean created = prepareEmptyOutput(out);
    try {
      BuildResult result = write(root, out, persistentEntries, certBytes);
      LOG.info("built OTA image {}: {} dirs, {} symlinks, {} regular files ({} bytes), {} blobs ({} bytes)",
          out, result.directories(), result.symlinks(), result.regulars(), result.totalRegularSize(),
          result.compressedBlobs(), result.compressedBytes());
      return result;
    } catch (IOException | UncheckedIOException e) {
      removeOutput(out, created);
      throw new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.GENERAL,
          out + ": building the image failed: " + e, e);
    } catch (RuntimeException | Error e) {
      removeOutput(out, created);
      throw e;
    }
  }

  // ---------------------------------------------------------------- the build

  private BuildResult write(Path root, Path out, List<PersistentEntry> persistentEntries, byte[] certBytes)
      throws IOException {
    Path dataDir = Files.createDirectory(out.resolve(ROOTFS_DIRECTORY));
    Files.setAttribute(dataDir, "unix:mode", 0755);
    Path blobDir = null;
    if (compress) {
      blobDir = Files.createDirectory(out.resolve(COMPRESSED_ROOTFS_DIRECTORY));
      Files.setAttribute(blobDir, "unix:mode", 0755);
    }
    RootfsScan scan = new RootfsScan(root, ignoreRules);
    Counts counts = new Counts();
    String dirsHash;
    String symlinksHash;
    String regularsHash;
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "image-builder-hash");
      t.setDaemon(true);
      return t;
    });
    try (StagedFile dirs = new StagedFile(out.resolve(DIRS_FILE));
         StagedFile symlinks = new StagedFile(out.resolve(SYMLINKS_FILE));
         StagedFile regulars = new StagedFile(out.resolve(REGULARS_FILE))) {
      ListWriter dirsWriter = new ListWriter(dirs.stream());
      ListWriter symlinksWriter = new ListWriter(symlinks.stream());
      ListWriter regularsWriter = new ListWriter(regulars.stream());
      RegularFileIngest ingest = new RegularFileIngest(blobDir, hardLinkData);
      Deque<Pending> inFlight = new ArrayDeque<>();
      try {
        scan.run(entry -> {
          Path dataPath = dataDir.resolve(root.relativize(entry.source()));
          switch (entry.kind()) {
            case DIRECTORY -> {
              DirectoryEntry d = new DirectoryEntry(entry.imagePath(), entry.mode(), entry.uid(), entry.gid());
              writeLine(DIRS_FILE, entry.imagePath(), () -> dirsWriter.write(d));
              counts.directories++;
              createDataDirectory(dataPath, entry);
            }
            case SYMLINK -> {
              SymlinkEntry l = new SymlinkEntry(entry.imagePath(), entry.symlinkTarget(), entry.mode(),
                  entry.uid(), entry.gid());
              writeLine(SYMLINKS_FILE, entry.imagePath(), () -> symlinksWriter.write(l));
              counts.symlinks++;
              createDataSymlink(dataPath, entry);
            }
            case REGULAR -> {
              inFlight.addLast(new Pending(entry, pool.submit(() -> ingest.ingest(entry.source(), dataPath))));
              if (inFlight.size() >= WINDOW) {
                writeRegular(regularsWriter, inFlight.removeFirst(), counts);
              }
            }
          }
        });
        while (!inFlight.isEmpty()) {
          writeRegular(regularsWriter, inFlight.removeFirst(), counts);
        }
      } finally {
        for (Pending p : inFlight) {
          p.result.cancel(true);
        }
      }
      dirsWriter.close();
      symlinksWriter.close();
      regularsWriter.close();
      dirsHash = dirs.commit();
      symlinksHash = symlinks.commit();
      regularsHash = regulars.commit();
    } finally {
      stop(pool);
    }

    String persistentsHash;
    try (StagedFile f = new StagedFile(out.resolve(PERSISTENTS_FILE))) {
      ListWriter w = new ListWriter(f.stream());
      for (PersistentEntry e : persistentEntries) {
        writeLine(PERSISTENTS_FILE, e.path(), () -> w.write(e));
      }
      w.close();
      persistentsHash = f.commit();
    }
    try (StagedFile f = new StagedFile(out.resolve(TOTAL_REGULAR_SIZE_FILE))) {
      // the generator writes the bare decimal number, no newline
      f.stream().write(Long.toString(counts.totalSize).getBytes(StandardCharsets.US_ASCII));
      f.commit();
    }
    String certHash;
    try (StagedFile f = new StagedFile(out.resolve(CERTIFICATE_FILE))) {
      f.stream().write(certBytes);
      certHash = f.commit();
    }

    ImageMetadata metadata = new ImageMetadata(1,
        new FileRef(DIRS_FILE, dirsHash),
        new FileRef(SYMLINKS_FILE, symlinksHash),
        new FileRef(REGULARS_FILE, regularsHash),
        new FileRef(PERSISTENTS_FILE, persistentsHash),
        new FileRef(CERTIFICATE_FILE, certHash),
        ROOTFS_DIRECTORY,
        OptionalLong.of(counts.totalSize),
        compress ? Optional.of(COMPRESSED_ROOTFS_DIRECTORY) : Optional.empty());
    String jwt = MetadataJwt.sign(metadata, signingKey);
    try (StagedFile f = new StagedFile(out.resolve(METADATA_JWT))) {
      f.stream().write(jwt.getBytes(StandardCharsets.US_ASCII));
      f.commit();
    }

    long blobs = 0;
    long blobBytes = 0;
    if (blobDir != null) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(blobDir, "*.zst")) {
        for (Path b : ds) {
          blobs++;
          blobBytes += Files.size(b);
        }
      }
    }
    return new BuildResult(counts.directories, counts.symlinks, counts.regulars, counts.totalSize,
        blobs, blobBytes, scan.skippedSpecial(), scan.ignored(), out);
  }

  /** Waits for cancelled workers so a cleanup after failure does not race with them. */
  private static void stop(ExecutorService pool) {
    pool.shutdownNow();
    try {
      if (!pool.awaitTermination(1, TimeUnit.MINUTES)) {
        LOG.warn("hashing workers did not stop within a minute");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Mutable tallies, touched by the scanning thread only. */
  private static final class Counts {
    long directories;
    long symlinks;
    long regulars;
    long totalSize;
  }

  private record Pending(RootfsScan.Entry entry, Future<RegularFileIngest.Result> result) {}

  private static void writeRegular(ListWriter writer, Pending pending, Counts counts) {
    RootfsScan.Entry e = pending.entry();
    RegularFileIngest.Result r;
    try {
      r = pending.result().get();
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      throw new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.GENERAL, e.imagePath() + ": interrupted", ie);
    } catch (ExecutionException ee) {
      Throwable cause = ee.getCause();
      if (cause instanceof OtaException oe) {
        throw oe;
      }
      throw new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.GENERAL,
          e.imagePath() + ": cannot add file to the image: " + cause, cause);
    }
    // st_ino only matters to group hard links, so the generator writes it only when nlink > 1
    String inode = e.nlink() > 1 ? Long.toString(e.inode()) : null;
    RegularEntry line = new RegularEntry(e.imagePath(), e.mode(), e.uid(), e.gid(), e.nlink(), r.sha256(),
        r.size(), inode, r.compressed() ? COMPRESS_ALG : null);
    writeLine(REGULARS_FILE, e.imagePath(), () -> writer.write(line));
    counts.regulars++;
    counts.totalSize += r.size();
  }

  /**
   * One list line; an entry the list format cannot represent (e.g. a path over 4096 bytes) or a write
   * failure becomes an error naming the list and the path.
   */
  private static void writeLine(String list, String path, Runnable write) {
    try {
      write.run();
    } catch (IllegalArgumentException e) {
      throw new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.GENERAL,
          list + ": " + path + ": cannot be represented: " + e.getMessage(), e);
    } catch (UncheckedIOException e) {
      throw new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.GENERAL,
          list + ": " + path + ": write failed: " + e.getCause(), e);
    }
  }

  /**
   * data/ directories are made 0755 whatever the rootfs mode: they only exist so an HTTP server can
   * serve files by path; the real mode travels in dirs.txt.
   */
  private static void createDataDirectory(Path dataPath, RootfsScan.Entry entry) {
    try {
      Files.createDirectory(dataPath);
      Files.setAttribute(dataPath, "unix:mode", 0755);
    } catch (IOException e) {
      throw new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.GENERAL,
          entry.imagePath() + ": cannot create " + dataPath + ": " + e, e);
    }
  }

  private static void createDataSymlink(Path dataPath, RootfsScan.Entry entry) {
    try {
      Files.createSymbolicLink(dataPath, Files.readSymbolicLink(entry.source()));
    } catch (IOException e) {
      throw new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.GENERAL,
          entry.imagePath() + ": cannot create symlink " + dataPath + ": " + e, e);
    }
  }

  // ---------------------------------------------------------------- checks before writing anything

  /**
   * Non-ASCII names only survive the JDK's path decoding when it uses UTF-8 (it follows the locale at
   * JVM start); otherwise every such name would look invalid, so say what to fix instead.
   */
  private static void checkFileNameEncoding() {
    String enc = System.getProperty("sun.jnu.encoding");
    if (enc != null && !enc.equalsIgnoreCase("UTF-8") && !enc.equalsIgnoreCase("UTF8")) {
      throw refuse("the JVM decodes file names as " + enc
          + ", not UTF-8; start it with a UTF-8 locale (e.g. LANG=C.UTF-8)");
    }
  }

  private Path realRootfs() {
    try {
      Path real = rootfs.toRealPath();
      if (!Files.isDirectory(real)) {
        throw refuse(rootfs + ": rootfs is not a directory");
      }
      return real;
    } catch (IOException e) {
      throw refuse(rootfs + ": rootfs not accessible: " + e.getMessage());
    }
  }

  private List<PersistentEntry> checkedPersistents() {
    List<PersistentEntry> entries = new ArrayList<>();
    for (String p : persistents) {
      if (p.indexOf('\n') >= 0 || p.indexOf('\r') >= 0) {
        throw refuse("persistent path contains a line break: " + p.replace("\n", "\\n").replace("\r", "\\r"));
      }
      try {
        entries.add(new PersistentEntry(ImagePath.check(p)));
      } catch (IllegalArgumentException e) {
        throw refuse("persistent path '" + p + "': " + e.getMessage());
      }
    }
    return entries;
  }

  private byte[] readCertificate() {
    try {
      byte[] bytes = Files.readAllBytes(certificatePem);
      CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(bytes));
      return bytes;
    } catch (IOException e) {
      throw refuse(certificatePem + ": cannot read certificate: " + e.getMessage());
    } catch (CertificateException e) {
      throw refuse(certificatePem + ": not a PEM X.509 certificate: " + e.getMessage());
    }
  }

  /** Writing into the tree being described would make the image describe (part of) itself. */
  private static void refuseInside(Path realRoot, Path out) {
    Path resolved = realOfExistingPrefix(out);
    if (resolved.startsWith(realRoot)) {
      throw refuse(out + ": output directory is inside the rootfs " + realRoot);
    }
  }

  /** Resolves symlinks in the longest existing prefix of {@code p}; the rest is appended as is. */
  private static Path realOfExistingPrefix(Path p) {
    Path existing = p;
    Deque<Path> rest = new ArrayDeque<>();
    while (existing != null && !Files.exists(existing)) {
      rest.push(existing.getFileName());
      existing = existing.getParent();
    }
    if (existing == null) {
      return p;
    }
    try {
      Path real = existing.toRealPath();
      for (Path part : rest) {
        real = real.resolve(part);
      }
      return real;
    } catch (IOException e) {
      throw refuse(p + ": cannot resolve output directory: " + e.getMessage());
    }
  }

  /** Returns true if the directory had to be created. */
  private static boolean prepareEmptyOutput(Path out) {
    try {
      if (Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
        if (!Files.isDirectory(out)) {
          throw refuse(out + ": output path exists and is not a directory");
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(out)) {
          if (ds.iterator().hasNext()) {
            throw refuse(out + ": output directory is not empty");
          }
        }
        return false;
      }
      Files.createDirectories(out);
      return true;
    } catch (IOException e) {
      throw refuse(out + ": cannot prepare output directory: " + e.getMessage());
    }
  }

  /** Removes what the failed build wrote; never follows symlinks (data/ contains rootfs symlinks). */
  private static void removeOutput(Path out, boolean created) {
    try {
      Files.walkFileTree(out, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
          if (created || !dir.equals(out)) {
            Files.deleteIfExists(dir);
          }
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (NoSuchFileException e) {
      // nothing written yet
    } catch (IOException e) {
      LOG.warn("could not remove partial image {}: {}", out, e.toString());
    }
  }

  private static OtaException refuse(String detail) {
    return new OtaException(ErrorCode.UNRECOVERABLE, ErrorModule.GENERAL, detail);
  }
}
