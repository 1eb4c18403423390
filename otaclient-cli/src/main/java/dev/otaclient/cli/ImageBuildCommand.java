package dev.otaclient.cli;

import dev.otaclient.internal.image.build.BuildResult;
import dev.otaclient.internal.image.build.ImageBuilder;
import dev.otaclient.internal.image.sign.TestCa;
import dev.otaclient.internal.image.v1.V1ImageBuilder;
import dev.otaclient.internal.image.v1.ZipArtifact;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "build", mixinStandardHelpOptions = true,
    description = "Turn a rootfs directory into a signed OTA image (legacy format, or OTA image v1 with --format v1).")
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

  @Option(names = "--format", defaultValue = "legacy", description = "legacy (default) or v1.")
  String format;

  @Option(names = "--ecu-id", description = "v1: the ECU id of the payload (repeat for several ECUs sharing the rootfs).")
  List<String> ecuIds;

  @Option(names = "--release-key", defaultValue = "dev", description = "v1: release key of the payload (dev or prd).")
  String releaseKey;

  @Option(names = "--chain", description = "v1: intermediate CA certificate (PEM) for the x5c header; repeatable.")
  List<Path> chain;

  @Option(names = "--zip", description = "v1: also pack the image into this single-file ZIP artifact.")
  Path zip;

  @Override
  public Integer call() throws Exception {
    if ("v1".equals(format)) {
      return buildV1();
    }
    if (!"legacy".equals(format)) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--format must be legacy or v1");
    }
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

  private int buildV1() throws Exception {
    if (ecuIds == null || ecuIds.isEmpty()) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--format v1 needs --ecu-id");
    }
    List<String> persist = persistents == null ? List.of() : Files.readAllLines(persistents, StandardCharsets.UTF_8)
        .stream().map(String::strip).filter(s -> !s.isEmpty() && !s.startsWith("#")).toList();
    List<java.security.cert.X509Certificate> certs = new java.util.ArrayList<>();
    certs.add(TestCa.readCertificate(cert));
    if (chain != null) {
      chain.forEach(c -> certs.add(TestCa.readCertificate(c)));
    }
    V1ImageBuilder b = V1ImageBuilder.into(out).signWith(TestCa.readPrivateKey(signKey), certs).compress(compress);
    for (String id : ecuIds) {
      b.payload(new V1ImageBuilder.PayloadSpec(id, releaseKey, rootfs, persist));
    }
    V1ImageBuilder.Result r = b.build();
    if (zip != null) {
      ZipArtifact.pack(out, zip);
    }
    System.out.println("built OTA image v1 " + out + ": " + r.regularFiles() + " regular files, " + r.blobs()
        + " blobs, " + r.blobBytes() + " bytes" + (zip != null ? "; artifact " + zip : ""));
    return 0;
  }
}
