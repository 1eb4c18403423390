package dev.otaclient.cli;

import dev.otaclient.fetch.Cookies;
import dev.otaclient.fetch.HttpSettings;
import dev.otaclient.image.CaStore;
import dev.otaclient.image.ImageSource;
import dev.otaclient.image.ImageSources;
import dev.otaclient.image.OtaImage;
import dev.otaclient.image.TrustPolicy;
import dev.otaclient.image.VerifiedLists;
import dev.otaclient.update.DeltaEstimate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "diff", mixinStandardHelpOptions = true,
    description = "Estimate what a delta update from OLD to NEW copies, links and downloads (dry run).")
final class ImageDiffCommand implements Callable<Integer> {
  @Option(names = "--certs", description = "CA store directory; without it only signatures are checked.")
  Path certs;

  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;

  @Parameters(index = "0", paramLabel = "OLD", description = "The image the device runs (URL, directory or tar).")
  String oldImage;

  @Parameters(index = "1", paramLabel = "NEW", description = "The image to update to.")
  String newImage;

  @Override
  public Integer call() throws Exception {
    Path tmp = Files.createTempDirectory("otaclient-diff");
    try {
      DeltaEstimate d = DeltaEstimate.between(lists(oldImage, tmp.resolve("old")), lists(newImage, tmp.resolve("new")));
      if (json) {
        System.out.println(Json.write(d));
      } else {
        System.out.printf("files in NEW:  %d%n", d.totalFiles());
        System.out.printf("copy:          %d files, %d bytes (already on the device)%n", d.copyFiles(), d.copyBytes());
        System.out.printf("hard link:     %d files, %d bytes%n", d.linkFiles(), d.linkBytes());
        System.out.printf("download:      %d files, %d bytes uncompressed (%d as zstd blobs)%n",
            d.downloadFiles(), d.downloadBytes(), d.downloadCompressedFiles());
        System.out.printf("removed:       %d files of OLD are not in NEW%n", d.removedFiles());
      }
      return 0;
    } finally {
      try (Stream<Path> s = Files.walk(tmp)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private VerifiedLists lists(String image, Path dir) throws Exception {
    CaStore cas = certs == null ? CaStore.empty() : CaStore.load(certs);
    TrustPolicy policy = certs == null ? TrustPolicy.INSECURE_SKIP_CHAIN_CHECK_NO_CA_INSTALLED : TrustPolicy.REQUIRE_CA;
    try (ImageSource src = ImageSources.open(image, Cookies.none(), HttpSettings.defaults());
         OtaImage img = OtaImage.open(src, cas, policy)) {
      return img.fetchLists(dir);
    }
  }
}
