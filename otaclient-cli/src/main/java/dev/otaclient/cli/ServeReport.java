package dev.otaclient.cli;

import dev.otaclient.grpc.EcuDaemon;
import dev.otaclient.internal.ecu.EcuInfo;
import dev.otaclient.internal.ecu.OtaclientSettings;
import dev.otaclient.internal.ecu.ProxyInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code serve} tells the operator at start-up, before anything listens: which configuration
 * files it read, which it did not find and what it assumed instead, and what will listen where. A
 * missing proxy_info.yaml is a warning: its defaults (TIER IV's main-ECU defaults) open an ota_proxy on
 * every interface.
 */
final class ServeReport {
  private static final Logger LOG = LoggerFactory.getLogger("otaclient.serve");

  private ServeReport() {}

  static void log(Path configDir, EcuDaemon.Config c, Path proxyCacheDir) {
    EcuInfo e = c.ecu();
    Path ecuFile = configDir.resolve("ecu_info.yaml");
    LOG.info("{}: {}; ECU '{}' at {}, {} direct secondar{}", ecuFile, read(ecuFile), e.ecuId(), e.ipAddr(),
        e.secondaries().size(), e.secondaries().size() == 1 ? "y" : "ies");
    if (!Files.exists(ecuFile)) {
      LOG.warn("{} not found: defaults apply (a single ECU '{}', OTA service on {})", ecuFile, e.ecuId(), e.ipAddr());
    }
    Path proxyFile = configDir.resolve("proxy_info.yaml");
    ProxyInfo p = c.proxy();
    String proxy = p.enableLocalOtaProxy()
        ? "local ota_proxy on " + p.localOtaProxyListenAddr() + ":" + p.localOtaProxyListenPort()
            + (p.gateway() ? ", HTTPS to the image server (gateway)" : ", plain HTTP upstream")
            + (p.enableLocalOtaProxyCache() ? ", cache in " + proxyCacheDir : ", no cache")
        : "no local ota_proxy";
    proxy += p.upperOtaProxy().map(u -> ", upper proxy " + u).orElse(", no upper proxy");
    LOG.info("{}: {}; {}", proxyFile, read(proxyFile), proxy);
    if (!Files.exists(proxyFile)) {
      LOG.warn("{} not found: TIER IV's main-ECU defaults apply ({}); write the file to choose", proxyFile, proxy);
    }
    Path tlsFile = configDir.resolve("tls.yaml");
    LOG.info("{}: {}; gRPC {} as server, {} towards secondaries", tlsFile, read(tlsFile),
        c.tls().server().isPresent() ? "TLS" : "plaintext", c.tls().client().isPresent() ? "TLS" : "plaintext");
    Path ownFile = configDir.resolve(OtaclientSettings.FILE_NAME);
    OtaclientSettings own = c.settings();
    LOG.info("{}: {}; {}, OTA image v1 release key '{}'{}", ownFile,
        read(ownFile).equals("read") ? "read" : "not found, defaults apply", own.describeRate(), own.releaseKey(),
        own.source().contains("--max-download-rate") ? " (cap from --max-download-rate)" : "");
    LOG.info("trust store {}, boot backend {}, state {}", c.certsDir(), c.backend(), c.stateDir());
  }

  private static String read(Path file) {
    return Files.exists(file) ? "read" : "not found";
  }
}
