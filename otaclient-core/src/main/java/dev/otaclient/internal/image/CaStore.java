package dev.otaclient.internal.image;

import dev.otaclient.error.ErrorCode;
import dev.otaclient.error.ErrorModule;
import dev.otaclient.error.OtaException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device's trusted CA chains (reference §1.3): PEM files named {@code <prefix>.<anything>.pem} in one
 * directory, grouped by prefix; each group is one candidate chain and must contain a self-signed root.
 * A signing certificate is accepted when any group issues it. Groups whose files cannot be read are kept
 * with the reason, so one broken chain neither hides the others nor disappears silently.
 */
public final class CaStore {
  private static final Logger LOG = LoggerFactory.getLogger(CaStore.class);

  /** Greedy prefix: {@code a.b.c.pem} belongs to group {@code a.b}, like the Python client's matcher. */
  private static final Pattern CHAIN_FILE = Pattern.compile("(.+)\\.[^.]+\\.pem");
  private static final int MAX_CHAIN_LENGTH = 8;
  private static final String BASIC_CONSTRAINTS_OID = "2.5.29.19";

  private record Group(String prefix, List<X509Certificate> roots, List<X509Certificate> intermediates,
      String defect) {}

  private static final class ChainFailure extends Exception {
    private static final long serialVersionUID = 1L;

    ChainFailure(String message) {
      super(message, null, false, false);
    }
  }

  private final String location;
  private final List<String> prefixes;
  /** The groups, parsed on a thread of their own (see {@link #load}). */
  private final FutureTask<List<Group>> groups;

  private CaStore(String location, List<String> prefixes, FutureTask<List<Group>> groups) {
    this.location = location;
    this.prefixes = List.copyOf(prefixes);
    this.groups = groups;
  }

  private static CaStore withoutChains(String location) {
    FutureTask<List<Group>> none = new FutureTask<>(List::of);
    none.run();
    return new CaStore(location, List.of(), none);
  }

  /** A store with no chain: every verification fails, and a {@link TrustPolicy} decides what that means. */
  public static CaStore empty() {
    return withoutChains("(no CA store)");
  }

