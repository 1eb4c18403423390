package dev.otaclient.cli;

import dev.otaclient.internal.image.ImageSummary;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "verify", mixinStandardHelpOptions = true,
    footerHeading = "%nExamples:%n", footer = {
        "  otaclient image verify \\",
        "      --certs /opt/ota/client/certs https://server/images/2.0/",
        "  otaclient image verify --certs certs/ image-2.0.tar.zst"},
    description = "Check an image's certificate chain, signature and list hashes.")
final class ImageVerifyCommand implements Callable<Integer>, SharedOptions.Grouped {
  @Option(names = "--certs", required = true, description = "CA store directory (<prefix>.<name>.pem files).")
  Path certs;

  @Mixin SharedOptions.ImageToRead image;

  final SharedOptions.JsonOutput json = new SharedOptions.JsonOutput();

  @Override
  public List<SharedOptions.Group> groups() {
    return List.of(json, image.cookies);
  }

  @Override
  public Integer call() throws Exception {
    ImageSummary s = ImageInspectCommand.summary(image.location, certs, image.cookies.parsed());
    if (json.enabled) {
      System.out.println(Json.write(s));
    } else {
      System.out.printf("OK %s: signature, certificate chain and list hashes verified (%d files, %d bytes)%n",
          s.location(), s.regularFiles(), s.totalRegularSize());
    }
    return 0;
  }
}
