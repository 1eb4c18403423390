package dev.otaclient.client;

import dev.otaclient.internal.boot.BootBackend;
import dev.otaclient.internal.boot.BootController;
import dev.otaclient.internal.boot.DirectorySlotController;
import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fetch.Cookies;
import dev.otaclient.internal.ecu.OtaclientSettings;
import dev.otaclient.internal.fetch.HttpSettings;
import dev.otaclient.internal.fetch.RetryPolicy;
import dev.otaclient.internal.image.CaStore;
import dev.otaclient.internal.image.ImageLocation;
import dev.otaclient.internal.image.TrustPolicy;
import dev.otaclient.status.CancelOutcome;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.Progress;
import dev.otaclient.status.UpdateEvent;
import dev.otaclient.internal.update.BeforeReboot;
import dev.otaclient.internal.update.UpdateSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The OTA client of one ECU, for embedding: the one entry point of the library.
 *
 * <pre>{@code
 * OtaClient client = OtaClient.builder()
 *     .ecuId("main")
 *     .directorySlots(Path.of("/var/lib/otaclient"))
 *     .trustedCertificates(Path.of("/opt/ota/client/certs"))
 *     .build();                                    // start-up finalisation runs here
 * client.on(UpdateEvent.PhaseChanged.class, e -> log(e.phase()));
 * UpdateHandle h = client.startUpdate(UpdateRequest.of("https://server/images/2.0/"));
 * EcuStatus end = h.await();                       // or h.cancel()
 * }</pre>
 *
 * Thread-safe. At most one update or rollback runs at a time; a second is refused with
 * {@link OtaException} ({@code E1-0104-201}, busy).
 */
public final class OtaClient {
  private final dev.otaclient.internal.update.UpdateEngine engine;

  private OtaClient(dev.otaclient.internal.update.UpdateEngine engine) {
    this.engine = engine;
  }

  public static Builder builder() {
    return new Builder();
  }

  public String ecuId() {
    return engine.ecuId();
  }

  /** A consistent snapshot; {@code progress} is present while an update runs. Cheap. */
  public EcuStatus status() {
    return engine.status();
  }

  /** Counters of the last update whose standby was completely built (progress is gone once it ends). */
  public Optional<Progress> lastCompletedBuild() {
    return engine.lastCompletedBuild();
  }

  /**
   * Starts an update in the background.
   *
   * @throws OtaException when the request is invalid (E1-0104-203), another operation runs (201), or
   *     the status does not allow an update (202)
   */
  public UpdateHandle startUpdate(UpdateRequest request) {
    return new UpdateHandle(engine.startUpdate(toEngine(request), BeforeReboot.NONE));
  }

  /** Runs an update on the calling thread and returns its final status. */
  public EcuStatus update(UpdateRequest request) {
    return engine.update(toEngine(request));
  }

  /** Switches back to the other slot's previous system (allowed after a SUCCESS). */
  public UpdateHandle startRollback() {
    return new UpdateHandle(engine.startRollback(BeforeReboot.NONE));
  }

  /** Stops the running update, if any (see {@link UpdateHandle#cancel()}). */
  public CancelOutcome cancel() {
    return engine.cancel();
  }

  /**
   * Calls {@code listener} for every event of {@code type}: {@code UpdateEvent.class} for all, or one
   * of its records ({@link UpdateEvent.PhaseChanged}, {@link UpdateEvent.BytesDownloaded},
   * {@link UpdateEvent.FilesProcessed}, {@link UpdateEvent.Finished}, {@link UpdateEvent.Failed},
   * {@link UpdateEvent.Cancelled}, {@link UpdateEvent.StatusChanged}). Progress events come at most
   * every 250 ms. Listeners run on the client's threads and must return quickly.
   *
   * @return closes the subscription
   */
  public <E extends UpdateEvent> AutoCloseable on(Class<E> type, Consumer<? super E> listener) {
    Runnable cancel = engine.subscribe(type, listener);
    return cancel::run;
  }

  private static dev.otaclient.internal.update.UpdateRequest toEngine(UpdateRequest r) {
    String version = r.version().orElseGet(() -> ImageLocation.parse(r.image()).name());
    if (version.isEmpty()) {
      throw new OtaException(ErrorCode.INVALID_UPDATE_REQUEST, ErrorModule.API,
          "image location " + r.image() + " has no name to record as the version: give one");
    }
    return new dev.otaclient.internal.update.UpdateRequest(version, r.image(),
        r.cookies().isEmpty() ? Cookies.none() : Cookies.of(r.cookies())).withMaxDownloadRate(r.maxDownloadRate());
  }

  /** Settings of an {@link OtaClient}; every one has a default but the ECU id and the CA store. */
  public static final class Builder {
    private String ecuId;
    private BootLoader bootLoader = BootLoader.DIRECTORY_SLOTS;
    private Path stateDir;
    private Path caDir;
    private boolean allowMissingCa;
    private HttpSettings http = HttpSettings.defaults();
    private RetryPolicy retry = RetryPolicy.defaults();
    private Integer workers;
    private Integer downloads;
    private Path workDir;
    private String releaseKey = "dev";

    private Builder() {}

    /** The id this ECU reports, as in {@code ecu_info.yaml} ({@code main}, {@code autoware}, ...). */
    public Builder ecuId(String id) {
      this.ecuId = Objects.requireNonNull(id, "id");
      return this;
    }

