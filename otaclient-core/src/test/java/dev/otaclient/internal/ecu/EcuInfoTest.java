package dev.otaclient.internal.ecu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.internal.boot.BootBackend;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.FailureType;
import dev.otaclient.error.OtaException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import java.util.stream.Stream;

class EcuInfoTest {
  private static final String MAIN_SAMPLE = """
      # main ECU with two perception ECUs
      format_version: 1
      ecu_id: "autoware"
      ip_addr: "10.0.0.2"
      secondaries:
        - ecu_id: "p1"
          ip_addr: "10.0.0.11"
        - ecu_id: "p2"
          ip_addr: "10.0.0.12"
      available_ecu_ids:
        - "autoware"
        - "p1"
        - "p2"
      """;

  @Test
  void missingFileGivesDocumentedDefaults(@TempDir Path dir) {
    EcuInfo info = EcuInfo.load(dir.resolve("ecu_info.yaml"));
    assertThat(info.formatVersion()).isEqualTo(1);
    assertThat(info.ecuId()).isEqualTo("autoware");
    assertThat(info.ipAddr()).isEqualTo("127.0.0.1");
    assertThat(info.secondaries()).isEmpty();
    assertThat(info.availableEcuIds()).containsExactly("autoware");
  }

  @Test
  void mainSampleOfTheReference() {
    EcuInfo info = EcuInfo.parse(MAIN_SAMPLE, "ecu_info.yaml");
    assertThat(info.ecuId()).isEqualTo("autoware");
    assertThat(info.ipAddr()).isEqualTo("10.0.0.2");
    assertThat(info.secondaries()).containsExactly(
        new SecondaryEcu("p1", "10.0.0.11", 50051), new SecondaryEcu("p2", "10.0.0.12", 50051));
    assertThat(info.availableEcuIds()).containsExactly("autoware", "p1", "p2");
    assertThat(info.secondary("p2")).contains(new SecondaryEcu("p2", "10.0.0.12", 50051));
    assertThat(info.secondary("autoware")).isEmpty();
  }

  @Test
  void leafSampleDefaultsAvailableIdsToItself() {
    EcuInfo info = EcuInfo.parse("format_version: 1\necu_id: \"p1\"\nip_addr: \"10.0.0.11\"\n", "ecu_info.yaml");
    assertThat(info.ecuId()).isEqualTo("p1");
    assertThat(info.secondaries()).isEmpty();
    assertThat(info.availableEcuIds()).containsExactly("p1");
  }

  @Test
  void perSecondaryPortIpv6AndLaterKeysAreAccepted() {
    EcuInfo info = EcuInfo.parse("""
        ecu_id: main
        ip_addr: "::1"
        bootloader: grub
        some_future_key: 3
        secondaries:
          - {ecu_id: a, ip_addr: 127.0.0.1, port: 50100}
          - {ecu_id: b, ip_addr: "fd00::2"}
        """, "ecu_info.yaml");
    assertThat(info.ipAddr()).isEqualTo("::1");
    assertThat(info.formatVersion()).isEqualTo(1);
    assertThat(info.secondaries()).containsExactly(
        new SecondaryEcu("a", "127.0.0.1", 50100), new SecondaryEcu("b", "fd00::2", 50051));
    assertThat(info.bootloader()).contains("grub");
    assertThat(info.bootBackend()).isEqualTo(BootBackend.GRUB);
  }

  @ParameterizedTest
  @CsvSource({"grub, GRUB", "cboot, JETSON_CBOOT", "jetson-cboot, JETSON_CBOOT", "jetson-uefi, JETSON_UEFI",
      "rpi_boot, RPI_TRYBOOT", "grub-legacy, GRUB_LEGACY", "directory, DIRECTORY"})
  void theBootloaderKeySelectsTheBackendByTierIvsNamesAndOurs(String value, BootBackend expected) {
    EcuInfo info = EcuInfo.parse("ecu_id: main\nbootloader: " + value + "\n", "ecu_info.yaml");
    assertThat(info.bootBackend()).isEqualTo(expected);
  }

