package dev.otaclient.internal.boot;

import dev.otaclient.error.OtaException;
import dev.otaclient.internal.ecu.ConfigYaml;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;

/**
 * The Jetson firmware package an image may carry in {@code /opt/ota/firmware}: the manifest
 * ({@code firmware_manifest.yaml}: hardware, BSP version, compatibility, payloads with digests) and
 * the request ({@code firmware_update.yaml}: which payloads to install). Only requested payloads of
 * the manifest are installed; without a request file there is no firmware update.
 *
 * @param bspVersion the firmware's BSP version ({@code R35.4.1} or {@code 35.4.1})
 * @param compat the strings a device's TNSPEC must all contain (board id, SKU, revision, FAB, conf)
 * @param payloads the requested payloads, in manifest order
 */
record FirmwarePackage(BspVersion bspVersion, List<String> compat, List<Payload> payloads) {
  static final String DIR = "opt/ota/firmware";
  static final String MANIFEST = "firmware_manifest.yaml";
  static final String REQUEST = "firmware_update.yaml";
  private static final Pattern DIGEST = Pattern.compile("^([\\w\\-+ ]+):([a-zA-Z0-9]+)$");

  /** A payload: a UEFI capsule, a boot application (L4TLauncher) or a BUP; where it is in the image, its digest. */
  record Payload(String name, String type, String file, String digestAlgorithm, String digest) {}

  /**
   * The package of the image rooted at {@code slotRoot}; empty when it has no request file (no
   * firmware update). A present but invalid file is an error naming the file and the field.
   */
  static Optional<FirmwarePackage> load(Path slotRoot) {
    Path dir = slotRoot.resolve(DIR);
    Optional<String> request = ConfigYaml.read(dir.resolve(REQUEST));
    if (request.isEmpty()) {
      return Optional.empty();
    }
    ConfigYaml.Fields req = ConfigYaml.parseMapping(request.get(), dir.resolve(REQUEST).toString());
    List<String> wanted = req.stringList("firmware_list").orElseThrow(
        () -> req.fail("firmware_list", "missing: the list of payloads to install"));
    Path manifestFile = dir.resolve(MANIFEST);
    String manifestText = ConfigYaml.read(manifestFile).orElseThrow(() -> new OtaException(
        dev.otaclient.error.ErrorCode.POST_UPDATE, dev.otaclient.error.ErrorModule.BOOT_CONTROL,
        manifestFile + " is missing although " + REQUEST + " asks for " + wanted));
    ConfigYaml.Fields m = ConfigYaml.parseMapping(manifestText, manifestFile.toString());
    String hw = m.string("hardware_type").orElseThrow(() -> m.fail("hardware_type", "missing"));
    if (!hw.equals("nvidia_jetson")) {
      throw m.fail("hardware_type", "'" + hw + "' is not supported (nvidia_jetson)");
    }
    ConfigYaml.Fields spec = m.mapping("firmware_spec").orElseThrow(() -> m.fail("firmware_spec", "missing"));
    String bsp = spec.string("bsp_version").orElseThrow(() -> spec.fail("bsp_version", "missing"));
    BspVersion version = BspVersion.parse(bsp).orElseThrow(() -> spec.fail("bsp_version", "'" + bsp
        + "' is not a BSP version like R35.4.1"));
    ConfigYaml.Fields c = spec.mapping("firmware_compat").orElseThrow(() -> spec.fail("firmware_compat", "missing"));
    List<String> compat = new ArrayList<>();
    for (String k : List.of("board_id", "board_sku", "board_rev", "fab_id", "board_conf")) {
      compat.add(c.string(k).orElseThrow(() -> c.fail(k, "missing")));
    }
    List<Payload> payloads = new ArrayList<>();
    List<Node> items = m.list("firmware_packages").orElseThrow(() -> m.fail("firmware_packages", "missing"));
    for (int i = 0; i < items.size(); i++) {
      ConfigYaml.Fields p = m.mappingItem("firmware_packages", i, items.get(i));
      String name = p.string("payload_name").orElseThrow(() -> p.fail("payload_name", "missing"));
      if (!wanted.contains(name)) {
        continue;
      }
      String type = p.string("type").orElseThrow(() -> p.fail("type", "missing"));
      if (!List.of("UEFI-CAPSULE", "UEFI-BOOT-APP", "BUP").contains(type)) {
        throw p.fail("type", "'" + type + "' is not UEFI-CAPSULE, UEFI-BOOT-APP or BUP");
      }
      String location = p.string("file_location").orElseThrow(() -> p.fail("file_location", "missing"));
      if (!location.startsWith("file://")) {
        throw p.fail("file_location", "'" + location + "': only file:// locations in the image are supported");
      }
      String digest = p.string("digest").orElseThrow(() -> p.fail("digest", "missing"));
      Matcher d = DIGEST.matcher(digest.strip());
      if (!d.matches()) {
        throw p.fail("digest", "'" + digest + "' is not <algorithm>:<hex>");
      }
      payloads.add(new Payload(name, type, location.substring("file://".length()), d.group(1), d.group(2).toLowerCase()));
    }
    return Optional.of(new FirmwarePackage(version, List.copyOf(compat), List.copyOf(payloads)));
  }

  /** Whether a device's TNSPEC (from {@code nv_boot_control.conf}) contains every compatibility string. */
  boolean compatibleWith(String tnspec) {
    return compat.stream().allMatch(tnspec::contains);
  }

  /** An L4T release: major (R35), minor and revision. */
  record BspVersion(int major, int minor, int revision) implements Comparable<BspVersion> {
    /** {@code R35.4.1}, {@code 35.4.1}, {@code R35.4}. */
    static Optional<BspVersion> parse(String s) {
      Matcher m = Pattern.compile("^[Rr]?(\\d+)\\.(\\d+)(?:\\.(\\d+))?$").matcher(s.strip());
      if (!m.matches()) {
        return Optional.empty();
      }
      return Optional.of(new BspVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
          m.group(3) == null ? 0 : Integer.parseInt(m.group(3))));
    }

    /** From {@code /etc/nv_tegra_release}: {@code # R35 (release), REVISION: 4.1, ...}. */
    static Optional<BspVersion> ofTegraRelease(String text) {
      Matcher m = Pattern.compile("#\\s*R(\\d+)\\s*\\(\\w+\\),\\s*REVISION:\\s*(\\d+)\\.(\\d+)").matcher(text);
      return m.find() ? Optional.of(new BspVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
          Integer.parseInt(m.group(3)))) : Optional.empty();
    }

    @Override
    public int compareTo(BspVersion o) {
      int c = Integer.compare(major, o.major);
      c = c != 0 ? c : Integer.compare(minor, o.minor);
      return c != 0 ? c : Integer.compare(revision, o.revision);
    }

    @Override
    public String toString() {
      return "R" + major + "." + minor + "." + revision;
    }
  }
}
