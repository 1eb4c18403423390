package dev.otaclient.testing;

import dev.otaclient.internal.image.FileRef;
import dev.otaclient.internal.image.ImageMetadata;
import dev.otaclient.internal.image.MetadataJwt;
import dev.otaclient.internal.image.sign.TestCa;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Writes a correctly signed image from raw list lines and blobs, for images no real rootfs can
 * produce (hostile paths, inconsistent lists). The signature is valid: these tests prove the client
 * refuses or contains what a signed-but-malicious image asks for.
 */
public final class HandmadeImage {
  private final Map<String, List<String>> lists = new LinkedHashMap<>();
  private final Map<String, byte[]> files = new LinkedHashMap<>();

  public HandmadeImage() {
    lists.put("dirs.txt", List.of());
    lists.put("symlinks.txt", List.of());
    lists.put("regulars.txt", List.of());
    lists.put("persistents.txt", List.of());
  }

  public HandmadeImage dirs(String... lines) {
    lists.put("dirs.txt", List.of(lines));
    return this;
  }

  public HandmadeImage symlinks(String... lines) {
    lists.put("symlinks.txt", List.of(lines));
    return this;
  }

  public HandmadeImage regulars(String... lines) {
    lists.put("regulars.txt", List.of(lines));
    return this;
  }

  /** A file of the image below its root, e.g. {@code data/etc/x} or {@code data.zst/<sha>.zst}. */
  public HandmadeImage file(String relativePath, byte[] content) {
    files.put(relativePath, content);
    return this;
  }

  /** A regulars.txt line (rev4, no hard link, no compression) for {@code content} at {@code path}. */
  public static String regularLine(String path, byte[] content) {
    return "0644,0,0,1," + sha256(content) + ",'" + path.replace("'", "'\\''") + "'," + content.length + ",,";
  }

  public static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public Path writeTo(Path dir, TestCa ca, boolean compressedDir) {
    try {
      Files.createDirectories(dir.resolve("data"));
      Map<String, FileRef> refs = new LinkedHashMap<>();
      for (Map.Entry<String, List<String>> e : lists.entrySet()) {
        byte[] b = String.join("\n", e.getValue()).getBytes(StandardCharsets.UTF_8);
        Files.write(dir.resolve(e.getKey()), b);
        refs.put(e.getKey(), new FileRef(e.getKey(), sha256(b)));
      }
      byte[] cert = TestCa.certificatePem(ca.signingCert()).getBytes(StandardCharsets.US_ASCII);
      Files.write(dir.resolve("sign.pem"), cert);
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        Path p = dir.resolve(f.getKey());
        Files.createDirectories(p.getParent());
        Files.write(p, f.getValue());
      }
      ImageMetadata md = new ImageMetadata(1, refs.get("dirs.txt"), refs.get("symlinks.txt"),
          refs.get("regulars.txt"), refs.get("persistents.txt"), new FileRef("sign.pem", sha256(cert)), "data",
          OptionalLong.empty(), compressedDir ? Optional.of("data.zst") : Optional.empty());
      Files.writeString(dir.resolve("metadata.jwt"), MetadataJwt.sign(md, ca.signingKey()), StandardCharsets.US_ASCII);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
