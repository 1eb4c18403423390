package dev.otaclient.reliability;

import dev.otaclient.internal.ecu.EcuInfo;
import dev.otaclient.internal.ecu.ProxyInfo;
import dev.otaclient.error.OtaException;
import dev.otaclient.internal.fetch.Cookies;
import dev.otaclient.internal.image.DirectoryEntry;
import dev.otaclient.internal.image.ListLines;
import dev.otaclient.internal.image.ListReader;
import dev.otaclient.internal.image.MetadataJwt;
import dev.otaclient.internal.image.PersistentEntry;
import dev.otaclient.internal.image.RegularEntry;
import dev.otaclient.internal.image.SymlinkEntry;
import dev.otaclient.internal.image.v1.IndexJwt;
import dev.otaclient.internal.image.v1.MsgPack;
import dev.otaclient.internal.image.v1.ResourceFilter;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

/**
 * The fuzz targets of suite 7, shared by the Jazzer fuzz tests and the seeded mutation test. Each
 * feeds untrusted bytes to a parser and lets through only the parser's documented failure:
 * {@link OtaException} (plus {@link IllegalArgumentException} for the bare line parsers, whose contract
 * it is). Anything else escaping (NullPointerException, ClassCastException, StackOverflowError,
 * OutOfMemoryError, ...) is a finding. Where a parse succeeds, the result must survive a round trip.
 */
final class ParserTargets {
  private ParserTargets() {}

  /** {@code index.jwt} of an OTA image v1: parsed, and its signature checked with the presented key. */
  static void indexJwt(byte[] data) {
    try {
      IndexJwt.parse(data).verifySignatureOnly();
    } catch (OtaException expected) {
      // refused as an untrusted image
    }
  }

  /** The MessagePack subset of the v1 tables (filter options, extended attributes). */
  static void msgPack(byte[] data) {
    try {
      MsgPack.decode(data);
    } catch (MsgPack.MalformedException expected) {
      // the documented refusal
    }
  }

  /** A {@code filter_applied} value; what parses must encode back to a value that parses the same. */
  static void resourceFilter(byte[] data) {
    ResourceFilter f;
    try {
      f = ResourceFilter.parse(data);
    } catch (IllegalArgumentException expected) {
      return;
    }
    if (!ResourceFilter.parse(f.encode()).equals(f)) {
      throw new AssertionError("filter does not survive a round trip: " + f);
    }
  }

  /** First byte picks the list kind; the rest is a whole list file read through {@link ListReader}. */
  static void listFile(byte[] data) {
    if (data.length == 0) {
      return;
    }
    ByteArrayInputStream in = new ByteArrayInputStream(data, 1, data.length - 1);
    try {
      switch (Math.floorMod(data[0], 4)) {
        case 0 -> {
          try (ListReader<DirectoryEntry> r = ListReader.directories(in, "dirs.txt")) {
            r.forEachRemaining(e -> roundTrip(e, ListLines.parseDirectory(ListLines.format(e))));
          }
        }
        case 1 -> {
          try (ListReader<SymlinkEntry> r = ListReader.symlinks(in, "symlinks.txt")) {
            r.forEachRemaining(e -> roundTrip(e, ListLines.parseSymlink(ListLines.format(e))));
          }
        }
        case 2 -> {
          try (ListReader<RegularEntry> r = ListReader.regulars(in, "regulars.txt")) {
            r.forEachRemaining(e -> roundTrip(e, ListLines.parseRegular(ListLines.format(e))));
          }
        }
        default -> {
          try (ListReader<PersistentEntry> r = ListReader.persistents(in, "persistents.txt")) {
            r.forEachRemaining(e -> roundTrip(e, ListLines.parsePersistent(ListLines.format(e))));
          }
        }
      }
    } catch (OtaException expected) {
      // the documented way a list is refused
    }
  }

  /** One line through every line parser; IllegalArgumentException is their documented contract. */
  static void listLine(String line) {
    for (int kind = 0; kind < 4; kind++) {
      try {
        switch (kind) {
          case 0 -> roundTrip(ListLines.parseDirectory(line), null);
          case 1 -> roundTrip(ListLines.parseSymlink(line), null);
          case 2 -> roundTrip(ListLines.parseRegular(line), null);
          default -> roundTrip(ListLines.parsePersistent(line), null);
        }
      } catch (IllegalArgumentException expected) {
        // the bare parsers' contract; ListReader adds file and line
      }
    }
  }

  static void metadataJwt(String text) {
    try {
      MetadataJwt jwt = MetadataJwt.parse(text);
      if (jwt.metadata() == null || jwt.signingInput().length == 0) {
        throw new AssertionError("parse succeeded without metadata or signing input");
      }
    } catch (OtaException expected) {
      // refused as BASE_METADATA_VERIFICATION
    }
  }

  static void cookies(String json) {
    Cookies c;
    try {
      c = Cookies.parse(json);
    } catch (OtaException expected) {
      return;
    }
    String header = c.headerValue();
    if (header.indexOf('\r') >= 0 || header.indexOf('\n') >= 0 || header.indexOf('\0') >= 0) {
      throw new AssertionError("cookie header would allow header injection: " + header);
    }
    Cookies again = Cookies.parse(c.toJson());
    if (!again.values().equals(c.values())) {
      throw new AssertionError("cookies do not survive toJson/parse: " + c.values() + " vs " + again.values());
    }
  }

  static void ecuInfo(String yaml) {
    try {
      EcuInfo.parse(yaml, "ecu_info.yaml");
    } catch (OtaException expected) {
      // refused, naming file, line and field
    }
  }

  static void proxyInfo(String yaml) {
    try {
      ProxyInfo.parse(yaml, "proxy_info.yaml");
    } catch (OtaException expected) {
      // refused, naming file, line and field
    }
  }

  /** Parsed, formatted and parsed again, an entry must be the same entry. */
  private static void roundTrip(Object parsed, Object reparsed) {
    if (parsed == null) {
      throw new AssertionError("parser returned null");
    }
    if (reparsed != null && !parsed.equals(reparsed)) {
      throw new AssertionError("format/parse round trip changed " + parsed + " into " + reparsed);
    }
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
