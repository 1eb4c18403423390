package dev.otaclient.internal.image.v1;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import org.apache.commons.compress.archivers.zip.Zip64Mode;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

/**
 * Packs an OTA image v1 directory into its single-file artifact as the spec lays it out: every entry
 * stored (compression happens per resource), {@code index.json} first and {@code index.jwt} second,
 * then the other top-level files and then each directory with its files, names sorted, fixed
 * permissions (0644 files, 0755 directories) and a fixed timestamp, so the same image always gives
 * the same bytes.
 */
public final class ZipArtifact {
  /** 1980-01-01 00:00 in DOS time, the earliest a ZIP can say. */
  private static final long FIXED_TIME = 315532800000L;

  private ZipArtifact() {}

  public static void pack(Path imageDir, Path zipFile) throws IOException {
    Path tmp = zipFile.resolveSibling(zipFile.getFileName() + ".part");
    try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(tmp.toFile())) {
      zip.setMethod(ZipEntry.STORED);
      zip.setUseZip64(Zip64Mode.AsNeeded);
      file(zip, imageDir.resolve(MediaTypes.INDEX_JSON), MediaTypes.INDEX_JSON);
      file(zip, imageDir.resolve(MediaTypes.INDEX_JWT), MediaTypes.INDEX_JWT);
      for (Path p : sorted(imageDir)) {
        String name = p.getFileName().toString();
        if (Files.isRegularFile(p) && !name.equals(MediaTypes.INDEX_JSON) && !name.equals(MediaTypes.INDEX_JWT)) {
          file(zip, p, name);
        }
      }
      for (Path p : sorted(imageDir)) {
        if (Files.isDirectory(p) && !p.getFileName().toString().startsWith(".")) {
          directory(zip, imageDir, p);
        }
      }
    }
    Files.move(tmp, zipFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static void directory(ZipArchiveOutputStream zip, Path root, Path dir) throws IOException {
    String name = root.relativize(dir).toString().replace('\\', '/') + "/";
    ZipArchiveEntry e = entry(name, 0755);
    e.setSize(0);
    e.setCrc(0);
    zip.putArchiveEntry(e);
    zip.closeArchiveEntry();
    for (Path p : sorted(dir)) {
      if (Files.isRegularFile(p)) {
        file(zip, p, root.relativize(p).toString().replace('\\', '/'));
      }
    }
    for (Path p : sorted(dir)) {
      if (Files.isDirectory(p)) {
        directory(zip, root, p);
      }
    }
  }

  private static void file(ZipArchiveOutputStream zip, Path p, String name) throws IOException {
    CRC32 crc = new CRC32();
    try (InputStream in = Files.newInputStream(p)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        crc.update(buf, 0, n);
      }
    }
    ZipArchiveEntry e = entry(name, 0644);
    e.setSize(Files.size(p));
    e.setCrc(crc.getValue());
    zip.putArchiveEntry(e);
    Files.copy(p, zip);
    zip.closeArchiveEntry();
  }

  private static ZipArchiveEntry entry(String name, int permissions) {
    ZipArchiveEntry e = new ZipArchiveEntry(name);
    e.setMethod(ZipEntry.STORED);
    e.setTime(FIXED_TIME);
    e.setUnixMode((name.endsWith("/") ? 0040000 : 0100000) | permissions);
    return e;
  }

  private static List<Path> sorted(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> out = new ArrayList<>(s.toList());
      out.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
      return out;
    }
  }
}
