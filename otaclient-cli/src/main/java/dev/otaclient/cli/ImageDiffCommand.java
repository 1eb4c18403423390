package dev.otaclient.cli;

import dev.otaclient.internal.fetch.Cookies;
import dev.otaclient.internal.image.CaStore;
import dev.otaclient.internal.image.ImageLocation;
import dev.otaclient.internal.image.VerifiedImage;
import dev.otaclient.internal.update.DeltaEstimate;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "diff", mixinStandardHelpOptions = true,
    footerHeading = "%nExamples:%n", footer = {
        "  otaclient image diff https://server/images/1.0/ https://server/images/2.0/"},
    description = "Estimate what a delta update from OLD to NEW copies, links and downloads (dry run).")
final class ImageDiffCommand implements Callable<Integer>, SharedOptions.Grouped {
  @Mixin SharedOptions.ImageTrust trust;

  final SharedOptions.JsonOutput json = new SharedOptions.JsonOutput();

  @Parameters(index = "0", paramLabel = "OLD", description = "The image the device runs (URL, directory or tar).")
  String oldImage;

  @Parameters(index = "1", paramLabel = "NEW", description = "The image to update to.")
  String newImage;

  @Override
  public List<SharedOptions.Group> groups() {
    return List.of(json);
  }

  @Override
  public Integer call() throws Exception {
    CaStore cas = trust.certs == null ? null : CaStore.load(SharedOptions.existingDirectory("--certs", trust.certs));
    try (VerifiedImage from = VerifiedImage.fetch(ImageLocation.parse(oldImage), Cookies.none(), cas);
         VerifiedImage to = VerifiedImage.fetch(ImageLocation.parse(newImage), Cookies.none(), cas)) {
      DeltaEstimate d = DeltaEstimate.between(from.tree(), to.tree());
      if (json.enabled) {
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
    }
  }
}
