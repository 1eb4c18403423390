package dev.otaclient.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.internal.image.FileRef;
import dev.otaclient.internal.image.ImageMetadata;
import dev.otaclient.internal.image.MetadataJwt;
import dev.otaclient.internal.image.sign.TestCa;
import dev.otaclient.internal.image.v1.Descriptor;
import dev.otaclient.internal.image.v1.IndexJwt;
import dev.otaclient.internal.image.v1.MediaTypes;
import dev.otaclient.internal.image.v1.ResourceFilter;
import dev.otaclient.testing.SignedImageFixture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Suite 7 in every CI build: the fuzz targets of {@link ParserTargets} driven by a seeded mutation
 * fuzzer (valid samples, then byte flips, insertions of the formats' own tokens, deletions,
 * duplications, splices and deep nesting). Jazzer fuzzes one target per JVM run only
 * ({@link ParserFuzzTest}, run by {@code reliability/run.sh fuzz}); this test covers all of them in one
 * bounded, reproducible run. A failure names the seed, the iteration and the input (base64), which then
 * becomes a regression input. {@code -Dreliability.fuzz.iterations=N} (default 20 000 per target,
 * 1 000 000 with {@code -Dreliability.long=true}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ParserMutationTest {
  static final int ITERATIONS = Integer.getInteger("reliability.fuzz.iterations",
      Suite.longRun() ? 1_000_000 : 20_000);

  static String jwt;

  @BeforeAll
  static void signedSample() {
    TestCa ca = SignedImageFixture.newCa("fuzz");
    String sha = "0".repeat(64);
    ImageMetadata md = new ImageMetadata(1, new FileRef("dirs.txt", sha), new FileRef("symlinks.txt", sha),
        new FileRef("regulars.txt", sha), new FileRef("persistents.txt", sha), new FileRef("sign.pem", sha), "data",
        OptionalLong.of(12345), Optional.of("data.zst"));
    jwt = MetadataJwt.sign(md, ca.signingKey());
  }

  static final List<String> DIRS = List.of("0755,0,0,'/etc'\n0700,0,0,'/root'\n01777,0,0,'/tmp'\n",
      "0755,1000,1000,'/home/it'\\''s'");
  static final List<String> SYMLINKS = List.of("0777,0,0,'/bin','usr/bin'\n0777,0,0,'/etc/localtime','/usr/share/zoneinfo/UTC'",
      "0777,0,0,'/a'\\''b','c'\\'','\\''d'");
  static final List<String> REGULARS = List.of(
      "0644,0,0,1," + "ab".repeat(32) + ",'/etc/passwd',1234,,zst\n04755,0,0,2," + "cd".repeat(32) + ",'/usr/bin/su',99,77,\n",
      "0644,0,0,1," + "ef".repeat(32) + ",'/a,b','c'",
      "0644,0,0,1," + "01".repeat(32) + ",'/x'");
  static final List<String> PERSISTENTS = List.of("'/etc/hostname'\n'/var/lib/it'\\''s'\n");
  static final List<String> COOKIES = List.of("{}", "{\"session\":\"abc\",\"n\":1,\"b\":true}",
      "{\"CloudFront-Policy\":\"eyJTdGF0ZW1lbnQiOlt7\",\"CloudFront-Key-Pair-Id\":\"K2\"}");
  static final List<String> ECU_INFOS = List.of("""
      format_version: 1
      ecu_id: "autoware"
      ip_addr: "10.0.0.2"
      secondaries:
        - ecu_id: "p1"
          ip_addr: "10.0.0.11"
        - {ecu_id: p2, ip_addr: "fd00::2", port: 50100}
      available_ecu_ids:
        - "autoware"
        - "p1"
      bootloader: grub
      """, "ecu_id: main\n");
  static final List<String> PROXY_INFOS = List.of("""
      gateway: false
      enable_local_ota_proxy: true
      enable_local_ota_proxy_cache: false
      upper_ota_proxy: "http://10.0.0.2:8082"
      local_ota_proxy_listen_addr: 0.0.0.0
      local_ota_proxy_listen_port: 8082
      """, "enable_local_ota_proxy: false\n");

  static final List<String> TOKENS = List.of("'", "\\'", "'\\''", ",", "\n", "\r\n", "\r", "/", "..", "//", "\0",
      "0", "07777", "0100644", "-1", "4294967296", "99999999999999999999999", "zst", "\u00e9", "\uffff", "\ud83d\ude00",
      ":", "- ", "{", "}", "[", "]", "\"", "&a ", "*a", "!!", "!!python/object:x", "? ", "|", ">", "#", "%YAML 1.1\n",
      "---\n", "...", "~", "null", "true", "0x10", "1e999", ".", "=", "eyJ", "==", " ", "\t");

  @Test
  void listFiles() {
    List<byte[]> seeds = new ArrayList<>();
    for (int kind = 0; kind < 4; kind++) {
      for (String s : List.of(DIRS, SYMLINKS, REGULARS, PERSISTENTS).get(kind)) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] withKind = new byte[b.length + 1];
        withKind[0] = (byte) kind;
        System.arraycopy(b, 0, withKind, 1, b.length);
        seeds.add(withKind);
      }
    }
    fuzz("listFile", seeds, ParserTargets::listFile);
  }

  @Test
  void listLines() {
    List<byte[]> seeds = new ArrayList<>();
    for (List<String> l : List.of(DIRS, SYMLINKS, REGULARS, PERSISTENTS)) {
      for (String s : l) {
        for (String line : s.split("\n")) {
          seeds.add(line.getBytes(StandardCharsets.UTF_8));
        }
      }
    }
    fuzz("listLine", seeds, b -> ParserTargets.listLine(ParserTargets.utf8(b)));
  }

  @Test
  void metadataJwt() {
    String[] parts = jwt.split("\\.");
    String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    List<byte[]> seeds = List.of(jwt.getBytes(StandardCharsets.US_ASCII),
        // the payload in clear, so mutations hit the JSON claims, then re-encoded in the target wrapper below
        payload.getBytes(StandardCharsets.UTF_8));
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    fuzz("metadataJwt", seeds, b -> {
      String s = ParserTargets.utf8(b);
      ParserTargets.metadataJwt(s);
      // also as a payload behind a valid header and signature segment
      ParserTargets.metadataJwt(parts[0] + "." + b64.encodeToString(b) + "." + parts[2]);
    });
  }

  @Test
  void cookies() {
    fuzz("cookies", utf8(COOKIES), b -> ParserTargets.cookies(ParserTargets.utf8(b)));
  }

  @Test
  void ecuInfo() {
    fuzz("ecuInfo", utf8(ECU_INFOS), b -> ParserTargets.ecuInfo(ParserTargets.utf8(b)));
  }

  @Test
  void proxyInfo() {
    fuzz("proxyInfo", utf8(PROXY_INFOS), b -> ParserTargets.proxyInfo(ParserTargets.utf8(b)));
  }

  @Test
  void indexJwt() {
    TestCa ca = SignedImageFixture.newCa("fuzz-v1");
    Descriptor index = new Descriptor(MediaTypes.INDEX, "ab".repeat(32), 1234, null, java.util.Map.of());
    String token = IndexJwt.sign(index, ca.signingKey(), List.of(ca.signingCert(), ca.intermediateCert()),
        java.time.Instant.ofEpochSecond(1_700_000_000));
    String[] parts = token.split("\\.");
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    List<byte[]> seeds = List.of(token.getBytes(StandardCharsets.US_ASCII),
        Base64.getUrlDecoder().decode(parts[0]), Base64.getUrlDecoder().decode(parts[1]));
    fuzz("indexJwt", seeds, b -> {
      ParserTargets.indexJwt(b);
      // also as the header, then as the claims, of an otherwise well-formed token
      ParserTargets.indexJwt((b64.encodeToString(b) + "." + parts[1] + "." + parts[2]).getBytes(StandardCharsets.US_ASCII));
      ParserTargets.indexJwt((parts[0] + "." + b64.encodeToString(b) + "." + parts[2]).getBytes(StandardCharsets.US_ASCII));
    });
  }

  @Test
  void msgPack() {
    List<byte[]> seeds = List.of(
        // {"user.k": b"v", "security.capability": b"\x01\x00"}
        new byte[] {(byte) 0x82, (byte) 0xa6, 'u', 's', 'e', 'r', '.', 'k', (byte) 0xc4, 1, 'v', (byte) 0xb3, 's', 'e',
            'c', 'u', 'r', 'i', 't', 'y', '.', 'c', 'a', 'p', 'a', 'b', 'i', 'l', 'i', 't', 'y', (byte) 0xc4, 2, 1, 0},
        // [1, 100, 200], [7, "zstd"], [[1, 2], -1, 1.5, nil, true]
        new byte[] {(byte) 0x93, 1, 100, (byte) 0xcc, (byte) 200},
        new byte[] {(byte) 0x92, 7, (byte) 0xa4, 'z', 's', 't', 'd'},
        new byte[] {(byte) 0x95, (byte) 0x92, 1, 2, (byte) 0xff, (byte) 0xcb, 0x3f, (byte) 0xf8, 0, 0, 0, 0, 0, 0,
            (byte) 0xc0, (byte) 0xc3},
        // a 32-bit array length with nothing behind it
        new byte[] {(byte) 0xdd, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff});
    fuzz("msgPack", seeds, ParserTargets::msgPack);
  }

  @Test
  void resourceFilter() {
    List<byte[]> seeds = List.of(new ResourceFilter.Bundle(1, 0, 100).encode(),
        new ResourceFilter.Bundle(70_000, 5_000_000_000L, 16_383).encode(),
        new ResourceFilter.Compressed(7, "zstd").encode(), new ResourceFilter.Sliced(List.of(7L, 8L, 9L)).encode());
    fuzz("resourceFilter", seeds, ParserTargets::resourceFilter);
  }

  /** Deeply nested and alias-heavy YAML must be refused, not overflow the stack or the heap. */
  @Test
  void yamlNestingAndAliasBombsAreRefused() {
    ParserTargets.ecuInfo("secondaries: " + "[".repeat(100_000));
    ParserTargets.ecuInfo("a: " + "{b: ".repeat(5_000) + "1" + "}".repeat(5_000));
    StringBuilder laughs = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
    for (char c = 'b'; c <= 'z'; c++) {
      laughs.append(c).append(": &").append(c).append(" [");
      for (int i = 0; i < 9; i++) {
        laughs.append(i == 0 ? "" : ", ").append('*').append((char) (c - 1));
      }
      laughs.append("]\n");
    }
    ParserTargets.ecuInfo(laughs.toString());
    ParserTargets.proxyInfo(laughs.toString());
    ParserTargets.cookies("[".repeat(100_000));
    ParserTargets.cookies("{\"a\":" + "[".repeat(60_000));
  }

  // ---------------------------------------------------------------- the mutator

  static List<byte[]> utf8(List<String> samples) {
    return samples.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
  }

  /** Runs {@code target} on the seeds and on {@link #ITERATIONS} mutants; the corpus grows with every input. */
  static void fuzz(String name, List<byte[]> seeds, Consumer<byte[]> target) {
    long seed = Suite.seed() ^ name.hashCode();
    Random r = new Random(seed);
    List<byte[]> corpus = new ArrayList<>(seeds);
    for (byte[] s : seeds) {
      run(name, seed, -1, s, target);
    }
    for (int i = 0; i < ITERATIONS; i++) {
      byte[] input = mutate(r, corpus.get(r.nextInt(corpus.size())), corpus);
      run(name, seed, i, input, target);
      if (corpus.size() < 2_000 && r.nextInt(16) == 0) {
        corpus.add(input); // keep some mutants as parents: mutations stack up over the run
      }
    }
    assertThat(corpus).isNotEmpty();
  }

  static void run(String name, long seed, int iteration, byte[] input, Consumer<byte[]> target) {
    try {
      target.accept(input);
    } catch (Throwable t) {
      throw new AssertionError(name + ": seed " + seed + ", iteration " + iteration + ": " + t
          + "\ninput (base64): " + Base64.getEncoder().encodeToString(input), t);
    }
  }

  static byte[] mutate(Random r, byte[] parent, List<byte[]> corpus) {
    byte[] b = parent.clone();
    int rounds = 1 + r.nextInt(4);
    for (int k = 0; k < rounds; k++) {
      int op = r.nextInt(8);
      int at = b.length == 0 ? 0 : r.nextInt(b.length + 1);
      switch (op) {
        case 0 -> { // flip a bit
          if (b.length > 0) {
            int i = r.nextInt(b.length);
            b[i] ^= (byte) (1 << r.nextInt(8));
          }
        }
        case 1 -> b = insert(b, at, TOKENS.get(r.nextInt(TOKENS.size())).getBytes(StandardCharsets.UTF_8));
        case 2 -> { // delete a range
          if (b.length > 0) {
            int from = r.nextInt(b.length);
            int len = 1 + r.nextInt(Math.min(16, b.length - from));
            byte[] c = new byte[b.length - len];
            System.arraycopy(b, 0, c, 0, from);
            System.arraycopy(b, from + len, c, from, b.length - from - len);
            b = c;
          }
        }
        case 3 -> { // duplicate a range
          if (b.length > 0) {
            int from = r.nextInt(b.length);
            int len = 1 + r.nextInt(Math.min(64, b.length - from));
            byte[] piece = new byte[len];
            System.arraycopy(b, from, piece, 0, len);
            b = insert(b, at, piece);
          }
        }
        case 4 -> { // splice with another corpus entry
          byte[] other = corpus.get(r.nextInt(corpus.size()));
          int cut = other.length == 0 ? 0 : r.nextInt(other.length);
          byte[] c = new byte[at + other.length - cut];
          System.arraycopy(b, 0, c, 0, Math.min(at, b.length));
          System.arraycopy(other, cut, c, at, other.length - cut);
          b = c;
        }
        case 5 -> { // a random byte, often a non-UTF-8 one
          if (b.length > 0) {
            b[r.nextInt(b.length)] = (byte) r.nextInt(256);
          }
        }
        case 6 -> { // repeat a token many times (long fields, deep nesting)
          byte[] t = TOKENS.get(r.nextInt(TOKENS.size())).getBytes(StandardCharsets.UTF_8);
          int n = 1 << r.nextInt(12);
          byte[] many = new byte[t.length * n];
          for (int i = 0; i < n; i++) {
            System.arraycopy(t, 0, many, i * t.length, t.length);
          }
          b = insert(b, at, many);
        }
        default -> { // truncate
          if (b.length > 0) {
            byte[] c = new byte[r.nextInt(b.length)];
            System.arraycopy(b, 0, c, 0, c.length);
            b = c;
          }
        }
      }
      if (b.length > (1 << 20)) {
        b = java.util.Arrays.copyOf(b, 1 << 20);
      }
    }
    return b;
  }

  static byte[] insert(byte[] b, int at, byte[] piece) {
    int pos = Math.min(at, b.length);
    byte[] c = new byte[b.length + piece.length];
    System.arraycopy(b, 0, c, 0, pos);
    System.arraycopy(piece, 0, c, pos, piece.length);
    System.arraycopy(b, pos, c, pos + piece.length, b.length - pos);
    return c;
  }
}