    /** Slots as two directories below {@code stateDir} (the default boot loader). */
    public Builder directorySlots(Path stateDir) {
      this.bootLoader = BootLoader.DIRECTORY_SLOTS;
      this.stateDir = Objects.requireNonNull(stateDir, "stateDir");
      return this;
    }

    /** A real boot loader of this machine (needs root and the partitions it expects). */
    public Builder bootLoader(BootLoader loader) {
      this.bootLoader = Objects.requireNonNull(loader, "loader");
      return this;
    }

    /** The CA store: {@code <prefix>.<name>.pem} chains the image signing certificate must lead to. */
    public Builder trustedCertificates(Path caDir) {
      this.caDir = Objects.requireNonNull(caDir, "caDir");
      return this;
    }

    /**
     * Accepts an image whose certificate chain cannot be checked because no CA is installed (the
     * signature is still checked). For development only; the default refuses such images.
     */
    public Builder allowUnverifiedChainWithoutCa() {
      this.allowMissingCa = true;
      return this;
    }

    /** Sends every HTTP request through this forward proxy (an ota_proxy of the vehicle). */
    public Builder httpProxy(String host, int port) {
      this.http = http.withProxy(InetSocketAddress.createUnresolved(host, port));
      return this;
    }

    /** TCP connect timeout and the longest silence while reading a response (defaults 10 s, 30 s). */
    public Builder timeouts(Duration connect, Duration read) {
      this.http = http.withTimeouts(connect, read);
      return this;
    }

    /**
     * Caps downloads at {@code bytesPerSecond} over all connections (0, the default, for no cap):
     * for vehicle networks that other traffic shares.
     */
    public Builder maxDownloadRate(long bytesPerSecond) {
      if (bytesPerSecond < 0) {
        throw new IllegalArgumentException("bytesPerSecond must not be negative: " + bytesPerSecond);
      }
      this.http = http.withBandwidthLimit(bytesPerSecond);
      return this;
    }

    /**
     * At most {@code attemptsPerFile} attempts per file, and no retry once nothing has succeeded
     * for {@code noSuccessBudget} (defaults 10 and 5 minutes).
     */
    public Builder retries(int attemptsPerFile, Duration noSuccessBudget) {
      RetryPolicy d = RetryPolicy.defaults();
      this.retry = new RetryPolicy(attemptsPerFile, d.initialBackoff(), d.maxBackoff(), noSuccessBudget);
      return this;
    }

    /** Threads that copy, hash and write files, and concurrent downloads (defaults from the core count). */
    public Builder threads(int workerThreads, int concurrentDownloads) {
      this.workers = workerThreads;
      this.downloads = concurrentDownloads;
      return this;
    }

    /** Where the image's lists are checked before the standby is touched (default: a temporary directory). */
    public Builder workDir(Path dir) {
      this.workDir = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /**
     * Which payload of an OTA image v1 this ECU installs, besides its id: the release key
     * ({@code dev}, the default as in TIER IV's client, or {@code prd}). Legacy images have no such choice.
     */
    public Builder releaseKey(String key) {
      Objects.requireNonNull(key, "key");
      String problem = OtaclientSettings.releaseKeyProblem(key);
      if (problem != null) {
        throw new IllegalArgumentException(problem);
      }
      this.releaseKey = key;
      return this;
    }

    /**
     * Opens the boot loader, runs start-up finalisation (confirms a switched boot or detects a
     * fallback) and returns the client.
     *
     * @throws IllegalStateException when the ECU id or the CA store is missing
     * @throws OtaException when the CA store or the boot loader cannot be used
     */
    public OtaClient build() {
      if (ecuId == null) {
        throw new IllegalStateException("ecuId is required");
      }
      if (caDir == null) {
        throw new IllegalStateException("trustedCertificates(caDir) is required");
      }
      if (bootLoader == BootLoader.DIRECTORY_SLOTS && stateDir == null) {
        throw new IllegalStateException("directorySlots(stateDir) is required for directory slots");
      }
      UpdateSettings s = UpdateSettings.defaults(CaStore.load(caDir))
          .withTrustPolicy(allowMissingCa ? TrustPolicy.INSECURE_SKIP_CHAIN_CHECK_NO_CA_INSTALLED : TrustPolicy.REQUIRE_CA)
          .withHttp(http)
          .withRetry(retry)
          .withReleaseKey(releaseKey);
      if (workers != null) {
        s = s.withThreads(workers, downloads);
      }
      if (workDir != null) {
        s = s.withWorkDir(workDir);
      }
      BootController boot = switch (bootLoader) {
        case DIRECTORY_SLOTS -> new DirectorySlotController(stateDir);
        case GRUB -> BootBackend.GRUB.open(null, null);
        case GRUB_LEGACY -> BootBackend.GRUB_LEGACY.open(null, null);
        case JETSON_CBOOT -> BootBackend.JETSON_CBOOT.open(null, null);
        case JETSON_UEFI -> BootBackend.JETSON_UEFI.open(null, null);
        case RPI_TRYBOOT -> BootBackend.RPI_TRYBOOT.open(null, null);
      };
      dev.otaclient.internal.update.UpdateEngine engine = new dev.otaclient.internal.update.UpdateEngine(ecuId, boot, s);
      engine.start();
      return new OtaClient(engine);
    }
  }
}
