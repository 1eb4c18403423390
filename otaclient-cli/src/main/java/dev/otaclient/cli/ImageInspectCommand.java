package dev.otaclient.cli;

import dev.otaclient.fetch.Cookies;
import dev.otaclient.fetch.HttpSettings;
import dev.otaclient.image.CaStore;
import dev.otaclient.image.ImageSource;
import dev.otaclient.image.ImageSources;
import dev.otaclient.image.ImageSummary;
import dev.otaclient.image.OtaImage;
import dev.otaclient.image.TrustPolicy;
import dev.otaclient.image.VerifiedLists;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
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
    ImageSummary s = certs == null
        ? verify(image, CaStore.empty(), TrustPolicy.INSECURE_SKIP_CHAIN_CHECK_NO_CA_INSTALLED, Cookies.parse(cookies))
        : verify(image, CaStore.load(certs), TrustPolicy.REQUIRE_CA, Cookies.parse(cookies));
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

  /** Opens and verifies the image, fetches its lists into a temp dir, and summarises them. */
  static ImageSummary verify(String image, CaStore cas, TrustPolicy policy, Cookies cookies) throws IOException {
    Path tmp = Files.createTempDirectory("otaclient-inspect");
    try (ImageSource src = ImageSources.open(image, cookies, HttpSettings.defaults());
         OtaImage img = OtaImage.open(src, cas, policy)) {
      VerifiedLists lists = img.fetchLists(tmp);
      return ImageSummary.of(src.location(), img.metadata(), lists);
    } finally {
      try (Stream<Path> s = Files.walk(tmp)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
