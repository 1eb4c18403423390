package dev.otaclient.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "serve", mixinStandardHelpOptions = true,
    footerHeading = "%nExamples:%n", footer = {
        "  otaclient image serve www/ --port 8080"},
    description = "Serve a directory of images over HTTP on loopback, for trying things out.")
final class ImageServeCommand implements Callable<Integer>, Main.Daemon {
  @Parameters(index = "0", paramLabel = "DIR", description = "Directory to serve (an image or a folder of images).")
  Path dir;

  @Option(names = "--port", defaultValue = "8080", description = "Port on 127.0.0.1 (0 = any free port; default ${DEFAULT-VALUE}).")
  int port;

  @Override
  public Integer call() throws Exception {
    if (!Files.isDirectory(dir)) {
      throw CliFailure.usage(dir + " is not a directory");
    }
    try (StaticServer s = StaticServer.start(dir, "127.0.0.1", port)) {
      System.out.println("serving " + dir.toAbsolutePath() + " at " + s.baseUri() + " (Ctrl-C to stop)");
      System.out.flush();
      s.join();
    }
    return 0;
  }
}
