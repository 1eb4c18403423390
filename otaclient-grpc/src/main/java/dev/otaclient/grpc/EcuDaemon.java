package dev.otaclient.grpc;

import dev.otaclient.internal.boot.BootBackend;
import dev.otaclient.internal.boot.BootController;
import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.internal.ecu.EcuInfo;
import dev.otaclient.internal.ecu.EcuNode;
import dev.otaclient.internal.ecu.EcuNodeSettings;
import dev.otaclient.internal.ecu.OtaClientEcu;
import dev.otaclient.internal.ecu.OtaclientSettings;
import dev.otaclient.internal.ecu.ProxyInfo;
import dev.otaclient.internal.fetch.HttpSettings;
import dev.otaclient.internal.image.CaStore;
import dev.otaclient.internal.image.TrustPolicy;
import dev.otaclient.proxy.OtaProxy;
import dev.otaclient.proxy.ProxyConfig;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.internal.update.ClientUpdateSettings;
import dev.otaclient.internal.update.UpdateEngine;
import dev.otaclient.internal.update.UpdateSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ECU's daemon, composed in one place: configuration -> boot controller (start-up finalisation)
 * -> OTA client -> ECU tree node -> optional local ota_proxy -> gRPC server. The CLI's {@code serve}
 * and {@code demo} only fill in {@link Config}.
 */
