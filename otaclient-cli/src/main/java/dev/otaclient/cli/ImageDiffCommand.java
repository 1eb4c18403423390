package dev.otaclient.cli;

import dev.otaclient.fetch.Cookies;
import dev.otaclient.fs.AtomicFiles;
import dev.otaclient.update.DeltaEstimate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
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
      DeltaEstimate d = DeltaEstimate.between(
          VerifiedImages.fetch(oldImage, certs, Cookies.none(), tmp.resolve("old")).lists(),
          VerifiedImages.fetch(newImage, certs, Cookies.none(), tmp.resolve("new")).lists());
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
      AtomicFiles.deleteTree(tmp);
    }
  }
}
