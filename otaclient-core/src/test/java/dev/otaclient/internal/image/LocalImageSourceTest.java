package dev.otaclient.internal.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fetch.BlobRequest;
import dev.otaclient.internal.fetch.BlobWriter;
import dev.otaclient.internal.fetch.Blobs;
import dev.otaclient.internal.fetch.Cookies;
import dev.otaclient.internal.fetch.FetchListener;
import dev.otaclient.internal.fetch.FetchResult;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalImageSourceTest {
  private ImageSource directory() {
    return ImageSources.open(ImageLocation.parse(image.toString()), Cookies.none());
  }

  @TempDir Path image;
  @TempDir Path out;

  @Test
  void plainFileFromDirectory() throws Exception {
    byte[] data = Blobs.random(2_500_000, 1);
    Blobs.put(image, "data/usr/bin/tool", data);
    Blobs.Recorder rec = new Blobs.Recorder();
    try (ImageSource f = directory()) {
      FetchResult r = f.fetch(BlobRequest.plain("data/usr/bin/tool", Blobs.sha256(data), data.length),
          out.resolve("t"), rec);
      assertThat(r).isEqualTo(new FetchResult(data.length, data.length, 0));
    }
    assertThat(Files.readAllBytes(out.resolve("t"))).isEqualTo(data);
    assertThat(rec.bytes.get()).isEqualTo(data.length);
  }

  @Test
  void zstBlobIsDecodedAndWireBytesAreCompressed() throws Exception {
    byte[] data = new byte[3_000_000]; // compressible
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i % 7);
    }
    byte[] z = Blobs.zstd(data);
    String sha = Blobs.sha256(data);
    Blobs.put(image, "data.zst/" + sha + ".zst", z);
    try (ImageSource f = directory()) {
      FetchResult r = f.fetch(new BlobRequest("data.zst/" + sha + ".zst", sha, data.length, "zst"),
          out.resolve("z"), null);
      assertThat(r.wireBytes()).isEqualTo(z.length).isLessThan(data.length);
      assertThat(r.writtenBytes()).isEqualTo(data.length);
    }
    assertThat(Blobs.sha256(Files.readAllBytes(out.resolve("z")))).isEqualTo(sha);
  }

  @Test
  void hashMismatchIsApplyUpdateAndRemovesTheFile() throws Exception {
    byte[] data = Blobs.random(1000, 2);
    Blobs.put(image, "data/a", data);
    String wrong = Blobs.sha256(Blobs.random(1000, 3));
    Files.writeString(out.resolve("a"), "old content");
    try (ImageSource f = directory()) {
      assertThatThrownBy(() -> f.fetch(BlobRequest.plain("data/a", wrong, 1000), out.resolve("a"), null))
          .isInstanceOfSatisfying(OtaException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.APPLY_UPDATE);
            assertThat(e.module()).isEqualTo(ErrorModule.DOWNLOADER);
            assertThat(e.detail()).startsWith("data/a: sha256 mismatch").contains(wrong);
          });
    }
    assertThat(out.resolve("a")).doesNotExist();
  }

  @Test
  void sizeMismatchAndMissingFileAndCorruptFrame() throws Exception {
    byte[] data = Blobs.random(1000, 4);
    Blobs.put(image, "data/a", data);
    byte[] z = Blobs.zstd(Blobs.random(5000, 5));
    z[0] ^= 0x55; // breaks the frame magic: a decoder error, not just different content
    Blobs.put(image, "data.zst/bad.zst", z);
    try (ImageSource f = directory()) {
      assertThatThrownBy(() -> f.fetch(BlobRequest.plain("data/a", null, 1001), out.resolve("a"), null))
          .isInstanceOfSatisfying(OtaException.class,
              e -> assertThat(e.detail()).isEqualTo("data/a: size mismatch: got 1000 bytes, expected 1001"));
      assertThatThrownBy(() -> f.fetch(BlobRequest.plain("data/missing", null, -1), out.resolve("m"), null))
          .isInstanceOfSatisfying(OtaException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.APPLY_UPDATE);
            assertThat(e.detail()).isEqualTo("data/missing: not found in the image");
          });
      assertThatThrownBy(() -> f.fetch(new BlobRequest("data.zst/bad.zst", null, 5000, "zst"), out.resolve("b"), null))
          .isInstanceOfSatisfying(OtaException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.APPLY_UPDATE);
            assertThat(e.detail()).startsWith("data.zst/bad.zst: zstd: ");
          });
      assertThatThrownBy(() -> f.fetch(new BlobRequest("data/a", null, 1000, "lz4"), out.resolve("c"), null))
          .isInstanceOfSatisfying(OtaException.class,
              e -> assertThat(e.detail()).isEqualTo("data/a: unsupported compression 'lz4'"));
      assertThatThrownBy(() -> f.fetch(BlobRequest.plain("../escape", null, -1), out.resolve("e"), null))
          .isInstanceOfSatisfying(OtaException.class,
              e -> assertThat(e.detail()).startsWith("../escape: refused: path"));
    }
    assertThat(out.resolve("a")).doesNotExist();
    assertThat(out.resolve("b")).doesNotExist();
  }

  @Test
  void unknownSizeAndHashAreAccepted() throws Exception {
    byte[] data = Blobs.random(10, 6);
    Blobs.put(image, "data/x", data);
    try (ImageSource f = directory()) {
      assertThat(f.fetch(BlobRequest.plain("data/x", null, -1), out.resolve("x"), null).writtenBytes()).isEqualTo(10);
    }
  }

  @Test
  void emptyFile() throws Exception {
    Blobs.put(image, "data/empty", new byte[0]);
    byte[] z = Blobs.zstd(new byte[0]);
    Blobs.put(image, "data.zst/e.zst", z);
    String emptySha = Blobs.sha256(new byte[0]);
    try (ImageSource f = directory()) {
      assertThat(f.fetch(BlobRequest.plain("data/empty", emptySha, 0), out.resolve("e1"), null))
          .isEqualTo(new FetchResult(0, 0, 0));
      assertThat(f.fetch(new BlobRequest("data.zst/e.zst", emptySha, 0, "zstd"), out.resolve("e2"), null))
          .isEqualTo(new FetchResult(z.length, 0, 0));
    }
    assertThat(out.resolve("e1")).isEmptyFile();
    assertThat(out.resolve("e2")).isEmptyFile();
  }

  @Test
  void zstdBombStopsAtTheListedSize() throws Exception {
    byte[] huge = new byte[64 << 20]; // 64 MiB of zeros compresses to a few KiB
    byte[] bomb = Blobs.zstd(huge);
    assertThat(bomb.length).isLessThan(64 * 1024);
    Path dest = out.resolve("bomb");
    BlobRequest req = new BlobRequest("data.zst/x.zst", null, 1000, "zst");
    assertThatThrownBy(() -> BlobWriter.write(new ByteArrayInputStream(bomb), req, dest, FetchListener.NONE))
        .isInstanceOf(BlobWriter.ContentMismatchException.class)
        .hasMessageStartingWith("content is longer than the listed size 1000");
    // nothing beyond the listed size reached the disk
    assertThat(Files.size(dest)).isLessThanOrEqualTo(1000);
  }
}