public final class EcuDaemon implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EcuDaemon.class);

  /**
   * Everything a daemon needs, as values: build it from a configuration directory
   * ({@link #fromDirectory}) or directly ({@link #of}) and adjust it with the {@code with} methods.
   *
   * @param ecu this ECU's place in the tree ({@code ecu_info.yaml})
   * @param proxy the local ota_proxy and the upper proxy ({@code proxy_info.yaml})
   * @param tls TLS of the gRPC server and of the calls to children ({@code tls.yaml})
   * @param certsDir the CA store the image signing certificate must chain to
   * @param backend boot-control backend
   * @param stateDir directory-slot state root (directory backend only)
   * @param slotOptions simulated-reboot mode of directory slots
   * @param port gRPC port (0 = any free port)
   * @param proxyCacheDir where the local ota_proxy caches files
   * @param trustPolicy refuse images when no CA is installed, unless explicitly insecure
   * @param nodeSettings timeouts of the ECU tree (status polling, acknowledgements)
   * @param clientUpdate where ClientUpdate installs client releases and the command that restarts
   *     the client (docs/client-update.md)
   */
  public record Config(EcuInfo ecu, ProxyInfo proxy, TlsConfig tls, Path certsDir, BootBackend backend, Path stateDir,
      DirectorySlotController.Options slotOptions, int port, Path proxyCacheDir, TrustPolicy trustPolicy,
      EcuNodeSettings nodeSettings, ClientUpdateSettings clientUpdate, OtaclientSettings settings) {
    public Config {
      Objects.requireNonNull(ecu);
      Objects.requireNonNull(proxy);
      Objects.requireNonNull(tls);
      Objects.requireNonNull(certsDir);
      Objects.requireNonNull(backend);
      Objects.requireNonNull(stateDir);
      Objects.requireNonNull(slotOptions);
      Objects.requireNonNull(proxyCacheDir);
      Objects.requireNonNull(trustPolicy);
      Objects.requireNonNull(nodeSettings);
      Objects.requireNonNull(clientUpdate);
      Objects.requireNonNull(settings);
    }

    /**
     * Reads {@code ecu_info.yaml}, {@code proxy_info.yaml}, {@code tls.yaml} and {@code otaclient.yaml} from
     * {@code configDir} (each optional, with the documented defaults); the boot backend that
     * {@code ecu_info.yaml} names (directory slots when it names none), the default port.
     */
    public static Config fromDirectory(Path configDir, Path certsDir, Path stateDir) {
      return fromDirectory(configDir, certsDir, stateDir, Optional.empty());
    }

    /** As {@link #fromDirectory(Path, Path, Path)}, with {@code backend}, when given, instead of the file's. */
    public static Config fromDirectory(Path configDir, Path certsDir, Path stateDir, Optional<BootBackend> backend) {
      EcuInfo ecu = EcuInfo.load(configDir.resolve("ecu_info.yaml"));
      return new Config(ecu, ProxyInfo.load(configDir.resolve("proxy_info.yaml")),
          TlsConfig.load(configDir.resolve("tls.yaml")),
          certsDir, backend.orElseGet(ecu::bootBackend), stateDir, DirectorySlotController.Options.defaults(),
          GrpcServer.DEFAULT_PORT, Path.of("/ota-cache"), TrustPolicy.REQUIRE_CA, EcuNodeSettings.defaults(),
          ClientUpdateSettings.defaults(),
          OtaclientSettings.load(configDir.resolve(OtaclientSettings.FILE_NAME)));
    }

    /**
     * A daemon for {@code ecu} without files: no local ota_proxy, no TLS, directory slots, any free
     * port; client releases go below {@code stateDir/client} and nothing restarts the process.
     */
    public static Config of(EcuInfo ecu, Path certsDir, Path stateDir) {
      return new Config(ecu, ProxyInfo.noLocalProxy(), TlsConfig.DISABLED, certsDir, BootBackend.DIRECTORY, stateDir,
          DirectorySlotController.Options.defaults(), 0, stateDir.resolve("ota-cache"), TrustPolicy.REQUIRE_CA,
          EcuNodeSettings.defaults(), new ClientUpdateSettings(stateDir.resolve("client"), List.of()),
          OtaclientSettings.defaults());
    }

    public Config withProxy(ProxyInfo p) {
      return new Config(ecu, p, tls, certsDir, backend, stateDir, slotOptions, port, proxyCacheDir, trustPolicy,
          nodeSettings, clientUpdate, settings);
    }

    public Config withTls(TlsConfig t) {
      return new Config(ecu, proxy, t, certsDir, backend, stateDir, slotOptions, port, proxyCacheDir, trustPolicy,
          nodeSettings, clientUpdate, settings);
    }

    public Config withPort(int p) {
      return new Config(ecu, proxy, tls, certsDir, backend, stateDir, slotOptions, p, proxyCacheDir, trustPolicy,
          nodeSettings, clientUpdate, settings);
    }

    public Config withBackend(BootBackend b) {
      return new Config(ecu, proxy, tls, certsDir, b, stateDir, slotOptions, port, proxyCacheDir, trustPolicy,
          nodeSettings, clientUpdate, settings);
    }

    public Config withSlotOptions(DirectorySlotController.Options o) {
      return new Config(ecu, proxy, tls, certsDir, backend, stateDir, o, port, proxyCacheDir, trustPolicy,
          nodeSettings, clientUpdate, settings);
    }

    public Config withProxyCacheDir(Path d) {
      return new Config(ecu, proxy, tls, certsDir, backend, stateDir, slotOptions, port, d, trustPolicy, nodeSettings,
          clientUpdate, settings);
    }

    public Config withClientUpdate(ClientUpdateSettings c) {
      return new Config(ecu, proxy, tls, certsDir, backend, stateDir, slotOptions, port, proxyCacheDir, trustPolicy,
          nodeSettings, c, settings);
    }

    public Config withNodeSettings(EcuNodeSettings s) {
      return new Config(ecu, proxy, tls, certsDir, backend, stateDir, slotOptions, port, proxyCacheDir, trustPolicy, s,
          clientUpdate, settings);
    }

    public Config withSettings(OtaclientSettings s) {
      return new Config(ecu, proxy, tls, certsDir, backend, stateDir, slotOptions, port, proxyCacheDir, trustPolicy,
          nodeSettings, clientUpdate, s);
    }
  }

  private final EcuInfo info;
  private final UpdateEngine client;
  private final EcuNode node;
  private final GrpcEcuTransport transport;
  private final GrpcServer server;
  private final OtaProxy proxy;

  private EcuDaemon(EcuInfo info, UpdateEngine client, EcuNode node, GrpcEcuTransport transport, GrpcServer server,
      OtaProxy proxy) {
    this.info = info;
    this.client = client;
    this.node = node;
    this.transport = transport;
    this.server = server;
    this.proxy = proxy;
  }

  public static EcuDaemon start(Config c) {
    EcuInfo info = c.ecu();
    ProxyInfo proxyInfo = c.proxy();
    TlsConfig tls = c.tls();

    BootController boot = c.backend().open(c.stateDir(), c.slotOptions());
    OtaclientSettings own = c.settings();
    HttpSettings http = HttpSettings.defaults();
    if (own.maxDownloadRate().isPresent()) {
      http = http.withBandwidthLimit(own.maxDownloadRate().getAsLong());
    }
    Optional<InetSocketAddress> via = proxyInfo.clientProxy();
    if (via.isPresent()) {
      http = http.withProxy(via.get());
    }
    UpdateSettings settings = UpdateSettings.defaults(CaStore.load(c.certsDir()))
        .withTrustPolicy(c.trustPolicy()).withHttp(http).withClientUpdate(c.clientUpdate())
        .withReleaseKey(own.releaseKey());
    UpdateEngine client = new UpdateEngine(info.ecuId(), boot, settings);
    EcuStatus initial = client.start();
    log.info("ECU {}: {} (version '{}') on {} slots, active slot {}", info.ecuId(), initial.status(),
        initial.version(), c.backend(), boot.activeSlotId());

    OtaProxy proxy = null;
    GrpcEcuTransport transport = new GrpcEcuTransport(tls);
    EcuNode node = null;
    GrpcServer server = null;
    try {
      if (proxyInfo.enableLocalOtaProxy()) {
        // Started with the daemon rather than per update session: children may start downloading at
        // any time, and a running proxy with a warm cache costs nothing while idle.
        ProxyConfig pc = new ProxyConfig(
            new InetSocketAddress(proxyInfo.localOtaProxyListenAddr(), proxyInfo.localOtaProxyListenPort()),
            proxyInfo.upperOtaProxy(), proxyInfo.gateway() && proxyInfo.upperOtaProxy().isEmpty(),
            proxyInfo.enableLocalOtaProxyCache(), c.proxyCacheDir(), 0.70, 0.80, java.time.Duration.ofSeconds(10));
        proxy = OtaProxy.start(pc);
        log.info("ota_proxy listening on {}", proxy.address());
      }
      node = new EcuNode(info, new OtaClientEcu(client), transport, c.nodeSettings());
      node.start();
      if (proxy != null) {
        clearCacheWhenTreeSucceeded(client, node, proxy);
      }
      server = GrpcServer.forEcu(info, c.port(), OtaClientGrpcService.forNode(node), tls).start();
      log.info("ECU {} serving OtaClientService on {}:{}", info.ecuId(), info.ipAddr(), server.port());
      return new EcuDaemon(info, client, node, transport, server, proxy);
    } catch (RuntimeException e) {
      closeQuietly(server);
      closeQuietly(node);
      closeQuietly(proxy);
      closeQuietly(transport);
      throw e;
    }
  }

  /**
   * The cache serves retries after a failure; once this ECU and every ECU below it run the new
   * version it is only taking space, so it is cleared (reference §5.1).
   */
  private static void clearCacheWhenTreeSucceeded(UpdateEngine client, EcuNode node, OtaProxy proxy) {
    java.util.concurrent.atomic.AtomicReference<OtaStatus> previous = new java.util.concurrent.atomic.AtomicReference<>();
    client.addListener(s -> {
      OtaStatus before = previous.getAndSet(s.status());
      if (before == OtaStatus.UPDATING && s.status() == OtaStatus.SUCCESS
          && node.status().ecus().stream().allMatch(e -> e.status() == OtaStatus.SUCCESS)) {
        log.info("every ECU of this subtree succeeded: clearing the ota_proxy cache");
        proxy.clearCache();
      }
    });
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      log.debug("close: {}", e.toString());
    }
  }

  public EcuInfo info() {
    return info;
  }

  public UpdateEngine client() {
    return client;
  }

  public EcuNode node() {
    return node;
  }

  public int port() {
    return server.port();
  }

  public Optional<OtaProxy> proxy() {
    return Optional.ofNullable(proxy);
  }

  @Override
  public void close() {
    closeQuietly(server);
    closeQuietly(node);
    closeQuietly(proxy);
    closeQuietly(transport);
  }
}
