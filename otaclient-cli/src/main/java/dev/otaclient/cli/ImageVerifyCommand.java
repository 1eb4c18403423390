package dev.otaclient.cli;

import dev.otaclient.fetch.Cookies;
import dev.otaclient.image.ImageSummary;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "verify", mixinStandardHelpOptions = true,
    description = "Check an image's certificate chain, signature and list hashes.")
final class ImageVerifyCommand implements Callable<Integer> {
  @Option(names = "--certs", required = true, description = "CA store directory (<prefix>.<name>.pem files).")
  Path certs;

  @Option(names = "--cookies", description = "Cookies as a JSON object, for an http(s) image.", defaultValue = "{}")
  String cookies;

  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;

  @Parameters(index = "0", paramLabel = "URL|DIR|TAR", description = "The image.")
  String image;

  @Override
  public Integer call() throws Exception {
    ImageSummary s = ImageInspectCommand.summary(image, certs, Cookies.parse(cookies));
    if (json) {
      System.out.println(Json.write(s));
    } else {
      System.out.printf("OK %s: signature, certificate chain and list hashes verified (%d files, %d bytes)%n",
          s.location(), s.regularFiles(), s.totalRegularSize());
    }
    return 0;
  }
}
