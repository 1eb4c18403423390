#!/usr/bin/env bash
# Start-up of `otaclient apply`: the time from process start to the first HTTP request nginx logs
# (issue 15: within 150 ms), and the whole process's peak RSS, for several JVM settings side by side.
#
#   bench/startup.sh [RUNS]          (default 7 runs per setting; the median is reported)
#
# Uses the quick workload's CA (run bench/run.sh --quick once first). Each run asks for an image
# that is not there: the first request (metadata.jwt) is what an update sends first, and the 404 ends
# the process at once. Environment: BENCH_WORKDIR (as run.sh), BENCH_STARTUP_PORT (default 18090),
# JAVA25 (default /usr/lib/jvm/temurin-25-jdk-amd64/bin/java; settings that need it are left out when
# it is missing).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
runs=${1:-7}
W=$(mkdir -p "${BENCH_WORKDIR:-$here/work}/quick" && cd "${BENCH_WORKDIR:-$here/work}/quick" && pwd)
# shellcheck source=bench/workfs.sh
. "$here/workfs.sh"
mount_workfs "$W" 24G
trap unmount_workfs EXIT
port=${BENCH_STARTUP_PORT:-18090}
jar="$repo/otaclient-cli/target/otaclient.jar"
java25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
default_opts=$(launcher_opts "$repo")
[[ -d "$W/ca/certs" ]] || { echo "startup: run bench/run.sh --quick first (no $W/ca/certs)" >&2; exit 1; }
S="$W/startup"
# shellcheck source=bench/startup-nginx.sh
. "$here/startup-nginx.sh"
start_nginx "$S" "$port" "$W/images"

# one run: prints "ms_to_first_request wall_s peak_rss_kib"
once() {
  local lines t0 first
  lines=$(wc -l < "$S/nginx/access.log")
  rm -rf "$S/state"
  t0=$(date +%s.%N)
  /usr/bin/time -f '%e %M' -o "$S/time.txt" "$@" apply --url "http://127.0.0.1:$port/startup-probe-$RANDOM/" \
    --certs "$W/ca/certs" --state-dir "$S/state" --image-version 1 --progress-every 0 > /dev/null 2>&1 || true
  # nginx writes its log line when the request ends; a 404 ends within a millisecond
  first=$(tail -n +"$((lines + 1))" "$S/nginx/access.log" | head -1 | cut -d' ' -f1)
  python3 -c "print('%.0f' % ((float('$first') - float('$t0')) * 1000))" | tr '\n' ' '
  tail -1 "$S/time.txt"
}

setting() { # LABEL CMD...
  local label=$1
  shift
  "$@" --version > /dev/null 2>&1 || true   # warm the page cache for the jar and the JDK
  local all=()
  for _ in $(seq "$runs"); do all+=("$(once "$@")"); done
  printf '%s\n' "${all[@]}" | python3 -c "
import sys, statistics
rows = [l.split() for l in sys.stdin if l.strip()]
ms = sorted(float(r[0]) for r in rows); wall = sorted(float(r[1]) for r in rows); rss = sorted(int(r[2]) for r in rows)
print('| %s | %.0f ms | %.0f-%.0f ms | %.2f s | %.0f MiB |' % ('$label', statistics.median(ms), ms[0], ms[-1],
      statistics.median(wall), statistics.median(rss) / 1024))"
}

echo "| setting | first request (median of $runs) | range | process wall | peak RSS |"
echo "|---|---|---|---|---|"
# shellcheck disable=SC2086
setting "JDK 17, launcher defaults ($default_opts)" java $default_opts -jar "$jar"
# shellcheck disable=SC2086
setting "JDK 17, launcher defaults, -Xshare:off (no CDS at all)" java $default_opts -Xshare:off -jar "$jar"
if [[ -f "$repo/otaclient-cli/target/otaclient.jsa" ]]; then
  setting "./otaclient launcher (defaults + AppCDS archive of the package step, training: apply of the demo image)" env -u OTACLIENT_JAVA "$repo/otaclient"
