package dev.otaclient.cli;

import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fetch.Cookies;
import dev.otaclient.internal.image.CaStore;
import dev.otaclient.internal.image.ImageLocation;
import dev.otaclient.internal.image.ImageSummary;
import dev.otaclient.internal.image.VerifiedImage;
import dev.otaclient.internal.image.build.BuildResult;
import dev.otaclient.internal.image.build.ImageBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "build", mixinStandardHelpOptions = true,
    footerHeading = "%nExamples:%n", footer = {
        "  otaclient image build --rootfs rootfs/ --out image/ \\",
        "      --sign-key sign.key --cert sign.pem --certs certs/ --compress",
        "  otaclient image build --rootfs rootfs/ --out image/ \\",
        "      --sign-key sign.key --cert sign.pem --persistents persistents.txt"},
    description = {"Turn a rootfs directory into a signed OTA image (legacy format).",
        "The key is checked against the certificate first, and the finished image is verified (its "
            + "signature and lists; with --certs also the chain) before the command reports success."})
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

  @Override
  public Integer call() {
    SharedOptions.existingDirectory("--rootfs", rootfs);
    SharedOptions.existingDirectory("--certs", certs);
    requireEmptyOut();
    X509Certificate certificate = SigningPair.certificate(cert);
    PrivateKey key = SigningPair.matchingKey(signKey, cert, certificate);
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
}