  @Test
  void withoutABootloaderKeyTheBackendIsDirectorySlotsNotADetectedOne() {
    assertThat(EcuInfo.parse("ecu_id: main\n", "ecu_info.yaml").bootBackend()).isEqualTo(BootBackend.DIRECTORY);
    assertThat(EcuInfo.defaults().bootBackend()).isEqualTo(BootBackend.DIRECTORY);
    assertThat(EcuInfo.parse("ecu_id: main\nbootloader: auto_detect\n", "ecu_info.yaml").bootloader())
        .contains("auto_detect");
  }

  @Test
  void loadReadsAPresentFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("ecu_info.yaml");
    Files.writeString(file, MAIN_SAMPLE);
    assertThat(EcuInfo.load(file)).isEqualTo(EcuInfo.parse(MAIN_SAMPLE, "x"));
  }

  @Test
  void invalidPresentFileIsAnErrorNamingFileNotAFallback(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("ecu_info.yaml");
    Files.writeString(file, "ecu_id: [unclosed\n");
    assertThatThrownBy(() -> EcuInfo.load(file))
        .isInstanceOf(OtaException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("not valid YAML");
  }

  @Test
  void errorIsUnrecoverableGeneralStartupFailure() {
    OtaException e = parseError("ecu_id: main\nsecondaries:\n  - ecu_id: a\n    ip_addr: 10.0.0.1\n"
        + "  - ecu_id: b\n    ip_addr: 999.1.1.1\n");
    assertThat(e.code()).isEqualTo(ErrorCode.UNRECOVERABLE);
    assertThat(e.module()).isEqualTo(ErrorModule.GENERAL);
    assertThat(e.failureType()).isEqualTo(FailureType.UNRECOVERABLE);
    assertThat(e.detail()).isEqualTo("ecu_info.yaml:6: secondaries[1].ip_addr: '999.1.1.1' is not an IP address");
  }

  static Stream<Arguments> invalidFiles() {
    return Stream.of(
        Arguments.of("syntax error", "ecu_id: main\\nsecondaries: [\\n", "ecu_info.yaml:3: not valid YAML"),
        Arguments.of("empty file", "", "ecu_info.yaml: is empty"),
        Arguments.of("not a mapping", "- ecu_id: main\\n", "ecu_info.yaml:1: top level must be a mapping (key: value lines), got a list"),
        Arguments.of("scalar document", "just text\\n", "top level must be a mapping (key: value lines), got a string 'just text'"),
        Arguments.of("missing ecu_id", "ip_addr: 10.0.0.1\\n", "ecu_info.yaml:1: ecu_id: required field is missing"),
        Arguments.of("ecu_id not a string", "ecu_id: 123\\n", "ecu_info.yaml:1: ecu_id: must be a string, got an integer '123' (quote it)"),
        Arguments.of("ecu_id null", "ecu_id:\\n", "ecu_id: must be a string, got nothing (null)"),
        Arguments.of("ecu_id empty", "ecu_id: \"\"\\n", "ecu_id: ecu id is empty"),
        Arguments.of("duplicate key", "ecu_id: a\\necu_id: b\\n", "ecu_info.yaml:2: ecu_id: key given twice"),
        Arguments.of("ip_addr host name", "ecu_id: a\\nip_addr: localhost\\n", "ecu_info.yaml:2: ip_addr: 'localhost' is not an IP address"),
        Arguments.of("ip_addr leading zero", "ecu_id: a\\nip_addr: 10.0.0.01\\n", "ip_addr: '10.0.0.01' is not an IP address"),
        Arguments.of("ip_addr short form", "ecu_id: a\\nip_addr: \"10.1\"\\n", "ip_addr: '10.1' is not an IP address"),
        Arguments.of("format_version string", "format_version: \"1\"\\necu_id: a\\n", "ecu_info.yaml:1: format_version: must be an integer, got a string '1'"),
        Arguments.of("secondaries not a list", "ecu_id: a\\nsecondaries: b\\n", "ecu_info.yaml:2: secondaries: must be a list, got a string 'b'"),
        Arguments.of("secondary not a mapping", "ecu_id: a\\nsecondaries:\\n  - b\\n", "ecu_info.yaml:3: secondaries[0]: must be a mapping, got a string 'b'"),
        Arguments.of("secondary without id", "ecu_id: a\\nsecondaries:\\n  - ip_addr: 10.0.0.1\\n", "ecu_info.yaml:3: secondaries[0].ecu_id: required field is missing"),
        Arguments.of("secondary without ip", "ecu_id: a\\nsecondaries:\\n  - ecu_id: b\\n", "secondaries[0].ip_addr: required field is missing"),
        Arguments.of("duplicate secondary ids", "ecu_id: a\\nsecondaries:\\n  - {ecu_id: b, ip_addr: 10.0.0.1}\\n  - {ecu_id: b, ip_addr: 10.0.0.2}\\n", "ecu_info.yaml:4: secondaries[1].ecu_id: duplicate secondary id 'b'"),
        Arguments.of("secondary is self", "ecu_id: a\\nsecondaries:\\n  - {ecu_id: a, ip_addr: 10.0.0.1}\\n", "secondaries[0].ecu_id: 'a' is this ECU's own id"),
        Arguments.of("port zero", "ecu_id: a\\nsecondaries:\\n  - {ecu_id: b, ip_addr: 10.0.0.1, port: 0}\\n", "secondaries[0].port: port 0 is outside 1..65535"),
        Arguments.of("port too large", "ecu_id: a\\nsecondaries:\\n  - {ecu_id: b, ip_addr: 10.0.0.1, port: 70000}\\n", "secondaries[0].port: port 70000 is outside 1..65535"),
        Arguments.of("port as string", "ecu_id: a\\nsecondaries:\\n  - {ecu_id: b, ip_addr: 10.0.0.1, port: \"50051\"}\\n", "secondaries[0].port: must be an integer, got a string '50051'"),
        Arguments.of("available ids not list", "ecu_id: a\\navailable_ecu_ids: a\\n", "available_ecu_ids: must be a list"),
        Arguments.of("available id not string", "ecu_id: a\\navailable_ecu_ids: [a, 7]\\n", "available_ecu_ids[1]: must be a string, got an integer '7'"),
        Arguments.of("available id duplicated", "ecu_id: a\\navailable_ecu_ids: [a, b, a]\\n", "available_ecu_ids[2]: duplicate id 'a'"),
        Arguments.of("unknown bootloader", "ecu_id: a\\nbootloader: uboot\\n", "ecu_info.yaml:2: bootloader: unknown boot loader 'uboot' (directory, grub,"),
        Arguments.of("bootloader not a string", "ecu_id: a\\nbootloader: 3\\n", "ecu_info.yaml:2: bootloader: must be a string, got an integer '3'"),
        Arguments.of("arbitrary type tag", "ecu_id: !!java.io.File /etc\\n", "not valid YAML: Global tag is not allowed"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidFiles")
  void invalidFilesNameTheField(String name, String yaml, String expected) {
    OtaException e = parseError(yaml.replace("\\n", "\n"));
    assertThat(e.detail()).as(name).contains(expected);
    assertThat(e.code()).isEqualTo(ErrorCode.UNRECOVERABLE);
  }

  private static OtaException parseError(String yaml) {
    try {
      EcuInfo.parse(yaml, "ecu_info.yaml");
    } catch (OtaException e) {
      return e;
    }
    throw new AssertionError("no error for:\n" + yaml);
  }

  @Test
  void recordCopiesLists() {
    List<String> ids = new java.util.ArrayList<>(List.of("a"));
    EcuInfo info = new EcuInfo(1, "a", "127.0.0.1", List.of(), ids);
    ids.add("b");
    assertThat(info.availableEcuIds()).containsExactly("a");
  }
}
