package dev.otaclient.cli;

import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fetch.Cookies;
import dev.otaclient.internal.image.CaStore;
import dev.otaclient.internal.image.ImageLocation;
import dev.otaclient.internal.image.ImageSummary;
import dev.otaclient.internal.image.VerifiedImage;
import dev.otaclient.internal.image.build.BuildResult;
import dev.otaclient.internal.image.build.ImageBuilder;
import dev.otaclient.internal.image.v1.V1ImageBuilder;
import dev.otaclient.internal.image.v1.ZipArtifact;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "build", mixinStandardHelpOptions = true,
    footerHeading = "%nExamples:%n", footer = {
        "  otaclient image build --rootfs rootfs/ --out image/ \\",
        "      --sign-key sign.key --cert sign.pem --certs certs/ --compress",
        "  otaclient image build --rootfs rootfs/ --out image/ \\",
        "      --sign-key sign.key --cert sign.pem --persistents persistents.txt",
        "  otaclient image build --format v1 --ecu-id main --rootfs rootfs/ --out image/ \\",
        "      --sign-key sign.key --cert sign.pem --chain intermediate.pem --zip image.zip"},
    description = {"Turn a rootfs directory into a signed OTA image (legacy format, or OTA image v1 with --format v1).",
        "The key is checked against the certificate first, and the finished image is verified (its "
            + "signature and lists or tables; with --certs also the chain) before the command reports success."})
final class ImageBuildCommand implements Callable<Integer> {
  @Option(names = "--rootfs", required = true, description = "Root filesystem directory to describe.")
  Path rootfs;

  @Option(names = "--out", required = true, description = "Output directory (must be empty or absent).")
  Path out;

  @Option(names = "--sign-key", required = true, description = "EC P-256 private key (PEM) of the signing certificate.")
  Path signKey;

  @Option(names = "--cert", required = true, description = "Signing certificate (PEM).")
  Path cert;

  @Option(names = "--certs", description = "CA store the result must chain to (checked after the build).")
  Path certs;

  @Option(names = "--compress", description = "Also write zstd blobs (data.zst/) for compressible files.")
  boolean compress;

  @Option(names = "--hard-link-data", description = "Hard-link data/ files to the rootfs instead of copying "
      + "(faster; raises the rootfs files' link counts, which a later build of the same tree then lists).")
  boolean hardLinkData;

  @Option(names = "--ignore", description = "Ignore file in gitignore syntax.")
  Path ignore;

  @Option(names = "--persistents", description = "Paths to carry over from the running slot, one per line: "
      + "quoted as in persistents.txt ('/etc/hosts') or plain (/etc/hosts).")
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
  public Integer call() {
    if (!"legacy".equals(format) && !"v1".equals(format)) {
      throw CliFailure.usage("--format " + format + ": must be legacy or v1");
    }
    SharedOptions.existingDirectory("--rootfs", rootfs);
    SharedOptions.existingDirectory("--certs", certs);
    requireEmptyOut();
    X509Certificate certificate = SigningPair.certificate(cert);
    PrivateKey key = SigningPair.matchingKey(signKey, cert, certificate);
    if ("v1".equals(format)) {
      return buildV1(key, certificate);
    }
    ImageBuilder b = ImageBuilder.fromRootfs(rootfs)
        .outputDir(out)
        .signWith(key, cert)
        .compress(compress)
        .hardLinkData(hardLinkData);
    if (ignore != null) {
      if (!Files.isRegularFile(ignore)) {
        throw CliFailure.usage("--ignore " + ignore + ": no such file");
      }
      b.ignoreFile(ignore);
    }
    if (persistents != null) {
      b.persistents(PersistentsFile.read(persistents));
    }
    BuildResult r;
    try {
      r = b.build();
    } catch (OtaException e) {
      // the builder's failures are about its inputs (a file of the rootfs, the output directory)
      throw CliFailure.failed(CliFailure.BUILD, e.detail());
    }
    ImageSummary verified = verify();
    System.out.println("built " + out + ": " + r + "; verified: signature"
        + (certs != null ? ", certificate chain" : "") + " and list hashes of " + verified.regularFiles() + " files");
    return 0;
  }

  private void requireEmptyOut() {
    try (var entries = Files.isDirectory(out) ? Files.list(out) : null) {
      if (entries != null ? entries.findAny().isPresent() : Files.exists(out)) {
        throw CliFailure.usage("--out " + out + ": " + (entries != null ? "directory is not empty" : "exists and is not a directory"));
      }
    } catch (java.io.IOException e) {
      throw CliFailure.usage("--out " + out + ": " + ErrorLine.of(e).reason());
    }
  }

  /** Reads the written image back as a client would, so a build that cannot install is not a success. */
  private ImageSummary verify() {
    try (VerifiedImage v = VerifiedImage.fetch(ImageLocation.parse(out.toString()), Cookies.none(),
        certs == null ? null : CaStore.load(certs))) {
      return v.summary();
    } catch (OtaException e) {
      throw CliFailure.failed(CliFailure.BUILD, out + ": the written image does not verify: " + e.getMessage());
    }
  }

  private int buildV1(PrivateKey key, X509Certificate certificate) {
    if (ecuIds == null || ecuIds.isEmpty()) {
      throw CliFailure.usage("--format v1 needs --ecu-id");
    }
    if (ignore != null || hardLinkData) {
      throw CliFailure.usage("--ignore and --hard-link-data apply to the legacy format only");
    }
    List<String> persist = persistents == null ? List.of() : PersistentsFile.read(persistents);
    List<X509Certificate> x5c = new ArrayList<>();
    x5c.add(certificate);
    if (chain != null) {
      chain.forEach(c -> x5c.add(SigningPair.certificate(c)));
    }
    V1ImageBuilder.Result r;
    try {
      V1ImageBuilder b = V1ImageBuilder.into(out).signWith(key, x5c).compress(compress);
      for (String id : ecuIds) {
        b.payload(new V1ImageBuilder.PayloadSpec(id, releaseKey, rootfs, persist));
      }
      r = b.build();
      if (zip != null) {
        ZipArtifact.pack(out, zip);
      }
    } catch (OtaException e) {
      throw CliFailure.failed(CliFailure.BUILD, e.detail());
    } catch (IOException e) {
      throw CliFailure.failed(CliFailure.BUILD, "--zip " + zip + ": " + ErrorLine.of(e).reason());
    }
    ImageSummary verified = verify();
    System.out.println("built OTA image v1 " + out + ": " + r.regularFiles() + " regular files, " + r.blobs()
        + " blobs, " + r.blobBytes() + " bytes" + (zip != null ? "; artifact " + zip : "") + "; verified: signature"
        + (certs != null ? ", certificate chain" : "") + " and tables of " + verified.regularFiles() + " files");
    return 0;
  }
}
