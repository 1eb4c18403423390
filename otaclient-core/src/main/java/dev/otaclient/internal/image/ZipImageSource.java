package dev.otaclient.internal.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single-file artifact of an OTA image v1: a ZIP (ZIP64 for large images) of the image directory,
 * every entry stored uncompressed, read in place. Names are looked up exactly as the image names them
 * ({@code index.jwt}, {@code blobs/sha256/<hex>}), so entry names of any other shape, {@code ..} included,
 * are never reached. The JDK's {@link ZipFile} reads entries from many threads at once.
 */
final class ZipImageSource extends LocalImageSource {
  private static final Logger LOG = LoggerFactory.getLogger(ZipImageSource.class);

  private final ZipFile zip;
  private final String shownAs;

  private ZipImageSource(ImageLocation.Zip location, ZipFile zip) {
    super(location);
    this.zip = zip;
    this.shownAs = location.path().toString();
  }

  static ZipImageSource open(ImageLocation.Zip location) throws IOException {
    ZipFile zip;
    try {
      zip = new ZipFile(location.path().toFile());
    } catch (java.util.zip.ZipException e) {
      throw new IOException(location.path() + ": not a readable ZIP archive: " + e.getMessage(), e);
    }
    return new ZipImageSource(location, zip);
  }

  @Override
  InputStream open(String relativePath) throws IOException {
    String defect = MetadataJwt.relativeNameDefect(relativePath);
    if (defect != null) {
      throw new FileSystemException(relativePath, null, "refused: path " + defect + " (image " + shownAs + ")");
    }
    ZipEntry e = zip.getEntry(relativePath);
    if (e == null || e.isDirectory()) {
      throw new NoSuchFileException(shownAs + "!/" + relativePath);
    }
    return zip.getInputStream(e);
  }

  @Override
  public void close() {
    try {
      zip.close();
    } catch (IOException e) {
      LOG.debug("closing {}: {}", shownAs, e.toString());
    }
  }

  @Override
  public String toString() {
    return "ZipImageSource[" + shownAs + "]";
  }
}
