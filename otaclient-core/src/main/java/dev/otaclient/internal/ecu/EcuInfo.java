package dev.otaclient.internal.ecu;

import dev.otaclient.internal.boot.BootBackend;
import dev.otaclient.internal.update.RequestRules;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.nodes.Node;

/**
 * This ECU's place in the vehicle, read from {@code ecu_info.yaml} (reference §4.1 plus the later
 * per-secondary {@code port}). A missing file means a single-ECU vehicle with the documented
 * defaults; a present file must be entirely valid, anything else is a start-up error naming the field.
 *
 * @param formatVersion not interpreted, kept for compatibility
 * @param ecuId this ECU's unique id
 * @param ipAddr the address this ECU's OTA service binds to (an IP literal)
 * @param secondaries directly connected children only, in file order (the order of fan-out answers)
 * @param availableEcuIds every ECU taking part in OTA; returned verbatim by Status
 * @param bootloader the {@code bootloader} key as written (a name {@link BootBackend#isKnown} accepts),
 *     empty when the file has none
 */
public record EcuInfo(int formatVersion, String ecuId, String ipAddr, List<SecondaryEcu> secondaries,
    List<String> availableEcuIds, Optional<String> bootloader) {

  private static final Logger LOG = LoggerFactory.getLogger(EcuInfo.class);

  public static final Path DEFAULT_PATH = Path.of("/boot/ota/ecu_info.yaml");
  public static final String DEFAULT_ECU_ID = "autoware";
  /**
   * The Python seed defaulted to {@code localhost}. We use the literal: {@code localhost} may resolve
   * to {@code ::1} on one host and {@code 127.0.0.1} on another, so a server bound to one and a client
   * dialling the other would miss each other, and a literal needs no name resolution at boot.
   */
  public static final String DEFAULT_IP_ADDR = "127.0.0.1";

  private static final Set<String> KNOWN_KEYS =
      Set.of("format_version", "ecu_id", "ip_addr", "secondaries", "available_ecu_ids", "bootloader");
  private static final Set<String> SECONDARY_KEYS = Set.of("ecu_id", "ip_addr", "port");

  public EcuInfo {
    Objects.requireNonNull(ecuId);
    Objects.requireNonNull(ipAddr);
    secondaries = List.copyOf(secondaries);
    availableEcuIds = List.copyOf(availableEcuIds);
    Objects.requireNonNull(bootloader);
  }

  /** Without a {@code bootloader} key. */
  public EcuInfo(int formatVersion, String ecuId, String ipAddr, List<SecondaryEcu> secondaries,
      List<String> availableEcuIds) {
    this(formatVersion, ecuId, ipAddr, secondaries, availableEcuIds, Optional.empty());
  }

  /**
   * The boot backend this file names; {@code auto_detect} detects it on this machine. Without the key,
   * directory slots: TIER IV's client detects then, but a detected GRUB would format the first spare
   * ext4 partition of a machine that merely carries an {@code ecu_info.yaml}, so detection is asked for.
   */
  public BootBackend bootBackend() {
    return bootloader.map(BootBackend::resolve).orElse(BootBackend.DIRECTORY);
  }

  /** What a missing file means: one ECU called {@code autoware} on the loopback address. */
  public static EcuInfo defaults() {
    return new EcuInfo(1, DEFAULT_ECU_ID, DEFAULT_IP_ADDR, List.of(), List.of(DEFAULT_ECU_ID));
  }

  /** Reads {@code file}; a missing file gives {@link #defaults()}, an invalid one throws. */
  public static EcuInfo load(Path file) {
    Optional<String> text = ConfigYaml.read(file);
    if (text.isEmpty()) {
      LOG.info("{} not found: single ECU '{}' at {}", file, DEFAULT_ECU_ID, DEFAULT_IP_ADDR);
      return defaults();
    }
    return parse(text.get(), file.toString());
  }

  /**
   * Parses the file's content; {@code fileName} only labels error messages.
   *
   * @throws dev.otaclient.error.OtaException UNRECOVERABLE, naming the file, line and field at fault
   */
  public static EcuInfo parse(String yaml, String fileName) {
    ConfigYaml.Fields f = ConfigYaml.parseMapping(yaml, fileName);
    warnUnknown(f, KNOWN_KEYS);

    long formatVersion = f.integer("format_version").orElse(1L);
    if (formatVersion < 1 || formatVersion > Integer.MAX_VALUE) {
      throw f.fail("format_version", "must be a positive integer, got " + formatVersion);
    }

    String ecuId = f.string("ecu_id").orElseThrow(() -> f.fail("ecu_id", "required field is missing"));
    checkId(f, "ecu_id", ecuId);

    String ipAddr = f.string("ip_addr").orElse(DEFAULT_IP_ADDR);
    checkIp(f, "ip_addr", ipAddr);

    List<SecondaryEcu> secondaries = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    seen.add(ecuId);
    List<Node> items = f.list("secondaries").orElse(List.of());
    for (int i = 0; i < items.size(); i++) {
      ConfigYaml.Fields s = f.mappingItem("secondaries", i, items.get(i));
      warnUnknown(s, SECONDARY_KEYS);
      String id = s.string("ecu_id").orElseThrow(() -> s.fail("ecu_id", "required field is missing"));
      checkId(s, "ecu_id", id);
      if (id.equals(ecuId)) {
        throw s.fail("ecu_id", "'" + id + "' is this ECU's own id");
      }
      if (!seen.add(id)) {
        throw s.fail("ecu_id", "duplicate secondary id '" + id + "'");
      }
      String ip = s.string("ip_addr").orElseThrow(() -> s.fail("ip_addr", "required field is missing"));
      checkIp(s, "ip_addr", ip);
      long port = s.integer("port").orElse((long) SecondaryEcu.DEFAULT_PORT);
      if (port < 1 || port > 65535) {
        throw s.fail("port", "port " + port + " is outside 1..65535");
      }
      secondaries.add(new SecondaryEcu(id, ip, (int) port));
    }

    List<String> available = f.stringList("available_ecu_ids").orElse(List.of(ecuId));
    Set<String> availableSeen = new HashSet<>();
    for (int i = 0; i < available.size(); i++) {
      String id = available.get(i);
      String path = "available_ecu_ids[" + i + "]";
      Optional<RequestRules.Problem> problem = RequestRules.ecuId(id);
      if (problem.isPresent()) {
        throw ConfigYaml.error(fileName, f.valueNode("available_ecu_ids"), path, problem.get().detail());
      }
      if (!availableSeen.add(id)) {
        throw ConfigYaml.error(fileName, f.valueNode("available_ecu_ids"), path, "duplicate id '" + id + "'");
      }
    }
    Optional<String> bootloader = f.string("bootloader");
    if (bootloader.isPresent() && !BootBackend.isKnown(bootloader.get())) {
      throw f.fail("bootloader", "unknown boot loader '" + bootloader.get() + "' (" + BootBackend.names() + ")");
    }
    return new EcuInfo((int) formatVersion, ecuId, ipAddr, secondaries, available, bootloader);
  }

  /** The direct child with this id, if any. */
  public Optional<SecondaryEcu> secondary(String id) {
    return secondaries.stream().filter(s -> s.ecuId().equals(id)).findFirst();
  }

  private static void checkId(ConfigYaml.Fields f, String key, String id) {
    RequestRules.ecuId(id).ifPresent(p -> {
      throw f.fail(key, p.detail());
    });
  }

  private static void checkIp(ConfigYaml.Fields f, String key, String ip) {
    if (!InetLiteral.isLiteral(ip)) {
      throw f.fail(key, "'" + ip + "' is not an IP address");
    }
  }

  private static void warnUnknown(ConfigYaml.Fields f, Set<String> known) {
    for (String key : f.keys()) {
      if (!known.contains(key)) {
        // Unknown keys are tolerated so that files written for newer clients still load.
        LOG.warn("{}: unknown key '{}' ignored", f.fileName(), f.pathOf(key));
      }
    }
  }
}
