#!/usr/bin/env bash
# The reliability and security suites (issue 9), outside the normal CI run.
#
#   reliability/run.sh            the CI-sized suites (the same ones `mvn test` runs), verbose reports
#   reliability/run.sh long       the long variants: 200 crash points, 60 power cuts, larger images,
#                                 60 GRUB kills and 30 GRUB power cuts, 1 000 000 mutations per parser
#                                 (-Dreliability.long=true)
#   reliability/run.sh fuzz [N]   Jazzer coverage-guided fuzzing of every parser target, N rounds of
#                                 30 s each (default 1); a crash is saved by Jazzer under
#                                 otaclient-core/src/test/resources/dev/otaclient/reliability/
#                                 ParserFuzzTestInputs/<target>/ and from then on replayed by `mvn test`
#                                 (CI=true mvn verify fuzzes one round too: the ci-fuzz profile of
#                                 otaclient-core/pom.xml)
#
# RELIABILITY_SEED=<n> picks another seed for the seeded suites (default 20240917); the reports go to
# otaclient-core/target/reliability/ (crash-report.txt, power-cut-report.txt, child JVM logs).
# Needs root (loop devices, tmpfs, chown), nginx, e2fsprogs and perl; never runs `mvn install`.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-ci}"
seed="${RELIABILITY_SEED:-20240917}"
suites='**/reliability/*Test'
# -Dotaclient.fuzz.skip: with CI=true the ci-fuzz profile would fuzz on every run; `fuzz` does that here
common=(-B -ntp -Dsurefire.failIfNoSpecifiedTests=false "-Dreliability.seed=${seed}" -Dotaclient.fuzz.skip=true)

case "$mode" in
  ci)
    mvn "${common[@]}" test -pl otaclient-core,otaclient-grpc -am -Dtest="$suites"
    ;;
  long)
    mvn "${common[@]}" test -pl otaclient-core,otaclient-grpc -am -Dtest="$suites" -Dreliability.long=true
    ;;
  fuzz)
    rounds="${2:-1}"
    # Jazzer fuzzes one @FuzzTest per JVM, so each target gets its own run; instrumenting Jackson and
    # SnakeYAML too lets the fuzzer steer through the JSON and YAML grammars, not only our own code.
    targets=(listFile listLine metadataJwt cookies ecuInfo proxyInfo indexJwt msgPack resourceFilter)
    mvn "${common[@]}" -q test-compile -pl otaclient-core -am
    for ((round = 1; round <= rounds; round++)); do
      for t in "${targets[@]}"; do
        echo "=== fuzzing ParserFuzzTest#${t} (round ${round}/${rounds}, 30 s)"
        JAZZER_FUZZ=1 mvn "${common[@]}" -o test -pl otaclient-core -Dtest="ParserFuzzTest#${t}" \
          -Djazzer.instrumentation_includes='dev.otaclient.**:com.fasterxml.jackson.**:org.yaml.snakeyaml.**'
      done
    done
    ;;
  *)
    echo "usage: $0 [ci|long|fuzz [rounds]]" >&2
    exit 2
    ;;
esac
