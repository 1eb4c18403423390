package dev.otaclient.cli;

import dev.otaclient.internal.image.build.BuildResult;
import dev.otaclient.internal.image.build.ImageBuilder;
import dev.otaclient.internal.image.sign.TestCa;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "build", mixinStandardHelpOptions = true,
    description = "Turn a rootfs directory into a signed OTA image (legacy format).")
final class ImageBuildCommand implements Callable<Integer> {
  @Option(names = "--rootfs", required = true, description = "Root filesystem directory to describe.")
  Path rootfs;

  @Option(names = "--out", required = true, description = "Output directory (must be empty or absent).")
  Path out;

  @Option(names = "--sign-key", required = true, description = "EC P-256 private key (PEM).")
  Path signKey;

  @Option(names = "--cert", required = true, description = "Signing certificate (PEM).")
  Path cert;

  @Option(names = "--compress", description = "Also write zstd blobs (data.zst/) for compressible files.")
  boolean compress;

  @Option(names = "--hard-link-data", description = "Hard-link data/ files to the rootfs instead of copying "
      + "(faster; raises the rootfs files' link counts, which a later build of the same tree then lists).")
  boolean hardLinkData;

  @Option(names = "--ignore", description = "Ignore file in gitignore syntax.")
  Path ignore;

  @Option(names = "--persistents", description = "File listing persistent paths, one absolute path per line.")
  Path persistents;

  @Override
  public Integer call() throws Exception {
    ImageBuilder b = ImageBuilder.fromRootfs(rootfs)
        .outputDir(out)
        .signWith(TestCa.readPrivateKey(signKey), cert)
        .compress(compress)
        .hardLinkData(hardLinkData);
    if (ignore != null) {
      b.ignoreFile(ignore);
    }
    if (persistents != null) {
      List<String> paths = Files.readAllLines(persistents, StandardCharsets.UTF_8).stream()
          .map(String::strip).filter(s -> !s.isEmpty() && !s.startsWith("#")).toList();
      b.persistents(paths);
    }
    BuildResult r = b.build();
    System.out.println("built " + out + ": " + r);
    return 0;
  }
}