fi
if [[ -s "$repo/otaclient-cli/target/otaclient.aot" ]]; then
  aot_java=$(cat "$repo/otaclient-cli/target/otaclient.aot-java")
  setting "OTACLIENT_JAVA=$aot_java ./otaclient (defaults + AOT cache of the package step, training: apply of the demo image)" env OTACLIENT_JAVA="$aot_java" "$repo/otaclient"
fi
# AppCDS: a dynamic archive from one training run of the same command
# shellcheck disable=SC2086
java $default_opts -XX:ArchiveClassesAtExit="$S/app17.jsa" -jar "$jar" apply --url "http://127.0.0.1:$port/v1/" \
  --certs "$W/ca/certs" --state-dir "$S/train" --image-version 1 --progress-every 0 > /dev/null 2>&1 || true
rm -rf "$S/train"
# shellcheck disable=SC2086
setting "JDK 17, launcher defaults + AppCDS (training: one full install)" java $default_opts -XX:SharedArchiveFile="$S/app17.jsa" -jar "$jar"
if [[ -x "$java25" ]]; then
  # shellcheck disable=SC2086
  setting "JDK 25, launcher defaults" "$java25" $default_opts -jar "$jar"
  # shellcheck disable=SC2086
  setting "JDK 25, launcher defaults + compact object headers" "$java25" $default_opts -XX:+UseCompactObjectHeaders -jar "$jar"
  # The assembly step of Temurin 25.0.3 died on this jar while picocli's classes were Java 5 ones
  # (internal error in archiveHeapWriter.cpp, an hs_err file, an empty cache, exit status 0) unless
  # invokedynamic call sites stayed unlinked (-XX:-AOTClassLinking); since the package step lifts them
  # the default options work. A cache that is empty or made with other options is ignored by the JVM, and
  # the run measured is one without a cache: each cache is made with the options of its row, checked
  # with -XX:AOTMode=on, and the row says how it was made.
  # make_aot FILE [JVM options...]: prints how the cache was made; nothing when no usable cache was made
  make_aot() {
    local file=$1 extra
    shift
    for extra in "" "-XX:-AOTClassLinking"; do
      rm -f "$file" "$file.config"
      # shellcheck disable=SC2086
      (cd "$S" && "$java25" $default_opts "$@" $extra -XX:AOTCacheOutput="$file" -jar "$jar" apply \
        --url "http://127.0.0.1:$port/v1/" --certs "$W/ca/certs" --state-dir "$S/train" --image-version 1 \
        --progress-every 0 > "$file.log" 2>&1) || true
      rm -rf "$S/train" "$S"/hs_err_pid*.log
      # shellcheck disable=SC2086
      if [[ -s "$file" ]] && "$java25" $default_opts "$@" -XX:AOTCache="$file" -XX:AOTMode=on -jar "$jar" \
          --version > /dev/null 2>&1; then
        echo "${extra:-default options}"
        return
      fi
    done
  }
  made=$(make_aot "$S/app25.aot")
  if [[ -n "$made" ]]; then
    # shellcheck disable=SC2086
    setting "JDK 25, launcher defaults + AOT cache (training: one full install; made with $made)" "$java25" $default_opts -XX:AOTCache="$S/app25.aot" -jar "$jar"
  else
    echo "| JDK 25 + AOT cache | no usable cache could be made (see $S/app25.aot.log) | | | |"
  fi
  made=$(make_aot "$S/app25c.aot" -XX:+UseCompactObjectHeaders)
  if [[ -n "$made" ]]; then
    # shellcheck disable=SC2086
    setting "JDK 25, AOT cache + compact object headers (made with $made)" "$java25" $default_opts -XX:+UseCompactObjectHeaders -XX:AOTCache="$S/app25c.aot" -jar "$jar"
  else
    echo "| JDK 25 + AOT cache + compact object headers | no usable cache could be made (see $S/app25c.aot.log) | | | |"
  fi
fi
