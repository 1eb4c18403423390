package dev.otaclient.internal.ecu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.OtaException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ProxyInfoTest {

  @Test
  void missingFileMeansMainEcu(@TempDir Path dir) {
    ProxyInfo p = ProxyInfo.load(dir.resolve("proxy_info.yaml"));
    assertThat(p).isEqualTo(new ProxyInfo(true, true, true, Optional.empty(), "0.0.0.0", 8082));
    assertThat(p.clientProxy()).contains(new InetSocketAddress("127.0.0.1", 8082));
  }

  @Test
  void presentFileUsesPerFieldDefaults() {
    // A present file with only one field: the other fields take the v2.5.4+ per-field defaults.
    ProxyInfo p = ProxyInfo.parse("enable_local_ota_proxy_cache: false\n", "proxy_info.yaml");
    assertThat(p).isEqualTo(new ProxyInfo(false, false, false, Optional.empty(), "0.0.0.0", 8082));
    assertThat(p.clientProxy()).isEmpty();
  }

  @Test
  void mainEcuSample() {
    ProxyInfo p = ProxyInfo.parse("""
        enable_local_ota_proxy: true
        gateway: true
        enable_local_ota_proxy_cache: true
        """, "proxy_info.yaml");
    assertThat(p).isEqualTo(ProxyInfo.missingFileDefaults());
  }

  @Test
  void internalEcuServingChildrenSample() {
    ProxyInfo p = ProxyInfo.parse("""
        gateway: false
        enable_local_ota_proxy: true
        enable_local_ota_proxy_cache: false
        upper_ota_proxy: "http://10.0.0.2:8082"
        """, "proxy_info.yaml");
    assertThat(p.enableLocalOtaProxy()).isTrue();
    assertThat(p.gateway()).isFalse();
    assertThat(p.enableLocalOtaProxyCache()).isFalse();
    assertThat(p.upperOtaProxy()).contains(URI.create("http://10.0.0.2:8082"));
    // local proxy enabled: the client goes through it, and it chains to the upper one
    assertThat(p.clientProxy()).contains(new InetSocketAddress("127.0.0.1", 8082));
  }

  @Test
  void leafEcuSample() {
    ProxyInfo p = ProxyInfo.parse("""
        enable_local_ota_proxy: false
        upper_ota_proxy: "http://10.0.0.2:8082"
        """, "proxy_info.yaml");
    assertThat(p.clientProxy()).contains(new InetSocketAddress("10.0.0.2", 8082));
    assertThat(p.clientProxy().orElseThrow().isUnresolved()).isFalse();
  }

  @Test
  void clientProxyTableOfTheReference() {
    // enable_local_ota_proxy x upper_ota_proxy, reference §4.2
    assertThat(parse("enable_local_ota_proxy: true\nupper_ota_proxy: http://10.0.0.2:8082\n"
        + "local_ota_proxy_listen_addr: 10.0.0.5\nlocal_ota_proxy_listen_port: 18082\n").clientProxy())
        .contains(new InetSocketAddress("10.0.0.5", 18082));
    assertThat(parse("enable_local_ota_proxy: true\n").clientProxy())
        .contains(new InetSocketAddress("127.0.0.1", 8082));
    assertThat(parse("enable_local_ota_proxy: false\nupper_ota_proxy: http://proxy.example:3128\n").clientProxy())
        .contains(InetSocketAddress.createUnresolved("proxy.example", 3128));
    assertThat(parse("enable_local_ota_proxy: false\n").clientProxy()).isEmpty();
    // http URL without a port: port 80; an IPv6 wildcard listen address maps to ::1
    assertThat(parse("upper_ota_proxy: http://10.0.0.2\n").clientProxy())
        .contains(new InetSocketAddress("10.0.0.2", 80));
    assertThat(parse("enable_local_ota_proxy: true\nlocal_ota_proxy_listen_addr: '::'\n").clientProxy())
        .contains(new InetSocketAddress("::1", 8082));
  }

  @Test
  void deprecatedAliasWinsAndEmptyOrNullUpperMeansUnset() {
    assertThat(parse("enable_local_ota_proxy: false\nenable_ota_proxy: true\n").enableLocalOtaProxy()).isTrue();
    assertThat(parse("enable_local_ota_proxy: true\nenable_ota_proxy: false\n").enableLocalOtaProxy()).isFalse();
    assertThat(parse("enable_ota_proxy: true\n").enableLocalOtaProxy()).isTrue();
    assertThat(parse("upper_ota_proxy: \"\"\n").upperOtaProxy()).isEmpty();
    assertThat(parse("upper_ota_proxy:\n").upperOtaProxy()).isEmpty();
  }

  @Test
  void laterPythonKeysAreAccepted() {
    ProxyInfo p = parse("format_version: 1\nenable_local_ota_proxy: true\nlogging_server: http://127.0.0.1:8083\n"
        + "logging_server_grpc: http://127.0.0.1:8084\n");
    assertThat(p.enableLocalOtaProxy()).isTrue();
  }

  @Test
  void invalidPresentFileIsAnError(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("proxy_info.yaml");
    Files.writeString(file, "local_ota_proxy_listen_port: \"2808\"\n");
    assertThatThrownBy(() -> ProxyInfo.load(file))
        .isInstanceOf(OtaException.class)
        .hasMessageContaining(file + ":1: local_ota_proxy_listen_port: must be an integer, got a string '2808'");
  }

  static Stream<Arguments> invalidFiles() {
    return Stream.of(
        Arguments.of("syntax error", "gateway: [true\n", "proxy_info.yaml:2: not valid YAML"),
        Arguments.of("empty file", "", "proxy_info.yaml: is empty"),
        Arguments.of("not a mapping", "[gateway]\n", "proxy_info.yaml:1: top level must be a mapping"),
        Arguments.of("bool as string", "enable_local_ota_proxy: \"true\"\n",
            "proxy_info.yaml:1: enable_local_ota_proxy: must be true or false, got a string 'true'"),
        Arguments.of("bool as int", "gateway: 1\n", "gateway: must be true or false, got an integer '1'"),
        Arguments.of("deprecated alias as string", "enable_ota_proxy: \"yes\"\n", "enable_ota_proxy: must be true or false"),
        Arguments.of("port out of range", "local_ota_proxy_listen_port: 65536\n",
            "local_ota_proxy_listen_port: port 65536 is outside 1..65535"),
        Arguments.of("listen addr not an IP", "local_ota_proxy_listen_addr: any\n",
            "local_ota_proxy_listen_addr: 'any' is not an IP address"),
        Arguments.of("upper https", "upper_ota_proxy: https://10.0.0.2:8082\n",
            "proxy_info.yaml:1: upper_ota_proxy: 'https://10.0.0.2:8082' is not an http URL"),
        Arguments.of("upper without scheme", "upper_ota_proxy: 10.0.0.2:8082\n", "upper_ota_proxy: '10.0.0.2:8082' is not an http URL"),
        Arguments.of("upper without host", "upper_ota_proxy: \"http:///x\"\n", "upper_ota_proxy: 'http:///x' has no host"),
        Arguments.of("upper with path", "upper_ota_proxy: http://10.0.0.2:8082/ota\n", "a proxy URL has no path"),
        Arguments.of("upper with credentials", "upper_ota_proxy: http://u:p@10.0.0.2:8082\n", "credentials in the proxy URL"),
        Arguments.of("upper not a string", "upper_ota_proxy: 8082\n", "upper_ota_proxy: must be a string, got an integer"),
        Arguments.of("duplicate key", "gateway: true\ngateway: false\n", "proxy_info.yaml:2: gateway: key given twice"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidFiles")
  void invalidFilesNameTheField(String name, String yaml, String expected) {
    assertThatThrownBy(() -> ProxyInfo.parse(yaml, "proxy_info.yaml"))
        .as(name)
        .isInstanceOfSatisfying(OtaException.class, e -> {
          assertThat(e.detail()).contains(expected);
          assertThat(e.code()).isEqualTo(ErrorCode.UNRECOVERABLE);
        });
  }

  private static ProxyInfo parse(String yaml) {
    return ProxyInfo.parse(yaml, "proxy_info.yaml");
  }
}
