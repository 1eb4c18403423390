#!/usr/bin/env bash
# The default chain of run.sh (s1 full install, s2 delta, s3 in place, s4 no-op) for two builds side by
# side, chains alternating A B, B A, A B, ... so both see the same machine; prints each scenario's median
# wall time, engine time, CPU time (user + system), user time alone and peak RSS per build, and B / A,
# then every run. For before/after figures of one change. Wall times at 60 000 files move by 10-20 %
# between identical runs (writeback of 2 GiB): CPU time is steadier, and user time steadier still (the
# system part, the kernel's side of reading, writing and syncing 2 GiB, moved by up to 4.4 s between
# runs of one build in the delta; docs/benchmarks.md, round ten).
#
#   bench/chain-ab.sh TARGET_DIR_A TARGET_DIR_B [CHAINS] [full|quick]   (default 4 chains each, full)
#
# TARGET_DIR: an otaclient-cli/target directory holding otaclient.jar (and otaclient.jsa, if built),
# e.g. of a second work tree at an older commit: git worktree add /tmp/base REV && (cd /tmp/base &&
# mvn -B -DskipTests package). Needs the workload and images of `bench/run.sh` (full) or
# `bench/run.sh --quick` made once. Runs with the launcher's default options and each build's own
# AppCDS archive (or, with OTACLIENT_JAVA naming the JDK 25 the package step made an AOT cache for, that
# JDK with the cache: launcher_jvm in bench/workfs.sh); BENCH_AB_OPTS_A / BENCH_AB_OPTS_B replace the JVM options of one side (to compare
# options, give the same TARGET_DIR twice). Environment: BENCH_WORKDIR (as run.sh), BENCH_AB_PORT
# (default 18092).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
[[ $# -ge 2 ]] || { echo "usage: bench/chain-ab.sh TARGET_DIR_A TARGET_DIR_B [CHAINS] [full|quick]" >&2; exit 2; }
a=$(cd "$1" && pwd)
b=$(cd "$2" && pwd)
chains=${3:-4}
profile=${4:-full}
W=$(mkdir -p "${BENCH_WORKDIR:-$here/work}/$profile" && cd "${BENCH_WORKDIR:-$here/work}/$profile" && pwd)
# shellcheck source=bench/workfs.sh
. "$here/workfs.sh"
mount_workfs "$W" "$([[ $profile == quick ]] && echo 24G || echo 160G)"
trap unmount_workfs EXIT
[[ -d "$W/ca/certs" && -d "$W/images/v3" ]] || { echo "chain-ab: run bench/run.sh first (no workload in $W)" >&2; exit 1; }
port=${BENCH_AB_PORT:-18092}
opts=$(launcher_opts "$repo")
S="$W/chain-ab"
# shellcheck source=bench/startup-nginx.sh
. "$here/startup-nginx.sh"
start_nginx "$S" "$port" "$W/images"
for side in a b; do
  dir=${!side}
  mkdir -p "$S/classes-$side"
  javac -nowarn -d "$S/classes-$side" -cp "$dir/otaclient.jar" "$here/Harness.java"
done

# one NAME SIDE IMAGE VERSION: one update of the side's device; appends "SIDE NAME wall engine rss_mib"
one() {
  local name=$1 side=$2 image=$3 version=$4 dir java archive jvm=$opts
  dir=${!side}
  [[ $side == a && -n "${BENCH_AB_OPTS_A:-}" ]] && jvm=$BENCH_AB_OPTS_A
  [[ $side == b && -n "${BENCH_AB_OPTS_B:-}" ]] && jvm=$BENCH_AB_OPTS_B
  read -r java archive <<< "$(launcher_jvm "$dir")"
  sync
  # shellcheck disable=SC2086
  /usr/bin/time -f '%e %M %U %S' -o "$S/time.txt" "$java" $jvm $archive -cp "$dir/otaclient.jar:$S/classes-$side" Harness apply \
    --state-dir "$S/dev-$side" --certs "$W/ca/certs" --image "http://127.0.0.1:$port/$image/" --version "$version" \
    > "$S/out.json" 2> "$S/out.err" || { echo "chain-ab: $name ($side) failed:" >&2; tail -5 "$S/out.err" >&2; exit 1; }
  python3 - "$S/out.json" "$S/time.txt" "$side" "$name" >> "$S/rows.txt" <<'EOF'
import json, sys
out, time, side, name = sys.argv[1:]
r = json.loads(open(out).read().strip().splitlines()[-1])
if r["status"] != "SUCCESS":
    sys.exit("chain-ab: %s (%s) ended %s" % (name, side, r["status"]))
wall, rss, user, system = open(time).read().split()[-4:]
print(side, name, wall, r["engine_seconds"], int(rss) // 1024, "%.2f" % (float(user) + float(system)), user, system)
EOF
}

: > "$S/rows.txt"
# A B, then B A, A B, ...: with an even number of chains each side runs first as often as second, so an
# effect of the order cannot pass for one of the change
for i in $(seq "$chains"); do
  order="a b"
  (( i % 2 == 0 )) && order="b a"
  for side in $order; do
    rm -rf "$S/dev-$side"
    one s1-full "$side" v1 v1
    # as run.sh: the device names itself, so each update carries a changed persistent file over
    echo "device-ab" > "$S/dev-$side/$(readlink "$S/dev-$side/active")/etc/hostname"
    one s2-delta "$side" v2 v2
    one s3-inplace "$side" v3 v3
    one s4-noop "$side" v2 v2
  done
done
python3 - "$S/rows.txt" "$a ${BENCH_AB_OPTS_A:-}" "$b ${BENCH_AB_OPTS_B:-}" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
print("A = %s\nB = %s\n" % (sys.argv[2], sys.argv[3]))
print("| scenario | A wall | B wall | B / A | A engine | B engine | A CPU | B CPU | A user | B user | A peak RSS | B peak RSS |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for name in ("s1-full", "s2-delta", "s3-inplace", "s4-noop"):
    def med(side, col):
        return statistics.median(float(r[col]) for r in rows if r[0] == side and r[1] == name)
    wa, wb = med("a", 2), med("b", 2)
    print("| %s | %.2f s | %.2f s | %.3f | %.2f s | %.2f s | %.1f s | %.1f s | %.1f s | %.1f s | %.0f MiB | %.0f MiB |" % (
        name, wa, wb, wb / wa, med("a", 3), med("b", 3), med("a", 5), med("b", 5), med("a", 6), med("b", 6),
        med("a", 4), med("b", 4)))
# every run, for spreads: side, scenario, wall, engine, peak RSS (MiB), CPU, user, system (s)
print()
for r in rows:
    print("    " + " ".join(r))
EOF
