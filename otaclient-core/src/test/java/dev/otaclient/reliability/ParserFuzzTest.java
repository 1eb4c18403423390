package dev.otaclient.reliability;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Suite 7 with Jazzer (coverage-guided). Without {@code JAZZER_FUZZ} (plain {@code mvn test}, CI) each
 * method replays its stored inputs under
 * {@code src/test/resources/dev/otaclient/reliability/ParserFuzzTestInputs/<method>/}: every crash ever
 * found is kept there as a regression test. With {@code JAZZER_FUZZ=1} one method at a time fuzzes for
 * {@code maxDuration} (Jazzer allows a single fuzz test per run): {@code reliability/run.sh fuzz} loops
 * over them. {@link ParserMutationTest} runs the same targets, seeded, in every CI build.
 */
class ParserFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void listFile(byte[] data) {
    ParserTargets.listFile(data);
  }

  @FuzzTest(maxDuration = "30s")
  void listLine(byte[] data) {
    ParserTargets.listLine(ParserTargets.utf8(data));
  }

  @FuzzTest(maxDuration = "30s")
  void metadataJwt(byte[] data) {
    ParserTargets.metadataJwt(ParserTargets.utf8(data));
  }

  @FuzzTest(maxDuration = "30s")
  void cookies(byte[] data) {
    ParserTargets.cookies(ParserTargets.utf8(data));
  }

  @FuzzTest(maxDuration = "30s")
  void ecuInfo(byte[] data) {
    ParserTargets.ecuInfo(ParserTargets.utf8(data));
  }

  @FuzzTest(maxDuration = "30s")
  void proxyInfo(byte[] data) {
    ParserTargets.proxyInfo(ParserTargets.utf8(data));
  }

  @FuzzTest(maxDuration = "30s")
  void indexJwt(byte[] data) {
    ParserTargets.indexJwt(data);
  }

  @FuzzTest(maxDuration = "30s")
  void msgPack(byte[] data) {
    ParserTargets.msgPack(data);
  }

  @FuzzTest(maxDuration = "30s")
  void resourceFilter(byte[] data) {
    ParserTargets.resourceFilter(data);
  }
}
