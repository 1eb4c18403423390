package dev.otaclient.cli;

import dev.otaclient.internal.fetch.Cookies;
import dev.otaclient.internal.image.CaStore;
import dev.otaclient.internal.image.ImageLocation;
import dev.otaclient.internal.image.ImageSummary;
import dev.otaclient.internal.image.VerifiedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "inspect", mixinStandardHelpOptions = true,
    footerHeading = "%nExamples:%n", footer = {
        "  otaclient image inspect image-2.0.tar.zst",
        "  otaclient image inspect --certs certs/ --json https://server/images/2.0/"},
    description = "Show an image's counts and sizes (the chain is checked when --certs is given).")
final class ImageInspectCommand implements Callable<Integer>, SharedOptions.Grouped {
  @Mixin SharedOptions.ImageTrust trust;

  @Mixin SharedOptions.ImageToRead image;

  final SharedOptions.JsonOutput json = new SharedOptions.JsonOutput();

  @Override
  public List<SharedOptions.Group> groups() {
    return List.of(json, image.cookies);
  }

  @Override
  public Integer call() throws Exception {
    ImageSummary s = summary(image.location, trust.certs, image.cookies.parsed());
    if (json.enabled) {
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

  /** Verifies the image (the chain only with a CA store) and summarises it. */
  static ImageSummary summary(String image, Path certs, Cookies cookies) throws IOException {
    SharedOptions.existingDirectory("--certs", certs);
    try (VerifiedImage v = VerifiedImage.fetch(ImageLocation.parse(image), cookies,
        certs == null ? null : CaStore.load(certs))) {
      return v.summary();
    }
  }
}
