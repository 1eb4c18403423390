package dev.otaclient.internal.ecu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.error.OtaException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OtaclientSettingsTest {

  @Test
  void missingFileGivesTheDefaults(@TempDir Path dir) {
    OtaclientSettings s = OtaclientSettings.load(dir.resolve("otaclient.yaml"));
    assertThat(s.maxDownloadRate()).isEmpty();
    assertThat(s.releaseKey()).isEqualTo("dev");
    assertThat(s.source()).isEqualTo("defaults");
    assertThat(s.describeRate()).isEqualTo("no download cap");
  }

  @Test
  void readsBothKeys(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("otaclient.yaml");
    Files.writeString(f, "# this ECU's own settings\nmax_download_rate: 20M\nrelease_key: prd\n");
    OtaclientSettings s = OtaclientSettings.load(f);
    assertThat(s.maxDownloadRate()).hasValue(20L * 1024 * 1024);
    assertThat(s.releaseKey()).isEqualTo("prd");
    assertThat(s.source()).isEqualTo(f.toString());
    assertThat(s.describeRate()).isEqualTo("download cap 20.0 MiB/s (20971520 bytes/s)");
  }

  @Test
  void anEmptyFileOrAPlainNumberOrZero() {
    assertThat(OtaclientSettings.parse("# nothing yet\n", "o.yaml").maxDownloadRate()).isEmpty();
    assertThat(OtaclientSettings.parse("max_download_rate: 2500000\n", "o.yaml").maxDownloadRate()).hasValue(2_500_000);
    assertThat(OtaclientSettings.parse("max_download_rate: \"512k\"\n", "o.yaml").maxDownloadRate()).hasValue(512 * 1024);
    assertThat(OtaclientSettings.parse("max_download_rate: 0\n", "o.yaml").maxDownloadRate()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "1|1", "512k|524288", "512K|524288", "10M|10485760", "10m|10485760", "1G|1073741824", "0|0", " 64k |65536"})
  void rates(String text, long bytes) {
    assertThat(OtaclientSettings.parseRate(text)).isEqualTo(bytes);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "max_download_rate: 10 MB/s|o.yaml:1: max_download_rate: '10 MB/s' is not a rate",
      "max_download_rate: -5|o.yaml:1: max_download_rate: '-5' is not a rate",
      "max_download_rate: 1.5M|o.yaml:1: max_download_rate: '1.5M' is not a rate",
      "max_download_rate: k|o.yaml:1: max_download_rate: 'k' is not a rate",
      "max_download_rate: 99999999999G|o.yaml:1: max_download_rate: '99999999999G' is too large",
      "max_download_rate: 1.5|o.yaml:1: max_download_rate: must be bytes per second such as 2500000, 512k or 20M, got a number '1.5'",
      "max_download_rate: [1]|o.yaml:1: max_download_rate: must be bytes per second such as 2500000, 512k or 20M, got a list",
      "max_download_rate:|o.yaml:1: max_download_rate: must be bytes per second such as 2500000, 512k or 20M, got nothing (null)",
      "release_key: 7|o.yaml:1: release_key: must be a string, got an integer '7' (quote it)",
      "release_key: \"a b\"|o.yaml:1: release_key: release key must be 1-64 printable ASCII characters without spaces: 'a b'",
      "release_key: \"\"|o.yaml:1: release_key: release key must be 1-64 printable ASCII characters",
      "max_download_rat: 1M|o.yaml:1: max_download_rat: unknown key (known: max_download_rate, release_key)",
      "- 1M|o.yaml:1: top level must be a mapping"})
  void badValuesNameTheFileTheLineAndTheKey(String yaml, String message) {
    assertThatThrownBy(() -> OtaclientSettings.parse(yaml, "o.yaml"))
        .isInstanceOf(OtaException.class)
        .satisfies(e -> assertThat(((OtaException) e).detail()).startsWith(message));
  }

  @Test
  void anUnknownKeyOnALaterLineIsNamedWithItsLine() {
    assertThatThrownBy(() -> OtaclientSettings.parse("release_key: prd\nmax_rate: 1M\n", "/boot/ota/otaclient.yaml"))
        .isInstanceOf(OtaException.class)
        .satisfies(e -> assertThat(((OtaException) e).detail())
            .isEqualTo("/boot/ota/otaclient.yaml:2: max_rate: unknown key (known: max_download_rate, release_key)"));
  }

  @Test
  void anOptionReplacesTheFilesCap() {
    OtaclientSettings file = OtaclientSettings.parse("max_download_rate: 1M\nrelease_key: prd\n", "o.yaml");
    OtaclientSettings over = file.withMaxDownloadRate(512 * 1024, "--max-download-rate");
    assertThat(over.maxDownloadRate()).isEqualTo(OptionalLong.of(512 * 1024));
    assertThat(over.releaseKey()).isEqualTo("prd");
    assertThat(over.source()).isEqualTo("o.yaml, cap from --max-download-rate");
    assertThat(file.withMaxDownloadRate(0, "--max-download-rate").maxDownloadRate()).isEmpty();
  }
}
