package dev.otaclient.internal.ecu;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How this ECU reaches the OTA image server, read from {@code proxy_info.yaml} (reference §4.2).
 * Field defaults are those of Python v2.5.4+ (proxy off, no gateway); a <em>missing</em> file means
 * "main ECU": local proxy on, gateway on. A present file must be entirely valid: unlike the Python
 * seed, a field of the wrong type is an error rather than silently taking its default.
 *
 * @param enableLocalOtaProxy run the local ota_proxy during an update; this client downloads through it
 * @param gateway the local proxy talks HTTPS to the origin (this ECU is the vehicle's gateway)
 * @param enableLocalOtaProxyCache the local proxy keeps a file cache
 * @param upperOtaProxy the next proxy towards the origin ({@code http://host:port}), if any
 * @param localOtaProxyListenAddr where the local proxy listens (an IP literal)
 * @param localOtaProxyListenPort the local proxy's port
 */
public record ProxyInfo(boolean enableLocalOtaProxy, boolean gateway, boolean enableLocalOtaProxyCache,
    Optional<URI> upperOtaProxy, String localOtaProxyListenAddr, int localOtaProxyListenPort) {

  private static final Logger LOG = LoggerFactory.getLogger(ProxyInfo.class);

  public static final Path DEFAULT_PATH = Path.of("/boot/ota/proxy_info.yaml");
  public static final String DEFAULT_LISTEN_ADDR = "0.0.0.0";
  public static final int DEFAULT_LISTEN_PORT = 8082;

  private static final Set<String> KNOWN_KEYS = Set.of("enable_local_ota_proxy", "gateway",
      "enable_local_ota_proxy_cache", "upper_ota_proxy", "local_ota_proxy_listen_addr",
      "local_ota_proxy_listen_port", "enable_ota_proxy");
  /** Keys of later Python versions that this client reads past without using them. */
  private static final Set<String> LATER_KEYS = Set.of("format_version", "logging_server",
      "logging_server_grpc", "external_nfs_cache_mnt_point");

  public ProxyInfo {
    Objects.requireNonNull(upperOtaProxy);
    Objects.requireNonNull(localOtaProxyListenAddr);
    if (localOtaProxyListenPort < 1 || localOtaProxyListenPort > 65535) {
      throw new IllegalArgumentException("port " + localOtaProxyListenPort + " outside 1..65535");
    }
  }

  /** What a missing file means (Python ≥ v2.5.4): a main ECU that is the gateway and runs a caching proxy. */
  public static ProxyInfo missingFileDefaults() {
    return new ProxyInfo(true, true, true, Optional.empty(), DEFAULT_LISTEN_ADDR, DEFAULT_LISTEN_PORT);
  }

  /** No local ota_proxy and no upper proxy: downloads go straight to the image server. */
  public static ProxyInfo noLocalProxy() {
    return new ProxyInfo(false, false, false, Optional.empty(), "127.0.0.1", DEFAULT_LISTEN_PORT);
  }

  /** Reads {@code file}; a missing file gives {@link #missingFileDefaults()}, an invalid one throws. */
  public static ProxyInfo load(Path file) {
    Optional<String> text = ConfigYaml.read(file);
    if (text.isEmpty()) {
      LOG.info("{} not found: main ECU defaults (local ota_proxy on, gateway on)", file);
      return missingFileDefaults();
    }
    return parse(text.get(), file.toString());
  }

  /**
   * Parses the file's content; {@code fileName} only labels error messages.
   *
   * @throws dev.otaclient.error.OtaException UNRECOVERABLE, naming the file, line and field at fault
   */
  public static ProxyInfo parse(String yaml, String fileName) {
    ConfigYaml.Fields f = ConfigYaml.parseMapping(yaml, fileName);
    for (String key : f.keys()) {
      if (LATER_KEYS.contains(key)) {
        LOG.info("{}: '{}' is not used by this client, ignored", fileName, key);
      } else if (!KNOWN_KEYS.contains(key)) {
        LOG.warn("{}: unknown key '{}' ignored", fileName, key);
      }
    }
    boolean enable = f.bool("enable_local_ota_proxy").orElse(false);
    Optional<Boolean> deprecated = f.bool("enable_ota_proxy");
    if (deprecated.isPresent()) {
      // As in Python, the deprecated spelling wins when both are given.
      LOG.warn("{}: 'enable_ota_proxy' is deprecated, use 'enable_local_ota_proxy'", fileName);
      enable = deprecated.get();
    }
    boolean gateway = f.bool("gateway").orElse(false);
    boolean cache = f.bool("enable_local_ota_proxy_cache").orElse(true);

    Optional<URI> upper = Optional.empty();
    String upperText = f.nullableString("upper_ota_proxy").orElse("");
    if (!upperText.isEmpty()) {
      upper = Optional.of(parseUpper(f, upperText));
    }

    String addr = f.string("local_ota_proxy_listen_addr").orElse(DEFAULT_LISTEN_ADDR);
    if (!InetLiteral.isLiteral(addr)) {
      throw f.fail("local_ota_proxy_listen_addr", "'" + addr + "' is not an IP address");
    }
    long port = f.integer("local_ota_proxy_listen_port").orElse((long) DEFAULT_LISTEN_PORT);
    if (port < 1 || port > 65535) {
      throw f.fail("local_ota_proxy_listen_port", "port " + port + " is outside 1..65535");
    }
    return new ProxyInfo(enable, gateway, cache, upper, addr, (int) port);
  }

  private static URI parseUpper(ConfigYaml.Fields f, String text) {
    String key = "upper_ota_proxy";
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw f.fail(key, "'" + text + "' is not an http URL: " + e.getReason());
    }
    if (uri.getScheme() == null || !uri.getScheme().equalsIgnoreCase("http")) {
      // ota_proxy chains speak plain HTTP proxying; there is no TLS between proxies.
      throw f.fail(key, "'" + text + "' is not an http URL (expected http://host:port)");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw f.fail(key, "'" + text + "' has no host");
    }
    if (uri.getRawUserInfo() != null) {
      throw f.fail(key, "'" + text + "': credentials in the proxy URL are not supported");
    }
    String path = uri.getRawPath();
    if ((path != null && !path.isEmpty() && !path.equals("/")) || uri.getRawQuery() != null
        || uri.getRawFragment() != null) {
      throw f.fail(key, "'" + text + "': a proxy URL has no path, query or fragment");
    }
    return uri;
  }

  /**
   * The proxy this ECU's own client downloads through, per §4.2's table: the local ota_proxy when it
   * is enabled, else {@code upper_ota_proxy}, else none (direct). A wildcard listen address is
   * replaced by the loopback address of the same family: it is a bind address, not a destination.
   */
  public Optional<InetSocketAddress> clientProxy() {
    if (enableLocalOtaProxy) {
      InetAddress listen = InetLiteral.parse(localOtaProxyListenAddr).orElseThrow();
      InetAddress target = listen;
      if (listen.isAnyLocalAddress()) {
        target = InetLiteral.parse(localOtaProxyListenAddr.indexOf(':') >= 0 ? "::1" : "127.0.0.1").orElseThrow();
      }
      return Optional.of(new InetSocketAddress(target, localOtaProxyListenPort));
    }
    return upperOtaProxy.map(uri -> {
      String host = uri.getHost();
      int port = uri.getPort() == -1 ? 80 : uri.getPort();
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      Optional<InetAddress> literal = InetLiteral.parse(host);
      // A name is left unresolved: it is resolved when a download connects, not at start-up.
      return literal.map(a -> new InetSocketAddress(a, port))
          .orElseGet(() -> InetSocketAddress.createUnresolved(uri.getHost(), port));
    });
  }
}
