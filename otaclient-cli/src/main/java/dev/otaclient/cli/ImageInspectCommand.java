package dev.otaclient.cli;

import dev.otaclient.fetch.Cookies;
import dev.otaclient.fs.AtomicFiles;
import dev.otaclient.image.ImageSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = "Show an image's counts and sizes (the chain is checked when --certs is given).")
final class ImageInspectCommand implements Callable<Integer> {
  @Option(names = "--certs", description = "CA store directory; without it only the signature is checked.")
  Path certs;

  @Option(names = "--cookies", description = "Cookies as a JSON object, for an http(s) image.", defaultValue = "{}")
  String cookies;

  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;

  @Parameters(index = "0", paramLabel = "URL|DIR|TAR", description = "The image.")
  String image;

  @Override
  public Integer call() throws Exception {
    ImageSummary s = summary(image, certs, Cookies.parse(cookies));
    if (json) {
      System.out.println(Json.write(s));
    } else {
      System.out.printf("image:            %s%n", s.location());
      System.out.printf("directories:      %d%n", s.directories());
      System.out.printf("symlinks:         %d%n", s.symlinks());
      System.out.printf("regular files:    %d (%d unique contents)%n", s.regularFiles(), s.uniqueContents());
      System.out.printf("total size:       %d bytes%n", s.totalRegularSize());
      System.out.printf("compressed share: %.1f %% (%d files)%n", 100 * s.compressedShare(), s.compressedFiles());
      System.out.printf("persistents:      %d%n", s.persistents());
    }
    return 0;
  }

  /** Verifies the image (see {@link VerifiedImages#fetch}), fetches its lists into a temp dir, and summarises them. */
  static ImageSummary summary(String image, Path certs, Cookies cookies) throws IOException {
    Path tmp = Files.createTempDirectory("otaclient-inspect");
    try {
      VerifiedImages.Fetched f = VerifiedImages.fetch(image, certs, cookies, tmp);
      return ImageSummary.of(f.location(), f.metadata(), f.lists());
    } finally {
      AtomicFiles.deleteTree(tmp);
    }
  }
}