  /**
   * Loads every {@code <prefix>.<x>.pem} file of {@code dir}. A missing directory gives an empty store
   * (logged). Other files are ignored. The directory is listed now (a failure to list it is thrown
   * here); the certificates are parsed on a thread of their own and waited for at the first
   * verification: the security providers and certificate classes took ~40 ms of a command's start,
   * before its first request, which needs none of them.
   */
  public static CaStore load(Path dir) {
    if (!Files.isDirectory(dir)) {
      LOG.warn("CA store {} does not exist or is not a directory: no CA chain installed", dir);
      return withoutChains(dir.toString());
    }
    Map<String, List<Path>> files = new TreeMap<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        Matcher m = CHAIN_FILE.matcher(p.getFileName().toString());
        if (m.matches() && Files.isRegularFile(p)) {
          files.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(p);
        }
      }
    } catch (IOException e) {
      throw new OtaException(ErrorCode.BASE_METADATA_VERIFICATION, ErrorModule.API,
          "CA store " + dir + ": cannot list: " + e.getMessage(), e);
    }
    FutureTask<List<Group>> parse = new FutureTask<>(() -> {
      List<Group> groups = new ArrayList<>();
      files.forEach((prefix, paths) -> {
        paths.sort(null);
        Group g = loadGroup(prefix, paths);
        if (g.defect() != null) {
          LOG.warn("CA chain '{}' in {} is unusable: {}", prefix, dir, g.defect());
        } else {
          LOG.info("CA chain '{}' loaded from {}: {} root(s), {} intermediate(s)",
              prefix, dir, g.roots().size(), g.intermediates().size());
        }
        groups.add(g);
      });
      return List.copyOf(groups);
    });
    if (!files.isEmpty()) {
      Thread t = new Thread(parse, "ca-store");
      t.setDaemon(true);
      t.start();
    } else {
      parse.run();
    }
    return new CaStore(dir.toString(), new ArrayList<>(files.keySet()), parse);
  }

  /** The parsed groups; waits for the parse (not interruptible: it takes milliseconds and cannot hang). */
  private List<Group> groups() {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return groups.get();
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          throw new OtaException(ErrorCode.BASE_METADATA_VERIFICATION, ErrorModule.API,
              "CA store " + location + ": cannot read the certificates: " + e.getCause(), e.getCause());
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static Group loadGroup(String prefix, List<Path> paths) {
    List<X509Certificate> roots = new ArrayList<>();
    List<X509Certificate> intermediates = new ArrayList<>();
    for (Path p : paths) {
      Collection<? extends Certificate> certs;
      try (InputStream in = Files.newInputStream(p)) {
        certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
      } catch (IOException | CertificateException e) {
        return new Group(prefix, List.of(), List.of(), p.getFileName() + " is not a PEM certificate: " + e.getMessage());
      }
      if (certs.isEmpty()) {
        return new Group(prefix, List.of(), List.of(), p.getFileName() + " contains no certificate");
      }
      for (Certificate c : certs) {
        X509Certificate x = (X509Certificate) c;
        if (isSelfSigned(x)) {
          roots.add(x);
        } else {
          intermediates.add(x);
        }
      }
    }
    if (roots.isEmpty()) {
      return new Group(prefix, List.of(), List.of(), "no self-signed root certificate in " + names(paths));
    }
    return new Group(prefix, List.copyOf(roots), List.copyOf(intermediates), null);
  }

  private static String names(List<Path> paths) {
    List<String> names = new ArrayList<>();
    paths.forEach(p -> names.add(p.getFileName().toString()));
    return String.join(", ", names);
  }

  public boolean isEmpty() {
    return prefixes.isEmpty();
  }

  /** Prefixes of the chains found, in the order they are tried. */
  public List<String> chainNames() {
    return prefixes;
  }

  /** Where the store was loaded from, for messages. */
  public String location() {
    return location;
  }

  /**
   * Checks that {@code signCert} is valid at {@code now} and issued by one of the chains; the first chain
   * (in prefix order) that verifies wins.
   *
   * @throws OtaException BASE_METADATA_VERIFICATION with every chain's reason when none verifies
   */
  public void verify(X509Certificate signCert, Instant now) {
    verify(signCert, List.of(), false, now);
  }

  /**
   * OTA image v1's rule ({@code index.jwt}): {@code signCert}, helped by the intermediates the image
   * presents ({@code x5c}, which holds no root), must lead to a self-signed root of the store; every
   * CA certificate on the way, presented or installed, must carry a critical BasicConstraints
   * extension that marks it a CA; all must be valid at {@code now}.
   *
   * @throws OtaException BASE_METADATA_VERIFICATION with every chain's reason when none verifies
   */
  public void verifyPresented(X509Certificate signCert, List<X509Certificate> presented, Instant now) {
    verify(signCert, presented, true, now);
  }

  private void verify(X509Certificate signCert, List<X509Certificate> presented, boolean criticalCaConstraints,
      Instant now) {
    String subject = signCert.getSubjectX500Principal().getName();
    if (prefixes.isEmpty()) {
      throw fail("no CA chain installed in " + location + " to verify signing certificate " + subject);
    }
    Date date = Date.from(now);
    try {
      signCert.checkValidity(date);
    } catch (CertificateExpiredException e) {
      throw fail("signing certificate " + subject + " expired at " + signCert.getNotAfter().toInstant()
          + " (now " + now + ")");
    } catch (CertificateNotYetValidException e) {
      throw fail("signing certificate " + subject + " is not valid before " + signCert.getNotBefore().toInstant()
          + " (now " + now + ")");
    }
    List<String> failures = new ArrayList<>();
    for (Group g : groups()) {
      if (g.defect() != null) {
        failures.add("chain '" + g.prefix() + "': " + g.defect());
        continue;
      }
      try {
        verifyWith(g, signCert, presented, criticalCaConstraints, date);
        LOG.info("signing certificate {} verified by CA chain '{}'", subject, g.prefix());
        return;
      } catch (ChainFailure e) {
        failures.add("chain '" + g.prefix() + "': " + e.getMessage());
      }
    }
    throw fail("signing certificate " + subject + " is not issued by any CA chain in " + location + ": "
        + String.join("; ", failures));
  }

  /** Walks subject -> issuer within the group up to a self-signed root, then lets PKIX validate it. */
  private static void verifyWith(Group g, X509Certificate signCert, List<X509Certificate> presented,
      boolean criticalCaConstraints, Date date) throws ChainFailure {
    for (X509Certificate root : g.roots()) {
      if (sameCert(root, signCert)) {
        if (criticalCaConstraints) {
          throw new ChainFailure("the signing certificate is a root of the store, not a certificate it issued");
        }
        return; // the signing certificate is itself an installed root; its validity was checked
      }
    }
    List<X509Certificate> intermediates = new ArrayList<>(presented);
    intermediates.addAll(g.intermediates());
    List<X509Certificate> path = new ArrayList<>();
    path.add(signCert);
    X509Certificate current = signCert;
    while (path.size() <= MAX_CHAIN_LENGTH) {
      X509Certificate root = issuerOf(current, g.roots(), path);
      if (root != null) {
        if (criticalCaConstraints) {
          requireCaConstraints(path.subList(1, path.size()), root);
        }
        validate(path, root, date);
        return;
      }
      X509Certificate next = issuerOf(current, intermediates, path);
      if (next == null) {
        throw new ChainFailure("no certificate in the chain issued " + current.getSubjectX500Principal().getName()
            + " (issuer " + current.getIssuerX500Principal().getName() + ")");
      }
      path.add(next);
      current = next;
    }
    throw new ChainFailure("chain longer than " + MAX_CHAIN_LENGTH + " certificates");
  }

  private static void requireCaConstraints(List<X509Certificate> intermediates, X509Certificate root)
      throws ChainFailure {
    List<X509Certificate> cas = new ArrayList<>(intermediates);
    cas.add(root);
    for (X509Certificate c : cas) {
      Set<String> critical = c.getCriticalExtensionOIDs();
      if (critical == null || !critical.contains(BASIC_CONSTRAINTS_OID) || c.getBasicConstraints() < 0) {
        throw new ChainFailure("CA certificate " + c.getSubjectX500Principal().getName()
            + " has no critical BasicConstraints extension marking it a CA");
      }
    }
  }

  private static X509Certificate issuerOf(X509Certificate cert, List<X509Certificate> candidates,
      List<X509Certificate> exclude) {
    for (X509Certificate c : candidates) {
      if (c.getSubjectX500Principal().equals(cert.getIssuerX500Principal()) && !exclude.contains(c)
          && signedBy(cert, c)) {
        return c;
      }
    }
    return null;
  }

  private static void validate(List<X509Certificate> path, X509Certificate root, Date date) throws ChainFailure {
    try {
      root.checkValidity(date);
    } catch (CertificateExpiredException | CertificateNotYetValidException e) {
      throw new ChainFailure("root " + root.getSubjectX500Principal().getName() + " is not valid at " + date.toInstant());
    }
    try {
      CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
      PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
      params.setRevocationEnabled(false); // devices are offline-capable; no CRL/OCSP infrastructure
      params.setDate(date);
      CertPathValidator.getInstance("PKIX").validate(certPath, params);
    } catch (CertPathValidatorException e) {
      String reason = e.getReason() == null ? "" : " (" + e.getReason() + ")";
      throw new ChainFailure("PKIX validation failed: " + e.getMessage() + reason);
    } catch (GeneralSecurityException e) {
      throw new ChainFailure("PKIX validation could not run: " + e.getMessage());
    }
  }

  private static boolean isSelfSigned(X509Certificate c) {
    return c.getSubjectX500Principal().equals(c.getIssuerX500Principal()) && signedBy(c, c);
  }

  private static boolean signedBy(X509Certificate cert, X509Certificate issuer) {
    try {
      cert.verify(issuer.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static boolean sameCert(X509Certificate a, X509Certificate b) {
    try {
      return Arrays.equals(a.getEncoded(), b.getEncoded());
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static OtaException fail(String detail) {
    return new OtaException(ErrorCode.BASE_METADATA_VERIFICATION, ErrorModule.API, detail);
  }
}
