#!/usr/bin/env bash
# Start-up of two builds side by side: `otaclient apply` of an image that is not there, from process
# start to the first request in nginx's log, runs of the two builds alternating (so both see the same
# load), with the launcher's default options and each build's own AppCDS archive (or, with OTACLIENT_JAVA
# naming the JDK 25 the package step made an AOT cache for, that JDK with the cache: launcher_jvm in
# bench/workfs.sh).
#
#   bench/startup-ab.sh TARGET_DIR_A TARGET_DIR_B [RUNS]     (default 9 runs each; medians reported)
#
# TARGET_DIR: an otaclient-cli/target directory holding otaclient.jar (and otaclient.jsa, if built);
# e.g. a second work tree of an older commit: git worktree add /tmp/base REV && (cd /tmp/base &&
# mvn -B -DskipTests package -pl otaclient-cli -am). Uses the quick workload's CA and images (run
# bench/run.sh --quick once first). Environment: BENCH_WORKDIR (as run.sh), BENCH_STARTUP_PORT
# (default 18091).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
[[ $# -ge 2 ]] || { echo "usage: bench/startup-ab.sh TARGET_DIR_A TARGET_DIR_B [RUNS]" >&2; exit 2; }
a=$(cd "$1" && pwd)
b=$(cd "$2" && pwd)
runs=${3:-9}
W=$(mkdir -p "${BENCH_WORKDIR:-$here/work}/quick" && cd "${BENCH_WORKDIR:-$here/work}/quick" && pwd)
# shellcheck source=bench/workfs.sh
. "$here/workfs.sh"
mount_workfs "$W" 24G
trap unmount_workfs EXIT
port=${BENCH_STARTUP_PORT:-18091}
opts=$(launcher_opts "$repo")
[[ -d "$W/ca/certs" ]] || { echo "startup-ab: run bench/run.sh --quick first (no $W/ca/certs)" >&2; exit 1; }
S="$W/startup-ab"
# shellcheck source=bench/startup-nginx.sh
. "$here/startup-nginx.sh"
start_nginx "$S" "$port" "$W/images"

once() { # TARGET_DIR -> "ms_to_first_request wall_s peak_rss_kib"
  local dir=$1 lines t0 first java archive
  read -r java archive <<< "$(launcher_jvm "$dir")"
  lines=$(wc -l < "$S/nginx/access.log")
  rm -rf "$S/state"
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  /usr/bin/time -f '%e %M' -o "$S/time.txt" "$java" $opts $archive -jar "$dir/otaclient.jar" apply \
    --url "http://127.0.0.1:$port/startup-probe-$RANDOM/" --certs "$W/ca/certs" --state-dir "$S/state" \
    --image-version 1 --progress-every 0 > /dev/null 2>&1 || true
  first=$(tail -n +"$((lines + 1))" "$S/nginx/access.log" | head -1 | cut -d' ' -f1)
  echo "$(python3 -c "print('%.0f' % ((float('$first') - float('$t0')) * 1000))") $(tail -1 "$S/time.txt")"
}

once "$a" > /dev/null   # warm the page cache for both jars
once "$b" > /dev/null
for _ in $(seq "$runs"); do
  echo "A $(once "$a")"
  echo "B $(once "$b")"
done > "$S/runs.txt"
python3 - "$S/runs.txt" "$a" "$b" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
print("| build | first request, median (range) | process wall | peak RSS |")
print("|---|---|---|---|")
for tag, path in (("A", sys.argv[2]), ("B", sys.argv[3])):
    ms = sorted(float(r[1]) for r in rows if r[0] == tag)
    wall = sorted(float(r[2]) for r in rows if r[0] == tag)
    rss = sorted(int(r[3]) for r in rows if r[0] == tag)
    print("| %s %s | %.0f ms (%.0f-%.0f) | %.2f s | %.0f MiB |" % (tag, path, statistics.median(ms), ms[0], ms[-1],
          statistics.median(wall), statistics.median(rss) / 1024))
PY
