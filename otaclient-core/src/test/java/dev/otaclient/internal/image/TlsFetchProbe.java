package dev.otaclient.internal.image;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fetch.BlobRequest;
import dev.otaclient.internal.fetch.Cookies;
import dev.otaclient.internal.fetch.HttpSettings;
import dev.otaclient.internal.fetch.RetryPolicy;
import dev.otaclient.internal.fs.ContentHash;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * Child JVM of {@link TlsFetchTest}: the JVM-wide default trust store is read once per process, so
 * each case gets a process of its own. Serves one file over HTTPS (with {@code keystore}) or plain
 * HTTP (keystore "-") on loopback, fetches it through the engine's image source and prints
 * {@code OK <sha256>} or {@code FAILED <code> <detail>}.
 *
 * <pre>TlsFetchProbe KEYSTORE|- PASSWORD FILE OUT_DIR</pre>
 */
public final class TlsFetchProbe {
  private TlsFetchProbe() {}

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[2]);
    Path out = Path.of(args[3]);
    HttpServer server;
    String scheme;
    if (args[0].equals("-")) {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      scheme = "http";
    } else {
      char[] password = args[1].toCharArray();
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
        ks.load(in, password);
      }
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, password);
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(kmf.getKeyManagers(), null, null);
      HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      https.setHttpsConfigurator(new HttpsConfigurator(tls));
      server = https;
      scheme = "https";
    }
    byte[] body = Files.readAllBytes(file);
    server.createContext("/image/data/blob", ex -> {
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream o = ex.getResponseBody()) {
        o.write(body);
      }
    });
    server.start();
    try {
      String base = scheme + "://127.0.0.1:" + server.getAddress().getPort() + "/image/";
      RetryPolicy once = new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofSeconds(30));
      try (ImageSource source = ImageSources.open(ImageLocation.parse(base), Cookies.none(),
          HttpSettings.defaults().withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(10)), once, 1, null)) {
        source.fetch(BlobRequest.plain("data/blob", null, body.length), out.resolve("blob"), null);
        System.out.println("OK " + ContentHash.of(out.resolve("blob")));
      } catch (OtaException e) {
        System.out.println("FAILED " + e.code() + " " + e.detail());
      }
    } finally {
      server.stop(0);
    }
  }
}
