package dev.otaclient.cli;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Packs an image directory into a {@code .tar} or {@code .tar.zst} (as a USB stick would carry it). */
final class ImageArchive {
  private ImageArchive() {}

  static Path pack(Path imageDir, Path archive) {
    try (OutputStream file = Files.newOutputStream(archive);
         OutputStream out = archive.toString().endsWith(".zst") ? new ZstdOutputStream(file) : file;
         TarArchiveOutputStream tar = new TarArchiveOutputStream(out, "UTF-8")) {
      // PAX headers carry long and non-ASCII names exactly
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setAddPaxHeadersForNonAsciiNames(true);
      List<Path> all;
      try (Stream<Path> s = Files.walk(imageDir)) {
        all = s.sorted().toList();
      }
      for (Path p : all) {
        if (p.equals(imageDir)) {
          continue;
        }
        String name = imageDir.relativize(p).toString();
        if (Files.isSymbolicLink(p)) {
          TarArchiveEntry link = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
          link.setLinkName(Files.readSymbolicLink(p).toString());
          tar.putArchiveEntry(link);
        } else if (Files.isDirectory(p)) {
          tar.putArchiveEntry(new TarArchiveEntry(name + "/"));
        } else {
          TarArchiveEntry e = new TarArchiveEntry(name);
          e.setSize(Files.size(p));
          tar.putArchiveEntry(e);
          Files.copy(p, tar);
        }
        tar.closeArchiveEntry();
      }
      tar.finish();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return archive;
  }
}
