package dev.otaclient.cli;

import dev.otaclient.proxy.OtaProxy;
import dev.otaclient.proxy.ProxyConfig;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "proxy", mixinStandardHelpOptions = true,
    footerHeading = "%nExamples:%n", footer = {
        "  otaclient proxy --listen 127.0.0.1:8082 --cache-dir /ota-cache",
        "  otaclient proxy --listen 0.0.0.0:8082 --upper http://10.0.0.2:8082 \\",
        "      --no-cache"},
    description = "Run ota_proxy standalone: a caching HTTP forward proxy for OTA downloads.")
final class ProxyCommand implements Callable<Integer>, Main.Daemon {
  @Option(names = "--listen", defaultValue = "127.0.0.1:8082", description = "HOST:PORT to listen on (default ${DEFAULT-VALUE}).")
  String listen;

  @Option(names = "--upper", description = "Upper proxy URL (http://host:port) to chain to.")
  URI upper;

  @Option(names = "--cache-dir", defaultValue = "/ota-cache", description = "Cache directory (default ${DEFAULT-VALUE}).")
  Path cacheDir;

  @Option(names = "--no-cache", description = "Relay only, keep nothing.")
  boolean noCache;

  @Option(names = "--gateway", description = "Talk to the origin over HTTPS (this ECU is the vehicle's gateway).")
  boolean gateway;

  @Override
  public Integer call() throws Exception {
    Target t = Target.parse("--listen", listen, 0);
    ProxyConfig c = ProxyConfig.defaults(cacheDir)
        .withListen(new InetSocketAddress(t.host(), t.port()))
        .withUpperProxy(Optional.ofNullable(upper));
    c = new ProxyConfig(c.listen(), c.upperProxy(), gateway, !noCache, c.cacheDir(), c.softLimit(), c.hardLimit(),
        c.upstreamReadTimeout());
    CountDownLatch stop = new CountDownLatch(1);
    try (OtaProxy proxy = OtaProxy.start(c)) {
      System.err.println("ota_proxy listening on " + proxy.address() + (noCache ? " (no cache)" : ", cache " + cacheDir));
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        proxy.close();
        stop.countDown();
      }));
      stop.await();
    }
    return 0;
  }
}
