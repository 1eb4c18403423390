package dev.otaclient.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.internal.image.sign.TestCa;
import dev.otaclient.testing.SampleRootfs;
import dev.otaclient.testing.SignedImageFixture;
import dev.otaclient.testing.TreeSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OTA image v1 through the CLI: {@code image build --format v1} (directory and ZIP artifact), then
 * {@code image verify | inspect | diff} and {@code apply} read it as they read a legacy image.
 */
class CliV1Test {
  @TempDir static Path w;
  static SignedImageFixture images;
  static Path otherCerts;
  static Path rootV1;

  @BeforeAll
  static void build() throws Exception {
    images = SignedImageFixture.create("cli-v1", w);
    otherCerts = w.resolve("other-certs");
    SignedImageFixture.newCa("other").installInto(otherCerts, "1");
    Path chain = w.resolve("intermediate.pem");
    Files.writeString(chain, TestCa.certificatePem(images.ca().intermediateCert()));
    rootV1 = SampleRootfs.create(w.resolve("rootfs-v1"));
    SampleRootfs.v2From(rootV1, w.resolve("rootfs-v2"));
    for (String v : new String[] {"v1", "v2"}) {
      CliRun r = CliRun.of("image", "build", "--format", "v1", "--rootfs", w.resolve("rootfs-" + v).toString(),
          "--out", w.resolve("www/" + v).toString(), "--ecu-id", "autoware", "--ecu-id", "sub",
          "--sign-key", images.key().toString(), "--cert", images.cert().toString(), "--chain", chain.toString(),
          "--compress", "--zip", w.resolve(v + ".zip").toString());
      assertThat(r.exit()).as(r.err()).isZero();
      assertThat(r.out()).contains("built OTA image v1");
    }
    // the same rootfs as a legacy image, for a legacy -> v1 diff
    CliRun legacy = CliRun.of("image", "build", "--rootfs", rootV1.toString(), "--out", w.resolve("www/legacy").toString(),
        "--sign-key", images.key().toString(), "--cert", images.cert().toString());
    assertThat(legacy.exit()).as(legacy.err()).isZero();
  }

  @Test
  void verifyInspectAndDiffReadV1() {
    for (String image : new String[] {w.resolve("www/v1").toString(), w.resolve("v1.zip").toString()}) {
      CliRun ok = CliRun.of("image", "verify", "--certs", images.cas().toString(), image);
      assertThat(ok.exit()).as(ok.err()).isZero();
      assertThat(ok.out()).startsWith("OK ");
    }
    CliRun bad = CliRun.of("image", "verify", "--certs", otherCerts.toString(), w.resolve("www/v1").toString());
    assertThat(bad.exit()).isEqualTo(1);
    assertThat(bad.errorLines()).isEqualTo(1);
    assertThat(bad.err()).contains("E1-0104-208");

    CliRun inspect = CliRun.of("image", "inspect", "--certs", images.cas().toString(), "--json",
        w.resolve("www/v1").toString());
    assertThat(inspect.exit()).as(inspect.err()).isZero();
    assertThat(inspect.out()).contains("\"format\" : \"v1\"").contains("\"regularFiles\"");

    CliRun diff = CliRun.of("image", "diff", "--certs", images.cas().toString(), "--json",
        w.resolve("www/v1").toString(), w.resolve("www/v2").toString());
    assertThat(diff.exit()).as(diff.err()).isZero();
    assertThat(diff.out()).contains("\"downloadFiles\" : 4").contains("\"removedFiles\" : 2");

    CliRun fromLegacy = CliRun.of("image", "diff", "--certs", images.cas().toString(), "--json",
        w.resolve("www/legacy").toString(), w.resolve("www/v1").toString());
    assertThat(fromLegacy.exit()).as(fromLegacy.err()).isZero();
    assertThat(fromLegacy.out()).contains("\"downloadFiles\" : 0");
  }

  @Test
  void applyInstallsTheZipArtifactForThisEcu() throws Exception {
    Path state = w.resolve("apply-state");
    CliRun a = CliRun.of("apply", "--url", w.resolve("v1.zip").toString(), "--certs", images.cas().toString(),
        "--state-dir", state.toString(), "--ecu-id", "sub", "--version", "1.0", "--json");
    assertThat(a.exit()).as(a.out() + a.err()).isZero();
    assertThat(a.out()).contains("\"status\" : \"SUCCESS\"");
    Path slot = state.resolve("active").toRealPath();
    assertThat(TreeSnapshot.of(slot, SignedImageFixture.ENGINE_META)).isEqualTo(TreeSnapshot.of(rootV1));

    CliRun none = CliRun.of("apply", "--url", w.resolve("www/v2").toString(), "--certs", images.cas().toString(),
        "--state-dir", state.toString(), "--ecu-id", "nobody", "--version", "2.0");
    assertThat(none.exit()).isEqualTo(1);
    // the failure is the one line on stderr (issue 18), stdout stays for results
    assertThat(none.err()).contains("otaclient: E1-0103-205: ").contains("no payload for ECU \"nobody\"");
    assertThat(none.out()).isEmpty();
  }
}
